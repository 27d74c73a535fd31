"""Bot leases in real Redis: one engine per bot, expiry frees it, failed renewals stop it first."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.cli.local_servers import free_port, start_redis
from services.engine.runtime.leases import LeaseManager, LeaseUnavailable
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange
from services.shared.names import bot_lease_key
from services.shared.settings import Settings
from tests.support.engine_harness import EventTap, bot_config, running_engine, send_command
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration


async def never(bot_id: str, reason: str) -> None:
    raise AssertionError(f"{bot_id} stopped: {reason}")


async def test_a_bot_leased_by_one_engine_cannot_be_taken_until_the_lease_expires(
    redis: Redis,
) -> None:
    a = LeaseManager(redis, "engine-a", never, lease_ms=300)
    b = LeaseManager(redis, "engine-b", never, lease_ms=300)
    await a.acquire("bot-1")
    assert 0 < await redis.pttl(bot_lease_key("bot-1")) <= 300
    with pytest.raises(LeaseUnavailable, match="leased by engine engine-a"):
        await b.acquire("bot-1")
    # Engine A vanishes (never renews): its lease expires and B may take the bot.
    deadline = time.monotonic() + 3
    while True:
        try:
            await b.acquire("bot-1")
            break
        except LeaseUnavailable:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
    assert await redis.get(bot_lease_key("bot-1")) == b"engine-b"
    # A stale owner can neither renew nor release it.
    await a.release("bot-1")
    assert await redis.get(bot_lease_key("bot-1")) == b"engine-b"


async def test_the_owner_renews_at_a_third_of_the_lease(redis: Redis) -> None:
    lm = LeaseManager(redis, "engine-a", never, lease_ms=300)
    await lm.acquire("bot-2")
    task = asyncio.create_task(lm.run())
    try:
        for _ in range(6):  # 0.6 s: twice the lease
            await asyncio.sleep(0.1)
            assert await redis.get(bot_lease_key("bot-2")) == b"engine-a"
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    await lm.release("bot-2")
    assert await redis.get(bot_lease_key("bot-2")) is None


async def test_failing_renewals_stop_the_bot_before_its_lease_can_expire(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis(port, tmp_path)
    client = Redis.from_url(
        f"redis://127.0.0.1:{port}/0", socket_timeout=0.2, socket_connect_timeout=0.2
    )
    stopped: list[tuple[str, float]] = []

    async def on_lost(bot_id: str, reason: str) -> None:
        stopped.append((bot_id, time.monotonic()))

    lm = LeaseManager(client, "engine-a", on_lost, lease_ms=900)
    try:
        await lm.acquire("bot-3")
        task = asyncio.create_task(lm.run())
        await asyncio.sleep(0.35)  # one renewal done
        lease = lm._leases["bot-3"]
        server.stop()
        expires_at = lease.renewed_at + 0.9
        deadline = time.monotonic() + 3
        while not stopped:
            assert time.monotonic() < deadline, "the bot was never stopped"
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert stopped[0][0] == "bot-3"
        assert stopped[0][1] < expires_at, "stopped only after the lease could have expired"
        assert not lm.holds("bot-3")
    finally:
        server.stop()
        await client.aclose()


async def test_start_bot_is_refused_while_another_engine_holds_the_lease(
    redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    await redis.set(bot_lease_key("b9"), "other-engine", px=10_000)
    async with (
        EventTap(redis, settings.engine_id) as tap,
        running_engine(settings, [Exchange.KALSHI]),
    ):
        reply = await send_command(
            redis,
            tap,
            settings.engine_id,
            CommandType.START_BOT,
            bot_id="b9",
            payload={"config": bot_config("b9", Exchange.KALSHI)},
        )
        assert reply["ok"] is False
        assert reply["error"] == "bot b9 is leased by engine other-engine"
        assert venue.factory_calls == 0
