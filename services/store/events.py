"""The persisted engine events: idempotent bulk upserts and cursor-paginated reads.

One document per event, keyed by (engineId, seq): an engine never reuses a seq
(see services/shared/sequencer.py), so a re-sent batch matches the documents it
already wrote and changes nothing. Payloads are stored as the JSON the engine
produced (decimals stay strings); `ts` is Unix epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from services.shared.generated.constants import EVENTS_COLLECTION
from services.shared.generated.enums import ExchangeScope
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.logs import get_logger
from services.shared.mongo_client import MongoDocument
from services.store.cursor import EventCursor, decode_event_cursor, encode_event_cursor
from services.store.errors import StoreError
from services.store.translate import driver_errors

log = get_logger(__name__)

# MongoDB's duplicate-key error: two concurrent upserts of one new key, one loses
# the insert race and is then, by definition, not new.
DUPLICATE_KEY = 11000
MAX_LIMIT = 500

# The list order, newest first; (engineId, seq) is unique, so the key is total.
SORT: list[tuple[str, int]] = [("ts", DESCENDING), ("engineId", DESCENDING), ("seq", DESCENDING)]

# Ascending keys only: MongoDB walks an index backwards for the newest-first
# sort just as well, and SecantusDB (the local development and test server)
# answers range queries on descending keys wrongly (drops `$gte` bounds).
INDEXES = [
    IndexModel(
        [("engineId", ASCENDING), ("seq", ASCENDING)], unique=True, name="engine_seq_unique"
    ),
    # Each list filter has an index that also yields the list order.
    IndexModel(
        [("exchange", ASCENDING), ("ts", ASCENDING), ("engineId", ASCENDING), ("seq", ASCENDING)],
        name="exchange_ts",
    ),
    IndexModel(
        [("exchange", ASCENDING), ("type", ASCENDING), ("ts", ASCENDING)], name="exchange_type_ts"
    ),
    IndexModel(
        [("exchange", ASCENDING), ("botId", ASCENDING), ("ts", ASCENDING)], name="exchange_bot_ts"
    ),
    IndexModel([("engineId", ASCENDING), ("ts", ASCENDING), ("seq", ASCENDING)], name="engine_ts"),
    IndexModel([("ts", ASCENDING), ("engineId", ASCENDING), ("seq", ASCENDING)], name="ts"),
]


def event_document(envelope: EventEnvelope) -> MongoDocument:
    """Return the document stored for one envelope (its JSON form)."""
    return envelope.model_dump(mode="json")


def _after(cursor: EventCursor) -> MongoDocument:
    """Match every event strictly after `cursor` in the list order."""
    return {
        "$or": [
            {"ts": {"$lt": cursor.ts}},
            {"ts": cursor.ts, "engineId": {"$lt": cursor.engine_id}},
            {"ts": cursor.ts, "engineId": cursor.engine_id, "seq": {"$lt": cursor.seq}},
        ]
    }


class EventStore:
    """Repository of the `events` collection."""

    def __init__(self, db: AsyncDatabase[MongoDocument]) -> None:
        self._coll: AsyncCollection[MongoDocument] = db[EVENTS_COLLECTION]

    async def ensure_indexes(self) -> None:
        """Create the collection's indexes (a no-op when they exist)."""
        async with driver_errors():
            await self._coll.create_indexes(INDEXES)

    async def upsert_events(self, envelopes: Sequence[EventEnvelope]) -> int:
        """Insert the events not stored yet; return how many were new.

        Idempotent: an event whose (engineId, seq) exists is left untouched, so
        replaying a batch, in any order or concurrently, writes each event once.
        """
        if not envelopes:
            return 0
        ops = [
            UpdateOne(
                {"engineId": env.engineId, "seq": env.seq},
                {"$setOnInsert": event_document(env)},
                upsert=True,
            )
            for env in envelopes
        ]
        try:
            async with driver_errors():
                result = await self._coll.bulk_write(ops, ordered=False)
        except BulkWriteError as exc:
            details: Mapping[str, Any] = exc.details
            others = [e for e in details.get("writeErrors", []) if e.get("code") != DUPLICATE_KEY]
            if others or details.get("writeConcernErrors"):
                raise StoreError(f"bulk upsert of events failed: {others[:3]}") from exc
            return int(details.get("nUpserted", 0))
        return result.upserted_count

    async def list_events(
        self,
        *,
        engine_id: str | None = None,
        exchange: ExchangeScope | None = None,
        event_type: EventType | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[EventEnvelope], str | None]:
        """Return one page of events, newest first, and the cursor of the next page.

        Ordered by `ts`, then `engineId`, then `seq`, all descending. `since` is
        inclusive and `until` exclusive (epoch ms). `next_cursor` is None on the
        last page; pass it back unchanged to continue. Raises InvalidCursorError
        for a cursor this store did not produce.
        """
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        query: MongoDocument = {}
        if engine_id is not None:
            query["engineId"] = engine_id
        if exchange is not None:
            query["exchange"] = exchange.value
        if event_type is not None:
            query["type"] = event_type.value
        ts_range: MongoDocument = {}
        if since is not None:
            ts_range["$gte"] = since
        if until is not None:
            ts_range["$lt"] = until
        if ts_range:
            query["ts"] = ts_range
        if cursor is not None:
            query = {"$and": [query, _after(decode_event_cursor(cursor))]}

        async with driver_errors():
            docs = await self._coll.find(query, {"_id": 0}).sort(SORT).limit(limit + 1).to_list()
        more = len(docs) > limit
        docs = docs[:limit]
        items: list[EventEnvelope] = []
        for doc in docs:
            try:
                items.append(EventEnvelope.model_validate(doc))
            except ValidationError as exc:
                # Written only after validation, so this is corruption: show the rest.
                log.error(
                    "event_document_invalid",
                    engineId=doc.get("engineId"),
                    seq=doc.get("seq"),
                    error=str(exc)[:200],
                )
        next_cursor = None
        if more and docs:
            last = docs[-1]
            position = EventCursor(
                ts=int(last["ts"]), engine_id=str(last["engineId"]), seq=int(last["seq"])
            )
            next_cursor = encode_event_cursor(position)
        return items, next_cursor

    async def count(self, *, engine_id: str | None = None) -> int:
        """Return how many events are stored (for one engine when given)."""
        query: MongoDocument = {} if engine_id is None else {"engineId": engine_id}
        async with driver_errors():
            return await self._coll.count_documents(query)
