"""Manual orders, cancels, config reloads and the kill switch, by command over real Redis."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from services.shared.generated import constants as c
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange
from services.shared.generated.events import EventType
from services.shared.settings import Settings
from tests.support.engine_harness import EventTap, bot_config, running_engine, send_command
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration

KALSHI = Exchange.KALSHI


async def test_manual_orders_cancels_reload_and_kill_switch(
    redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    engine_id = settings.engine_id
    async with EventTap(redis, engine_id) as tap, running_engine(settings, [KALSHI]) as app:

        async def cmd(kind: CommandType, bot_id: str | None = None, **payload: object) -> dict:
            return await send_command(
                redis, tap, engine_id, kind, bot_id=bot_id, payload=dict(payload)
            )

        cfg = bot_config("m1", KALSHI, risk={"maxOrderSize": "5"})
        assert (await cmd(CommandType.START_BOT, "m1", config=cfg))["ok"]
        venue.feed.push_book("BTC-USD", "10.00", "11.00")

        reply = await cmd(
            CommandType.PLACE_ORDER, "m1", instrument="BTC-USD", side="buy", size="2", price="9.50"
        )
        assert reply["ok"], reply
        order_id = reply["result"]["orderId"]
        update = await tap.wait_for(
            lambda e: e.type is EventType.ORDER_UPDATE and e.payload["id"] == order_id
        )
        assert update.payload["source"] == "manual" and update.payload["status"] == "open"

        # Risk applies to manual orders too.
        reply = await cmd(
            CommandType.PLACE_ORDER, "m1", instrument="BTC-USD", side="buy", size="50", price="9.50"
        )
        assert reply["ok"] is False and "maxOrderSize" in reply["error"]
        reply = await cmd(
            CommandType.PLACE_ORDER,
            "m1",
            instrument="BTC-USD",
            side="buy",
            size="1",
            price="9.50",
            leverage="3",
        )
        assert reply["ok"] is False and "leverage" in reply["error"]

        reply = await cmd(CommandType.CANCEL_ORDER, orderId=order_id)
        assert reply["ok"] and reply["result"] == {"orderId": order_id, "queued": True}
        await tap.wait_for(
            lambda e: (
                e.type is EventType.ORDER_UPDATE
                and e.payload["id"] == order_id
                and e.payload["status"] == "cancelled"
            )
        )
        reply = await cmd(CommandType.CANCEL_ORDER, orderId=order_id)
        assert reply["ok"] is False and "not open" in reply["error"]

        # Only risk limits changed: applied live, no restart.
        new = bot_config("m1", KALSHI, risk={"maxOrderSize": "100"})
        reply = await cmd(CommandType.RELOAD_CONFIG, config=new)
        assert reply["result"] == {"updated": ["m1"], "restarted": [], "limitsApplied": ["m1"]}
        assert (
            await cmd(
                CommandType.PLACE_ORDER,
                "m1",
                instrument="BTC-USD",
                side="buy",
                size="50",
                price="9.50",
            )
        )["ok"]
        # The strategy changed: the bot is restarted with it.
        reply = await cmd(
            CommandType.RELOAD_CONFIG, config=bot_config("m1", KALSHI, strategy="quoter")
        )
        assert reply["result"]["restarted"] == ["m1"]
        assert app.runtime.bots["m1"].strategy_cls.name == "quoter"
        venue.feed.push_book("BTC-USD", "10.00", "11.00")
        await tap.wait_for(
            lambda e: e.type is EventType.ORDER_UPDATE and e.payload.get("strategy") == "quoter"
        )

        # Kill switch: every bot risk-stopped after its orders are cancelled.
        reply = await cmd(CommandType.KILL_SWITCH, reason="operator panic")
        assert reply["result"] == {"engaged": True, "stopped": ["m1"]}
        assert venue.executor.resting() == []
        assert tap.bot_states("m1")[-1] == "risk_stopped"
        assert await redis.get(c.KILL_SWITCH_KEY) == b"operator panic"
        reply = await cmd(CommandType.START_BOT, "m1")
        assert reply["ok"] is False and "kill switch engaged" in reply["error"]
        breach = tap.of_type(EventType.RISK_BREACH)[-1]
        assert breach.payload["rule"] == "killSwitch"

        reply = await cmd(CommandType.KILL_SWITCH, engaged=False)
        assert reply["result"]["engaged"] is False
        assert await redis.get(c.KILL_SWITCH_KEY) is None
        reply = await cmd(CommandType.START_BOT, "m1")
        assert reply["ok"] and reply["result"]["state"] == "running"
