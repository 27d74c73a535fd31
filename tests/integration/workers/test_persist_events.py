"""persist_events through a real arq worker, Redis and MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from services.shared import names
from services.shared.generated.constants import EVENTS_COLLECTION, JOB_QUEUE
from services.shared.settings import Settings
from services.store import MongoStore
from services.workers.ack import read_mark
from services.workers.client import enqueue_events
from services.workers.jobs import CTX_REDIS, CTX_STORE, InvalidBatchError, persist_events
from services.workers.runner import build_worker, close_worker
from tests.integration.workers.conftest import make_batch


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[MongoStore]:
    found = MongoStore.connect(settings)
    await found.ensure_indexes()
    yield found
    await found.db.client.drop_database(settings.mongo_db)
    await found.close()


async def _drain(settings: Settings) -> int:
    """Run a burst worker in-process until the queue is empty; return jobs completed."""
    worker = build_worker(settings, job_timeout_secs=10, burst=True)
    try:
        await worker.async_run()
        return int(worker.jobs_complete)
    finally:
        await close_worker(worker)


async def _pairs(store: MongoStore) -> list[tuple[str, int]]:
    docs = await store.db[EVENTS_COLLECTION].find({}, {"_id": 0, "engineId": 1, "seq": 1}).to_list()
    return sorted((d["engineId"], d["seq"]) for d in docs)


async def test_replaying_a_job_leaves_one_document_per_event(
    settings: Settings, arq_pool: ArqRedis, redis: Redis, store: MongoStore, test_id: str
) -> None:
    engine = f"eng-{test_id}"
    batch = make_batch(engine, 1, 10)
    assert await enqueue_events(arq_pool, engine, 0, batch) is True
    # Re-sent while queued: arq refuses the duplicate job id.
    assert await enqueue_events(arq_pool, engine, 0, batch) is False
    assert await _drain(settings) == 1
    # Re-sent after completion (keep_result=0): it runs again and changes nothing.
    assert await enqueue_events(arq_pool, engine, 0, batch) is True
    assert await _drain(settings) == 1
    assert await _pairs(store) == [(engine, seq) for seq in range(1, 11)]
    assert await read_mark(redis, engine) == 10
    assert await redis.zcard(JOB_QUEUE) == 0


async def test_calling_the_job_twice_directly_is_idempotent(
    redis: Redis, store: MongoStore, test_id: str
) -> None:
    engine = f"eng-{test_id}"
    ctx: dict[str, Any] = {CTX_STORE: store, CTX_REDIS: redis, "job_try": 1}
    later, earlier = make_batch(engine, 11, 5), make_batch(engine, 1, 10)
    assert await persist_events(ctx, engine, 10, later) == {"new": 5, "mark": 0}
    assert await persist_events(ctx, engine, 0, earlier) == {"new": 10, "mark": 15}
    assert await persist_events(ctx, engine, 0, earlier) == {"new": 0, "mark": 15}
    assert len(await _pairs(store)) == 15
    assert await redis.exists(names.persisted_pending_key(engine)) == 0


async def test_an_invalid_batch_fails_without_writing_or_acknowledging(
    redis: Redis, store: MongoStore, test_id: str
) -> None:
    engine = f"eng-{test_id}"
    ctx: dict[str, Any] = {CTX_STORE: store, CTX_REDIS: redis}
    batch = make_batch(engine, 1, 3)
    batch[2]["engineId"] = "someone-else"
    with pytest.raises(InvalidBatchError):
        await persist_events(ctx, engine, 0, batch)
    assert await _pairs(store) == []
    assert await read_mark(redis, engine) == 0
