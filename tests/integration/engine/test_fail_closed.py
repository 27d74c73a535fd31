"""Losing Redis halts the engine within 1.5 s; it resumes only after reconciling.

A private redis-server is stopped mid-run and restarted on the same port
(empty, as after a failover that lost unreplicated writes). The events emitted
during the outage must still end up in MongoDB, through the outbox and the
real worker, in order and complete by seq.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from services.cli.local_servers import ManagedProcess, free_port, start_redis
from services.engine.runtime.engine import RuntimeConfig
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import BotState, EngineStatus, Exchange
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.generated.tables import DURABLE_EVENTS
from services.shared.settings import Settings
from tests.support.backends import Backends
from tests.support.engine_harness import (
    EventTap,
    bot_config,
    persist_with_worker,
    running_engine,
    send_command,
)
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration

KALSHI = Exchange.KALSHI


class PrivateRedis:
    """A redis-server this test may stop and start again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.server: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.server = start_redis(self.port, self.workdir)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def outage_settings(
    private_redis: PrivateRedis,
    backends: Backends,
    mongo_db_name: str,
    tmp_path: Path,
    test_id: str,
) -> Settings:
    return Settings(
        TRADING_ENV="test",
        REDIS_URL=private_redis.url,
        MONGO_URL=backends.mongo_url,
        MONGO_DB=mongo_db_name,
        TRADING_DATA_DIR=str(tmp_path / "data"),
        ENGINE_ID=f"eng-{test_id}",
        REDIS_SOCKET_TIMEOUT_SECS=0.5,
    )


@pytest.fixture
async def private_client(private_redis: PrivateRedis) -> AsyncIterator[Redis]:
    client = Redis.from_url(private_redis.url)
    yield client
    await client.aclose()


async def until(check: object, *, timeout_secs: float, what: str) -> float:
    """Poll a zero-argument callable until it returns True; return the seconds waited."""
    assert callable(check)
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout_secs:
            raise AssertionError(f"timed out after {timeout_secs} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def test_redis_outage_halts_cancels_then_reconciles_resumes_and_persists_everything(
    private_redis: PrivateRedis,
    private_client: Redis,
    outage_settings: Settings,
    venue: FakeVenue,
    mongo: AsyncMongoClient[dict],
    mongo_db_name: str,
) -> None:
    settings = outage_settings
    engine_id = settings.engine_id
    emitted: list[EventEnvelope] = []
    config = RuntimeConfig(fail_closed_grace_ms=1000, health_interval_secs=0.1)
    async with (
        EventTap(private_client, engine_id) as tap,
        running_engine(settings, [KALSHI], runtime_config=config) as app,
    ):
        app.emitted.append(emitted.append)
        emitted_at: dict[int, float] = {}
        app.emitted.append(lambda e: emitted_at.setdefault(e.seq, time.monotonic()))
        cfg = bot_config("q1", KALSHI, strategy="quoter", params={"size": "1"})
        reply = await send_command(
            private_client,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="q1",
            payload={"config": cfg},
        )
        assert reply["ok"], reply
        runner = app.runtime.bots["q1"]
        assert venue.executor.dead_man, "live mode arms the venue's dead-man switch"
        venue.feed.push_book("BTC-USD", "100.00", "101.00")
        await until(
            lambda: len(venue.executor.resting()) == 2, timeout_secs=5, what="two quotes resting"
        )

        # Keep the market moving for the whole outage: the quoter would re-quote.
        moving = True

        async def move_market() -> None:
            flip = False
            while moving:
                flip = not flip
                venue.feed.push_book(
                    "BTC-USD", "102.00" if flip else "100.00", "103.00" if flip else "101.00"
                )
                await asyncio.sleep(0.02)

        mover = asyncio.create_task(move_market())
        await until(
            lambda: len(venue.executor.ops("place")) >= 4,
            timeout_secs=5,
            what="re-quotes while healthy",
        )

        private_redis.stop()
        lost_at = time.monotonic()
        await until(
            lambda: runner.state is BotState.PAUSED and not venue.executor.resting(),
            timeout_secs=3,
            what="bot halted and orders cancelled",
        )
        halted_after = time.monotonic() - lost_at
        assert halted_after <= 1.5, f"halted {halted_after:.2f} s after Redis went away"
        assert app.status is EngineStatus.HALTED
        await asyncio.sleep(0.8)  # the outage goes on; the market keeps moving
        placed_before_return = len(venue.executor.ops("place"))

        private_redis.start()
        back_at = time.monotonic()
        await until(
            lambda: runner.state is BotState.RUNNING and app.status is EngineStatus.RUNNING,
            timeout_secs=10,
            what="engine and bot resumed",
        )
        await until(
            lambda: len(venue.executor.resting()) == 2,
            timeout_secs=5,
            what="quotes resting again after resume",
        )
        moving = False
        await mover
        assert back_at - lost_at > 1.5

        resumed_event = next(
            e
            for e in emitted
            if e.type is EventType.BOT_STATE
            and e.payload["state"] == "running"
            and e.payload["previous"] == "paused"
        )
        resumed_at = emitted_at[resumed_event.seq]
        # No order reached the venue from the first failed health check (<= one check
        # interval plus its timeout after the loss) until the bot was resumed.
        detect_bound = lost_at + config.health_interval_secs + 0.25 + 0.05
        during = [c for c in venue.executor.ops("place") if detect_bound < c.at < resumed_at]
        assert during == [], f"{len(during)} orders placed while Redis was away"
        assert len(venue.executor.ops("place")) > placed_before_return
        # Reconciliation asked the venue for open orders, fills and positions after Redis
        # came back and before the bot resumed.
        recon = {c.op for c in venue.executor.calls if back_at < c.at < resumed_at}
        assert {"open_orders", "fills_since"} <= recon
        assert venue.account.calls >= 1

        # Every transition of the outage is an event, in this order.
        states = [
            (e.type.value, e.payload.get("status") or e.payload.get("state"))
            for e in emitted
            if e.type in (EventType.ENGINE_STATE, EventType.BOT_STATE)
        ]
        halted_index = states.index(("engine.state", "halted"))
        assert states[halted_index:] == [
            ("engine.state", "halted"),
            ("bot.state", "pausing"),
            ("bot.state", "paused"),
            ("bot.state", "running"),
            ("engine.state", "running"),
        ]
        cancelled_in_outage = [
            e
            for e in emitted
            if e.type is EventType.ORDER_UPDATE
            and e.payload["status"] == "cancelled"
            and e.seq < resumed_event.seq
        ]
        assert len(cancelled_in_outage) >= 2
        durable = [e for e in emitted if e.type in DURABLE_EVENTS]
        last_seq = durable[-1].seq
        # Every durable event, the outage's included, reaches MongoDB through the real
        # worker: the outbox re-sends what the restarted Redis lost.
        await persist_with_worker(settings, engine_id, last_seq)
        await until(
            lambda: app.outbox.floor >= last_seq,
            timeout_secs=5,
            what="outbox acknowledged up to the last durable event",
        )

    docs = (
        await mongo[mongo_db_name]["events"]
        .find({"engineId": engine_id}, {"seq": 1, "type": 1})
        .sort("seq", 1)
        .to_list(None)
    )
    stored = [d["seq"] for d in docs]
    assert len(stored) == len(set(stored)), "an event was stored twice"
    wanted = [e.seq for e in durable]
    assert [s for s in stored if s <= last_seq and s in set(wanted)] == wanted
    outage = [e.seq for e in durable if e.seq >= min(e.seq for e in cancelled_in_outage)]
    assert set(outage) <= set(stored)
