"""The strategy API: what a strategy is, what it may read and what it may do.

A strategy is a class with a typed parameter model (pydantic; its JSON Schema
is what the CMS renders as the bot's form), the venues it supports, and hooks
the engine calls from the bot's own task:

- event-driven: `on_book`, `on_trade`, `on_fill`, `on_order`;
- periodic: `on_timer`, every `BotConfig.tickIntervalMs`;
- lifecycle: `on_start`, `on_stop`.

Hooks are plain (synchronous) methods: a strategy never does I/O. It reads
engine state and acts only through its `StrategyContext` (submit / cancel),
so it can be tested without an engine, a network or a database, and it never
imports a venue module. An exception escaping a hook stops that bot in ERROR
(with the traceback in a `bot.error` event); the engine and its other bots
carry on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import msgspec
from pydantic import BaseModel, ConfigDict

from services.engine.core.book import L2Book
from services.engine.core.types import FeedChannel, TradeTick
from services.shared.generated.entities import Balance, Fill, Order, Position
from services.shared.generated.enums import (
    Exchange,
    MarginMode,
    OrderSide,
    OrderType,
    TimeInForce,
)


class StrategyParams(BaseModel):
    """Base of every strategy's parameter model: frozen, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=StrategyParams)


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """What a strategy asks for; the engine adds bot, venue and client order id.

    A frozen msgspec Struct (built per order on the hot path, ten times faster
    than a frozen dataclass); `gc=False` as it holds only strings, enums and
    Decimals.
    """

    instrument: str
    side: OrderSide
    size: Decimal
    price: Decimal | None = None
    type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    leverage: Decimal | None = None
    margin_mode: MarginMode | None = None
    reason: str | None = None


class StrategyContext(Protocol):
    """A bot's read-only view of the engine plus its two actions.

    Reads return the engine's current state; they never block and never touch
    the network. `submit` and `cancel` return at once: the outcome arrives
    later through `on_order` / `on_fill`.
    """

    @property
    def bot_id(self) -> str:
        """The bot this strategy runs for."""
        ...

    @property
    def exchange(self) -> Exchange:
        """The bot's venue."""
        ...

    @property
    def instruments(self) -> tuple[str, ...]:
        """The instruments the bot is configured for."""
        ...

    @property
    def paper(self) -> bool:
        """True in paper mode."""
        ...

    @property
    def last_reject(self) -> str | None:
        """Why the last `submit` returned None (halted, paused, a risk rule)."""
        ...

    def now_ms(self) -> int:
        """Engine time, Unix epoch milliseconds."""
        ...

    def book(self, instrument: str) -> L2Book | None:
        """The shared live book of one of the bot's instruments (read it, never write)."""
        ...

    def position(self, instrument: str) -> Position | None:
        """The bot's position in `instrument`, or None when flat and never traded."""
        ...

    def position_size(self, instrument: str) -> Decimal:
        """The bot's signed position in `instrument` (long > 0, short < 0, 0 when flat)."""
        ...

    def open_orders(self, instrument: str | None = None) -> list[Order]:
        """The bot's orders that are neither final nor being cancelled."""
        ...

    def balance(self, currency: str) -> Balance | None:
        """The account balance in `currency` as last reported."""
        ...

    def suggested_order_size(self, instrument: str, price: Decimal) -> Decimal:
        """The money manager's size for an order at `price` (0 when nothing fits)."""
        ...

    def submit(self, request: OrderRequest) -> str | None:
        """Ask for an order; return its client order id, or None if refused (`last_reject`)."""
        ...

    def cancel(self, order_id: str) -> bool:
        """Ask to cancel one of the bot's orders; False if it is unknown or already final."""
        ...

    def cancel_all(self, instrument: str | None = None) -> int:
        """Ask to cancel every open order of the bot (of one instrument); return how many."""
        ...


class Strategy(Generic[P]):
    """Base class of every strategy; subclass it, set the class attributes, override hooks.

    `name` is the key bots name in `BotConfig.strategy` and the entry-point
    name; `params_model` validates `BotConfig.params`; `supported_exchanges`
    is checked before a bot starts.
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    version: ClassVar[str] = "1"
    params_model: ClassVar[type[StrategyParams]] = StrategyParams
    supported_exchanges: ClassVar[frozenset[Exchange]] = frozenset(Exchange)
    feeds: ClassVar[frozenset[FeedChannel]] = frozenset({FeedChannel.BOOK, FeedChannel.TRADES})
    """The channels the bot's instruments are subscribed to."""

    def __init__(self, params: P) -> None:
        self.params: P = params

    # -- class-level API (the CMS and the catalog use these) ------------------
    @classmethod
    def params_schema(cls) -> dict[str, Any]:
        """The params model's JSON Schema (what the CMS renders as the form)."""
        return cls.params_model.model_json_schema()

    @classmethod
    def parse_params(cls, raw: dict[str, Any]) -> StrategyParams:
        """Validate raw params; raise pydantic.ValidationError naming the bad field."""
        return cls.params_model.model_validate(raw)

    @classmethod
    def supports(cls, exchange: Exchange) -> bool:
        """True when the strategy may run on `exchange`."""
        return exchange in cls.supported_exchanges

    # -- hooks (override what you need) ---------------------------------------
    def on_start(self, ctx: StrategyContext) -> None:
        """The bot is starting: the books of its instruments are subscribed."""

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        """A book of one of the bot's instruments changed (updates may be coalesced)."""

    def on_trade(self, ctx: StrategyContext, trade: TradeTick) -> None:
        """A public trade printed on one of the bot's instruments."""

    def on_order(self, ctx: StrategyContext, order: Order) -> None:
        """One of the bot's orders changed status."""

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        """One of the bot's orders (partly) filled; each fill is delivered once."""

    def on_timer(self, ctx: StrategyContext, now_ms: int) -> None:
        """Periodic tick, every `tickIntervalMs`."""

    def on_stop(self, ctx: StrategyContext) -> None:
        """The bot is stopping; its open orders are cancelled by the engine afterwards."""
