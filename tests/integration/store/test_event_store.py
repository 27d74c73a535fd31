"""EventStore against a real MongoDB-wire server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo.errors import DuplicateKeyError

from services.shared.generated.constants import EVENTS_COLLECTION
from services.shared.generated.enums import ExchangeScope
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.settings import Settings
from services.store import InvalidCursorError, MongoStore


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[MongoStore]:
    found = MongoStore.connect(settings)
    await found.ensure_indexes()
    yield found
    await found.db.client.drop_database(settings.mongo_db)
    await found.close()


def envelope(
    engine_id: str,
    seq: int,
    ts: int,
    *,
    exchange: str = "okx",
    event_type: EventType = EventType.FILL,
) -> EventEnvelope:
    return EventEnvelope(
        type=event_type,
        engineId=engine_id,
        exchange=ExchangeScope(exchange),
        ts=ts,
        seq=seq,
        payload={"price": "0.1000000000000000055", "size": "3"},
    )


async def test_upsert_is_idempotent_and_counts_only_new_events(store: MongoStore) -> None:
    batch = [envelope("e1", seq, 1_000 + seq) for seq in range(1, 11)]
    assert await store.events.upsert_events(batch) == 10
    assert await store.events.upsert_events(batch) == 0
    overlapping = [*batch[5:], envelope("e1", 11, 2_000)]
    assert await store.events.upsert_events(overlapping) == 1
    assert await store.events.count(engine_id="e1") == 11


async def test_first_write_wins_on_replay(store: MongoStore) -> None:
    await store.events.upsert_events([envelope("e1", 1, 5)])
    changed = envelope("e1", 1, 5).model_copy(update={"payload": {"price": "9"}})
    assert await store.events.upsert_events([changed]) == 0
    items, _ = await store.events.list_events(engine_id="e1")
    assert [i.payload for i in items] == [{"price": "0.1000000000000000055", "size": "3"}]


async def test_engine_and_seq_are_unique_in_the_collection(store: MongoStore) -> None:
    await store.events.upsert_events([envelope("e1", 1, 5)])
    with pytest.raises(DuplicateKeyError):
        await store.db[EVENTS_COLLECTION].insert_one(envelope("e1", 1, 6).model_dump(mode="json"))
    indexes = await store.db[EVENTS_COLLECTION].index_information()
    assert indexes["engine_seq_unique"]["unique"] is True
    assert next(k for k, _ in indexes["exchange_ts"]["key"]) == "exchange"


async def test_pages_return_every_event_once_newest_first_despite_equal_timestamps(
    store: MongoStore,
) -> None:
    # Two engines, three events per millisecond: ties that only (engineId, seq) breaks.
    events = [envelope(e, seq, 10_000 + seq // 3) for e in ("a", "b") for seq in range(1, 41)]
    await store.events.upsert_events(events)
    seen: list[tuple[int, str, int]] = []
    cursor: str | None = None
    pages = 0
    while True:
        items, cursor = await store.events.list_events(limit=7, cursor=cursor)
        seen += [(i.ts, i.engineId, i.seq) for i in items]
        pages += 1
        if cursor is None:
            break
    assert pages == 12  # 80 events / 7 per page
    assert len(seen) == len(set(seen)) == 80
    assert seen == sorted(seen, reverse=True)


async def test_filters_combine(store: MongoStore) -> None:
    await store.events.upsert_events(
        [
            envelope("a", 1, 100, exchange="okx"),
            envelope("a", 2, 200, exchange="kalshi"),
            envelope("a", 3, 300, exchange="kalshi", event_type=EventType.POSITION),
            envelope("b", 1, 250, exchange="kalshi"),
        ]
    )
    items, cursor = await store.events.list_events(
        exchange=ExchangeScope.KALSHI, event_type=EventType.FILL
    )
    assert [(i.engineId, i.seq) for i in items] == [("b", 1), ("a", 2)]
    assert cursor is None
    items, _ = await store.events.list_events(engine_id="a", since=200, until=300)
    assert [i.seq for i in items] == [2]


async def test_a_foreign_cursor_is_refused(store: MongoStore) -> None:
    with pytest.raises(InvalidCursorError):
        await store.events.list_events(cursor="bm90LWEtY3Vyc29y")


@pytest.mark.parametrize(
    "filters",
    [
        {"engine_id": "b", "since": 10_003, "until": 10_011},
        {"exchange": ExchangeScope.KALSHI, "since": 10_005},
        {"exchange": ExchangeScope.OKX, "event_type": EventType.POSITION, "until": 10_010},
        {"since": 10_000, "until": 10_001},
    ],
)
async def test_filtered_pages_match_a_plain_filter_of_all_events(
    store: MongoStore, filters: dict[str, object]
) -> None:
    events = [
        envelope(
            e,
            seq,
            10_000 + seq // 3,
            exchange="okx" if seq % 2 else "kalshi",
            event_type=EventType.FILL if seq % 5 else EventType.POSITION,
        )
        for e in ("a", "b")
        for seq in range(1, 41)
    ]
    await store.events.upsert_events(events)

    def wanted(env: EventEnvelope) -> bool:
        return (
            filters.get("engine_id", env.engineId) == env.engineId
            and filters.get("exchange", env.exchange) == env.exchange
            and filters.get("event_type", env.type) == env.type
            and env.ts >= int(filters.get("since", 0))  # type: ignore[call-overload]
            and env.ts < int(filters.get("until", 1 << 62))  # type: ignore[call-overload]
        )

    expected = sorted(((e.ts, e.engineId, e.seq) for e in events if wanted(e)), reverse=True)
    assert expected, "the case must select something"
    seen: list[tuple[int, str, int]] = []
    cursor: str | None = None
    while True:
        items, cursor = await store.events.list_events(
            limit=4,
            cursor=cursor,
            **filters,  # type: ignore[arg-type]
        )
        seen += [(i.ts, i.engineId, i.seq) for i in items]
        if cursor is None:
            break
    assert seen == expected
