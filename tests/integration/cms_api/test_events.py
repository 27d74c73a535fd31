"""GET /api/events: pagination, filters, and bad input answered in the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.shared.generated.events import EventEnvelope, EventType
from services.shared.settings import Settings
from services.store import MongoStore
from tests.integration.cms_api.conftest import RunningApi


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[list[EventEnvelope]]:
    """75 events of two engines, several per millisecond, persisted through the store."""
    store = MongoStore.connect(settings)
    events = [
        EventEnvelope(
            type=EventType.FILL if seq % 4 else EventType.ORDER_UPDATE,
            engineId=engine,
            exchange="okx" if engine == "eng-a" else "kalshi",
            ts=1_700_000_000_000 + seq // 4,
            seq=seq,
            payload={"price": "0.01", "n": seq},
        )
        for engine, count in (("eng-a", 40), ("eng-b", 35))
        for seq in range(1, count + 1)
    ]
    await store.ensure_indexes()
    assert await store.events.upsert_events(events) == 75
    yield events
    await store.db.client.drop_database(settings.mongo_db)
    await store.close()


async def _all_pages(api: RunningApi, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await api.client.get("/api/events", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


async def test_pages_return_every_event_exactly_once(
    api: RunningApi, seeded: list[EventEnvelope]
) -> None:
    items, pages = await _all_pages(api, {"limit": 10})
    assert pages == 8
    keys = [(i["ts"], i["engineId"], i["seq"]) for i in items]
    assert len(keys) == len(set(keys)) == 75
    assert keys == sorted(keys, reverse=True)
    assert items[0] == max(seeded, key=lambda e: (e.ts, e.engineId, e.seq)).model_dump(mode="json")


async def test_filters_narrow_the_pages(api: RunningApi, seeded: list[EventEnvelope]) -> None:
    params = {"engine_id": "eng-b", "type": "fill", "since": 1_700_000_000_002, "limit": 3}
    items, _ = await _all_pages(api, params)
    expected = sorted(
        (
            e.seq
            for e in seeded
            if e.engineId == "eng-b" and e.type == EventType.FILL and e.ts >= 1_700_000_000_002
        ),
        reverse=True,
    )
    assert [i["seq"] for i in items] == expected
    only_kalshi, _ = await _all_pages(api, {"exchange": "kalshi", "limit": 500})
    assert {i["engineId"] for i in only_kalshi} == {"eng-b"}
    assert len(only_kalshi) == 35


async def test_default_limit_is_100(api: RunningApi, seeded: list[EventEnvelope]) -> None:
    body = (await api.client.get("/api/events")).json()
    assert len(body["items"]) == 75
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"exchange": "nasdaq"}, "exchange"),
        ({"type": "trade"}, "type"),
        ({"engine_id": '{"$gt": ""}'}, "engine_id"),
        ({"since": "-1"}, "since"),
        ({"since": "10", "until": "10"}, "until"),
        ({"cursor": "bm9wZQ"}, "cursor"),
        ({"botId[$ne]": "x"}, "botId[$ne]"),
    ],
)
async def test_bad_query_is_a_422_naming_the_field(
    api: RunningApi, params: dict[str, str], field: str
) -> None:
    response = await api.client.get("/api/events", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert [f["field"] for f in error["fields"]] == [field]
    assert all(f["message"] for f in error["fields"])


async def test_unknown_route_is_a_404_in_the_error_shape(api: RunningApi) -> None:
    response = await api.client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found", "fields": []}}


async def test_openapi_has_stable_operation_ids_and_documents_the_error_shape(
    api: RunningApi,
) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    ops = {
        path: {method: op["operationId"] for method, op in item.items()}
        for path, item in spec["paths"].items()
    }
    assert ops == {
        "/health": {"get": "health-read_health"},
        "/api/engines": {"get": "engines-list_engines"},
        "/api/events": {"get": "events-list_events"},
        "/metrics": {"get": "metrics-read_metrics"},
    }
    events_422 = spec["paths"]["/api/events"]["get"]["responses"]["422"]
    assert events_422["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }
    assert (await api.client.get("/docs")).status_code == 200
