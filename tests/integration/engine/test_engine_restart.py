"""SIGKILL an engine with unacknowledged events; the restarted engine's outbox re-sends them.

`trading engine` runs as a child process (through `tests.support.engine_proc`,
which only registers a self-driving paper venue first). The real worker
persists some batches, the engine is killed outright while more are still
unacknowledged (and some already queued in arq), then restarted with the same
data directory: MongoDB must end with every durable event of the killed run
exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from services.cli.local_servers import ManagedProcess
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange
from services.shared.generated.events import EventType
from services.shared.generated.tables import DURABLE_EVENTS
from services.shared.names import engine_key, persisted_seq_key
from services.shared.settings import Settings
from tests.support.engine_harness import EventTap, bot_config, persist_with_worker, send_command

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def outbox_seqs(path: Path) -> list[int]:
    """Seqs of the entries in an outbox file (complete lines only)."""
    seqs = []
    for line in path.read_bytes().splitlines():
        try:
            seqs.append(int(orjson.loads(line)["event"]["seq"]))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            continue
    return seqs


class EngineProcess:
    """`trading engine` as a child process in its own process group."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.proc: ManagedProcess | None = None
        self.runs = 0

    def start(self) -> ManagedProcess:
        self.runs += 1
        env = {
            **os.environ,
            "REDIS_URL": self.settings.redis_url,
            "MONGO_URL": self.settings.mongo_url,
            "MONGO_DB": self.settings.mongo_db,
            "TRADING_DATA_DIR": str(self.settings.data_dir),
            "ENGINE_ID": self.settings.engine_id,
            "LOG_LEVEL": "WARNING",
        }
        self.proc = ManagedProcess(
            name=f"engine-{self.runs}",
            argv=[
                sys.executable,
                "-m",
                "tests.support.engine_proc",
                "engine",
                "--exchanges",
                "kalshi",
                "--metrics-port",
                "0",
            ],
            log_path=self.log_dir / f"engine-{self.runs}.log",
            env=env,
            cwd=ROOT,
        ).start()
        return self.proc

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.signal(signal.SIGKILL)
        assert self.proc.proc is not None
        self.proc.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout_secs=15)


@pytest.fixture
def engine_proc(settings: Settings, tmp_path: Path) -> Iterator[EngineProcess]:
    proc = EngineProcess(settings, tmp_path / "logs")
    try:
        yield proc
    finally:
        proc.stop()


async def wait_registered(redis: Redis, proc: EngineProcess, engine_id: str) -> None:
    deadline = time.monotonic() + 30
    while not await redis.exists(engine_key(engine_id)):
        assert proc.proc is not None
        assert proc.proc.alive(), proc.proc.log_tail()
        assert time.monotonic() < deadline, "engine never registered"
        await asyncio.sleep(0.05)


async def test_killed_engine_resends_its_outbox_and_mongo_has_each_event_once(
    redis: Redis,
    settings: Settings,
    engine_proc: EngineProcess,
    mongo: AsyncMongoClient[dict],
    mongo_db_name: str,
) -> None:
    engine_id = settings.engine_id
    outbox = settings.data_dir / "engines" / engine_id / "outbox.jsonl"
    async with EventTap(redis, engine_id) as tap:
        engine_proc.start()
        await wait_registered(redis, engine_proc, engine_id)
        cfg = bot_config(
            "p1",
            Exchange.KALSHI,
            strategy="quoter",
            mode="paper",
            params={"size": "1", "spread_bps": "5", "requote_bps": "1"},
        )
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="p1",
            payload={"config": cfg},
            timeout_secs=20,
        )
        assert reply["ok"], reply
        running = await tap.wait_for(
            lambda e: e.type is EventType.BOT_STATE and e.payload["state"] == "running"
        )
        # Part of the stream is persisted and acknowledged...
        mark = await persist_with_worker(settings, engine_id, running.seq)

        def unacked_durable() -> int:
            return sum(1 for e in tap.events if e.type in DURABLE_EVENTS and e.seq > mark)

        await tap.wait_for(
            lambda e: e.type is EventType.FILL and e.seq > mark,
            timeout_secs=15,
            what="a fill after the mark",
        )
        await tap.wait_for(
            lambda _: unacked_durable() >= 20,
            timeout_secs=15,
            what="20 unacknowledged durable events",
        )
        # ...the rest is not, when the engine dies outright.
        engine_proc.kill()

    mark_at_kill = int(await redis.get(persisted_seq_key(engine_id)) or 0)
    unacked = [s for s in outbox_seqs(outbox) if s > mark_at_kill]
    assert len(unacked) >= 10, "the test needs unacknowledged events at the kill"
    killed_last = max(unacked)
    queued_jobs = await redis.zcard("trading:jobs")

    engine_proc.start()
    await wait_registered(redis, engine_proc, engine_id)
    await persist_with_worker(settings, engine_id, killed_last, timeout_secs=30)
    engine_proc.stop()
    # Whatever the restarted engine still had (its own events) lands too.
    restarted_last = max(outbox_seqs(outbox), default=killed_last)
    await persist_with_worker(settings, engine_id, restarted_last, timeout_secs=30)

    coll = mongo[mongo_db_name]["events"]
    docs = await coll.find({"engineId": engine_id}, {"seq": 1}).to_list(None)
    seqs = [d["seq"] for d in docs]
    assert len(seqs) == len(set(seqs)), "an event is stored twice"
    missing = sorted(set(unacked) - set(seqs))
    assert missing == [], f"unacknowledged events lost: {missing[:20]}"
    for seq in unacked[:5] + unacked[-5:]:
        assert await coll.count_documents({"engineId": engine_id, "seq": seq}) == 1
    assert queued_jobs >= 0
    types = {d.get("type") for d in await coll.find({"engineId": engine_id}).to_list(None)}
    assert {"bot.state", "order.update", "fill", "position"} <= types
