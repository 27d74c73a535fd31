"""A strategy that raises stops only its own bot (ERROR + traceback event); others keep trading."""

from __future__ import annotations

import asyncio
import time

import pytest
from redis.asyncio import Redis

from services.engine.core.book import L2Book
from services.engine.strategies.base import Strategy, StrategyContext, StrategyParams
from services.engine.strategies.registry import default_catalog
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import BotState, Exchange
from services.shared.generated.events import EventType
from services.shared.settings import Settings
from tests.support.engine_harness import EventTap, bot_config, running_engine, send_command
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration

KALSHI = Exchange.KALSHI


class ExplodingParams(StrategyParams):
    after_books: int = 2


class ExplodingStrategy(Strategy[ExplodingParams]):
    """Raises on its Nth book."""

    name = "exploding"
    params_model = ExplodingParams

    def __init__(self, params: ExplodingParams) -> None:
        super().__init__(params)
        self.books = 0

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        self.books += 1
        if self.books >= self.params.after_books:
            raise ZeroDivisionError("strategy bug on purpose")


async def test_a_raising_strategy_errors_its_own_bot_and_the_others_keep_trading(
    redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    catalog = default_catalog()
    catalog.register(ExplodingStrategy)
    engine_id = settings.engine_id
    async with (
        EventTap(redis, engine_id) as tap,
        running_engine(settings, [KALSHI], catalog=catalog) as app,
    ):
        for bot_id, strategy in (("boom", "exploding"), ("good", "quoter")):
            reply = await send_command(
                redis,
                tap,
                engine_id,
                CommandType.START_BOT,
                bot_id=bot_id,
                payload={"config": bot_config(bot_id, KALSHI, strategy=strategy)},
            )
            assert reply["ok"], reply
        venue.feed.push_book("BTC-USD", "100.00", "101.00")
        await asyncio.sleep(0)
        venue.feed.push_book("BTC-USD", "100.00", "101.00")
        error = await tap.wait_for(lambda e: e.type is EventType.BOT_ERROR, what="bot.error")
        assert error.botId == "boom"
        assert "ZeroDivisionError: strategy bug on purpose" in error.payload["error"]
        assert "raise ZeroDivisionError" in error.payload["traceback"]
        await tap.wait_for(
            lambda e: (
                e.type is EventType.BOT_STATE
                and e.botId == "boom"
                and e.payload["state"] == "error"
            )
        )
        assert app.runtime.bots["boom"].state is BotState.ERROR
        assert app.runtime.bots["good"].state is BotState.RUNNING

        # The healthy bot keeps trading: it re-quotes when the market moves.
        placed = len(venue.executor.ops("place"))
        venue.feed.push_book("BTC-USD", "110.00", "111.00")
        deadline = time.monotonic() + 5
        while len(venue.executor.ops("place")) < placed + 2:
            assert time.monotonic() < deadline, "the healthy bot stopped quoting"
            await asyncio.sleep(0.01)
        prices = sorted(str(o.price) for o in venue.executor.resting())
        assert prices == ["110.38", "110.62"]  # mid 110.50 -+ 10 bps on the 0.01 grid
        # The failed bot released its lease; the engine is still up and answering.
        assert await redis.get("trading:lease:bot:boom") is None
        assert await redis.get("trading:lease:bot:good") == engine_id.encode()
        reply = await send_command(redis, tap, engine_id, CommandType.PING)
        assert reply["ok"] is True
        # An ERROR bot can be restarted.
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="boom",
            payload={
                "config": bot_config(
                    "boom", KALSHI, strategy="exploding", params={"after_books": 1000}
                )
            },
        )
        assert reply["ok"] and reply["result"]["state"] == "running"
