"""The runtime's `StrategyContext`: reads engine state, submits through the router."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from services.engine.core.book import L2Book
from services.engine.strategies.base import OrderRequest
from services.shared.generated.entities import Balance, Order, Position
from services.shared.generated.enums import BotState, Exchange

if TYPE_CHECKING:
    from services.engine.runtime.bot import BotRunner

_ZERO = Decimal(0)
# Read on every submit: a module global is ~8x cheaper than an Enum class attribute.
_RUNNING = BotState.RUNNING


class BotContext:
    """One bot's window on the engine (see `strategies.base.StrategyContext`)."""

    __slots__ = ("_bot", "_instruments", "_router", "last_reject")

    def __init__(self, bot: BotRunner) -> None:
        self._bot = bot
        self._router = bot.host.router
        self._instruments = tuple(str(i.root) for i in bot.config.instruments)
        self.last_reject: str | None = None

    @property
    def bot_id(self) -> str:
        """The bot's id."""
        return self._bot.bot_id

    @property
    def exchange(self) -> Exchange:
        """The bot's venue."""
        return self._bot.config.exchange

    @property
    def instruments(self) -> tuple[str, ...]:
        """The bot's instruments."""
        return self._instruments

    @property
    def paper(self) -> bool:
        """True in paper mode."""
        return self._bot.paper

    def now_ms(self) -> int:
        """Engine time in epoch ms."""
        return self._bot.host.clock.now_ms()

    def book(self, instrument: str) -> L2Book | None:
        """The shared live book."""
        return self._bot.host.feeds.book(self._bot.config.exchange, instrument)

    def position(self, instrument: str) -> Position | None:
        """The bot's position as the shared model."""
        state = self._router.positions.get(
            self._bot.bot_id, self._bot.config.exchange.value, instrument
        )
        if state is None:
            return None
        return state.to_model(paper=self._bot.paper, ts_ms=self.now_ms())

    def position_size(self, instrument: str) -> Decimal:
        """Signed position (long > 0) without building a model."""
        state = self._router.positions.get(
            self._bot.bot_id, self._bot.config.exchange.value, instrument
        )
        return state.quantity if state is not None else _ZERO

    def open_orders(self, instrument: str | None = None) -> list[Order]:
        """The bot's orders not yet final and not being cancelled."""
        return self._router.open_orders(self._bot.bot_id, instrument)

    def balance(self, currency: str) -> Balance | None:
        """The last reported balance in `currency`."""
        return self._bot.host.balance(self._bot.venue_name, currency)

    def suggested_order_size(self, instrument: str, price: Decimal) -> Decimal:
        """The money manager's size (0 when nothing fits)."""
        return self._bot.host.suggested_order_size(self._bot, instrument, price)

    def submit(self, request: OrderRequest) -> str | None:
        """Risk-check and queue an order; None when refused (see `last_reject`)."""
        bot = self._bot
        state = bot.machine.state
        if state is not _RUNNING:
            self.last_reject = f"bot is {state.value}"
            return None
        order_id = self._router.submit(bot.bot_id, request)
        if order_id is None:
            self.last_reject = self._router.last_reject
        return order_id

    def cancel(self, order_id: str) -> bool:
        """Queue a cancel."""
        return self._router.cancel(self._bot.bot_id, order_id)

    def cancel_all(self, instrument: str | None = None) -> int:
        """Queue a cancel of every open order (of one instrument)."""
        n = 0
        for order_id in self._router.open_order_ids(self._bot.bot_id, instrument):
            if self._router.cancel(self._bot.bot_id, order_id):
                n += 1
        return n
