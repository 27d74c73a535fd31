"""The venue adapter interfaces: everything the core knows about a venue.

A venue package (`services/engine/adapters/<venue>/`) implements these three
roles and registers a factory in `adapters.registry`. The core, risk and
strategies only ever see these interfaces and the normalized models.

Market data flows one way: the adapter owns an `L2Book` per subscribed
instrument (it must, to validate venue sequence numbers and checksums),
applies each message to it, and calls the `FeedHandler` with the updated
book. Execution reports flow to an `ExecutionListener`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from pydantic import SecretStr

from services.engine.core.book import L2Book
from services.engine.core.types import (
    FeedChannel,
    FeedState,
    FundingRate,
    MarkPrice,
    OrderIntent,
    Ticker,
    TradeTick,
)
from services.shared.generated.entities import Balance, Fill, Instrument, Order, Position
from services.shared.generated.enums import Exchange, MarginMode

if TYPE_CHECKING:
    from services.engine.paper.hooks import PaperVenueKit


class VenueError(Exception):
    """A venue refused or failed a request; `code` is the venue's own."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class OrderRejected(VenueError):
    """The venue (or paper rules) rejected an order; never retryable as is."""


class NotSupported(VenueError):
    """The venue does not offer this operation (e.g. amend on some venues)."""


class FeedHandler(Protocol):
    """Receives normalized market data from a feed provider."""

    def on_book(self, book: L2Book) -> None:
        """The book changed (snapshot or delta already applied)."""

    def on_trade(self, trade: TradeTick) -> None:
        """A public trade printed."""

    def on_ticker(self, ticker: Ticker) -> None:
        """Top of book / last price changed."""

    def on_funding(self, funding: FundingRate) -> None:
        """A swap's funding rate changed."""

    def on_mark(self, mark: MarkPrice) -> None:
        """A mark price changed."""

    def on_feed_state(
        self, instrument: str, channel: FeedChannel, state: FeedState, reason: str | None
    ) -> None:
        """A subscription changed state (resyncing after a gap, live again, ...)."""


class ExecutionListener(Protocol):
    """Receives order updates and fills from an executor (WS pushes or reconciliation)."""

    def on_order(self, order: Order) -> None:
        """An order's state changed."""

    def on_fill(self, fill: Fill) -> None:
        """An order (partly) filled; each venue fill id is delivered at least once."""


class FeedProvider(ABC):
    """Market data and instrument metadata for one venue."""

    exchange: Exchange

    @abstractmethod
    async def start(self, handler: FeedHandler) -> None:
        """Connect; deliver data for subscriptions to `handler` until `stop()`."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect and release everything."""

    @abstractmethod
    async def subscribe(self, instrument: str, channel: FeedChannel) -> None:
        """Start receiving `channel` for `instrument` (idempotent)."""

    @abstractmethod
    async def unsubscribe(self, instrument: str, channel: FeedChannel) -> None:
        """Stop receiving `channel` for `instrument` (idempotent)."""

    @abstractmethod
    def book(self, instrument: str) -> L2Book | None:
        """The live book for a subscribed instrument, else None."""

    @abstractmethod
    async def instruments(self) -> list[Instrument]:
        """Every instrument the venue lists (tick, lot, min size, contract value, fees)."""

    @abstractmethod
    async def instrument(self, symbol: str) -> Instrument:
        """One instrument's metadata; raise VenueError if unknown."""


class OrderExecutor(ABC):
    """Order entry for one venue account (live, or paper through the same interface)."""

    exchange: Exchange

    @abstractmethod
    def set_listener(self, listener: ExecutionListener) -> None:
        """Where order updates and fills go."""

    @abstractmethod
    async def start(self) -> None:
        """Connect private streams and reconcile open orders and recent fills."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect (does not cancel orders)."""

    @abstractmethod
    async def place(self, intent: OrderIntent) -> Order:
        """Place an order; idempotent on `intent.client_order_id`."""

    @abstractmethod
    async def cancel(self, instrument: str, client_order_id: str) -> Order:
        """Cancel one order by client order id."""

    @abstractmethod
    async def cancel_all(self, instrument: str | None = None) -> list[Order]:
        """Cancel every open order (of one instrument, or all); return what was cancelled."""

    async def amend(
        self,
        instrument: str,
        client_order_id: str,
        *,
        price: Decimal | None = None,
        size: Decimal | None = None,
    ) -> Order:
        """Change price and/or size in place where the venue allows it."""
        raise NotSupported(f"{self.exchange}: amend not supported")

    @abstractmethod
    async def open_orders(self, instrument: str | None = None) -> list[Order]:
        """Orders resting at the venue now."""

    @abstractmethod
    async def fills_since(self, cursor: str | None) -> tuple[list[Fill], str | None]:
        """Fills after `cursor` (None: recent history) and the cursor to continue from."""

    async def arm_dead_man_switch(self, timeout_secs: float) -> bool:
        """Arm or refresh the venue's cancel-on-disconnect timer; False if it has none."""
        return False


class AccountAdapter(ABC):
    """Balances, positions and leverage for one venue account."""

    exchange: Exchange

    @abstractmethod
    async def balances(self) -> list[Balance]:
        """Balances per currency."""

    @abstractmethod
    async def positions(self) -> list[Position]:
        """Open positions."""

    async def set_leverage(
        self, instrument: str, leverage: Decimal, margin_mode: MarginMode
    ) -> None:
        """Set leverage where the venue has it."""
        raise NotSupported(f"{self.exchange}: leverage not supported")


@dataclass(frozen=True, kw_only=True)
class VenueCredentials:
    """API credentials; values are secrets and never logged."""

    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    passphrase: SecretStr | None = None
    private_key: SecretStr | None = None
    extra: dict[str, SecretStr] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class VenueEndpoints:
    """Where a venue is reached; defaults come from Settings (real venues)."""

    rest_url: str
    ws_public_url: str
    ws_private_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VenueAdapter:
    """The three roles of one venue connection, and how the venue is simulated in paper mode.

    `paper` builds the venue's paper rules, hooks and fees for one simulated
    account (called once per paper account: hooks keep state); None means
    the venue-agnostic defaults.
    """

    feed: FeedProvider
    executor: OrderExecutor | None
    account: AccountAdapter | None
    paper: Callable[[], PaperVenueKit] | None = None
