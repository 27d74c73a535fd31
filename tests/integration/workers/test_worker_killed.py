"""A worker SIGKILLed mid-queue loses nothing and doubles nothing (DESIGN §9)."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from services.cli.local_servers import ManagedProcess
from services.shared import names
from services.shared.generated.constants import EVENTS_COLLECTION, JOB_QUEUE
from services.shared.settings import Settings
from services.workers.ack import read_mark
from services.workers.client import enqueue_events
from tests.integration.workers.conftest import make_batch
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
BATCHES, BATCH_SIZE = 200, 10
# Short so the killed worker's in-progress jobs unlock within seconds (timeout + 2 s).
JOB_TIMEOUT_SECS = 2


def _worker(settings: Settings, log_path: Path) -> ManagedProcess:
    env = {
        **os.environ,
        "REDIS_URL": settings.redis_url,
        "MONGO_URL": settings.mongo_url,
        "MONGO_DB": settings.mongo_db,
        "TRADING_ENV": "test",
        "LOG_LEVEL": "INFO",
    }
    argv = [sys.executable, "-m", "services.cli.main", "worker"]
    argv += ["--job-timeout-secs", str(JOB_TIMEOUT_SECS)]
    return ManagedProcess("worker", argv, log_path, env=env, cwd=ROOT).start()


async def test_worker_killed_mid_queue_is_finished_by_the_next_one(
    settings: Settings,
    arq_pool: ArqRedis,
    redis: Redis,
    mongo: AsyncMongoClient[dict[str, Any]],
    tmp_path: Path,
    test_id: str,
) -> None:
    engine = f"eng-{test_id}"
    for n in range(BATCHES):
        first = n * BATCH_SIZE + 1
        batch = make_batch(engine, first, BATCH_SIZE)
        assert await enqueue_events(arq_pool, engine, first - 1, batch)
    assert await redis.zcard(JOB_QUEUE) == BATCHES

    async def some_done() -> bool:
        return int(await redis.zcard(JOB_QUEUE)) < BATCHES

    first_worker = _worker(settings, tmp_path / "worker-1.log")
    try:
        await wait_until(some_done, timeout_secs=30, interval_secs=0.005, what="a first job")
    finally:
        first_worker.signal(signal.SIGKILL)
        assert first_worker.proc is not None
        first_worker.proc.wait(timeout=10)
    assert first_worker.proc.returncode == -signal.SIGKILL
    remaining = int(await redis.zcard(JOB_QUEUE))
    assert 0 < remaining < BATCHES, first_worker.log_tail()
    # Jobs the dead worker had started stay locked until their in-progress key expires.
    stranded = [k async for k in redis.scan_iter(match=f"{in_progress_key_prefix}*")]
    assert stranded, "the kill should land while jobs run"

    second_worker = _worker(settings, tmp_path / "worker-2.log")
    try:

        async def drained() -> bool:
            return int(await redis.zcard(JOB_QUEUE)) == 0

        await wait_until(drained, timeout_secs=40, interval_secs=0.1, what="an empty queue")
    finally:
        assert second_worker.stop() == 0, second_worker.log_tail()

    total = BATCHES * BATCH_SIZE
    events = mongo[settings.mongo_db][EVENTS_COLLECTION]
    assert await events.count_documents({}) == total
    pairs = await events.aggregate(
        [{"$group": {"_id": {"e": "$engineId", "s": "$seq"}}}, {"$count": "n"}]
    )
    assert [doc["n"] async for doc in pairs] == [total]
    assert await read_mark(redis, engine) == total
    assert await redis.exists(names.persisted_pending_key(engine)) == 0
