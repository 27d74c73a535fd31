"""Bots driven by commands over real Redis: every transition is an event, seq gapless."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange
from services.shared.generated.events import EventType
from services.shared.settings import Settings
from tests.support.engine_harness import (
    EventTap,
    assert_gapless,
    bot_config,
    running_engine,
    send_command,
)
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration

KALSHI = Exchange.KALSHI


async def test_start_pause_resume_stop_by_command_emits_each_transition_in_order(
    redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    engine_id = settings.engine_id
    async with EventTap(redis, engine_id) as tap, running_engine(settings, [KALSHI]):
        cfg = bot_config("b1", KALSHI, strategy="noop")
        reply = await send_command(
            redis, tap, engine_id, CommandType.START_BOT, bot_id="b1", payload={"config": cfg}
        )
        assert reply["ok"], reply
        assert reply["result"] == {"botId": "b1", "state": "running"}
        venue.feed.push_book("BTC-USD", "100", "101")

        reply = await send_command(redis, tap, engine_id, CommandType.PAUSE_BOT, bot_id="b1")
        assert reply["result"]["state"] == "paused"
        reply = await send_command(redis, tap, engine_id, CommandType.RESUME_BOT, bot_id="b1")
        assert reply["result"]["state"] == "running"
        reply = await send_command(redis, tap, engine_id, CommandType.STOP_BOT, bot_id="b1")
        assert reply["result"]["state"] == "stopped"

        # A stopped bot cannot be paused: the state machine refuses, the reply says why.
        reply = await send_command(redis, tap, engine_id, CommandType.PAUSE_BOT, bot_id="b1")
        assert reply["ok"] is False
        assert "stopped -> pausing is not allowed" in reply["error"]

        await tap.wait_for(
            lambda e: e.type is EventType.BOT_STATE and e.payload["state"] == "stopped"
        )
        assert tap.bot_states("b1") == [
            "starting",
            "running",
            "pausing",
            "paused",
            "running",
            "stopping",
            "stopped",
        ]
        previous = [e.payload["previous"] for e in tap.of_type(EventType.BOT_STATE, "b1")]
        assert previous == [
            "idle",
            "starting",
            "running",
            "pausing",
            "paused",
            "running",
            "stopping",
        ]
        # Everything the engine published so far, heartbeats and replies included, is gapless.
        seqs = assert_gapless(tap.events)
        assert seqs[0] == 1
        # The lease was taken for the run and given back on stop.
        assert await redis.get("trading:lease:bot:b1") is None


async def test_bad_commands_get_a_reply_naming_the_problem(
    redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    engine_id = settings.engine_id
    async with EventTap(redis, engine_id) as tap, running_engine(settings, [KALSHI]):
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="b2",
            payload={"config": bot_config("b2", KALSHI, strategy="nope")},
        )
        assert reply["ok"] is False and "unknown strategy 'nope'" in reply["error"]
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="b2",
            payload={"config": bot_config("b2", KALSHI, strategy="quoter", params={"size": "-1"})},
        )
        assert reply["ok"] is False and "size" in reply["error"]
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="b2",
            payload={"config": bot_config("b2", Exchange.OKX)},
        )
        assert reply["ok"] is False and "not okx" in reply["error"]
        reply = await send_command(redis, tap, engine_id, CommandType.STOP_BOT, bot_id="zz")
        assert reply["ok"] is False and reply["error"] == "unknown bot zz"
        assert tap.of_type(EventType.BOT_STATE) == []
