"""An in-process test venue: a feed the test drives and an executor that records every call.

A test double of a *venue* (never of Redis or MongoDB). It registers through
the real venue registry, so the engine reaches it exactly as it reaches OKX
or Kalshi: `register_venue(exchange, factory)`.

- `FakeFeed.push_book(...)` applies a snapshot to the venue's L2Book and calls
  the engine's handler; `push_trade` likewise.
- `FakeExecutor` keeps resting orders, answers place/cancel/cancel_all/
  open_orders/fills_since, records each call with a monotonic timestamp, and
  can `fill()` a resting order (an execution report pushed to the listener).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from services.engine.adapters import registry as venue_registry
from services.engine.adapters.base import (
    AccountAdapter,
    ExecutionListener,
    FeedHandler,
    FeedProvider,
    OrderExecutor,
    OrderRejected,
    VenueAdapter,
    VenueCredentials,
    VenueEndpoints,
    VenueError,
)
from services.engine.core.book import L2Book
from services.engine.core.order_factory import order_from_intent
from services.engine.core.types import FeedChannel, OrderIntent, TradeTick
from services.shared.envelope import now_ms
from services.shared.generated.entities import Balance, Fill, Instrument, Order, Position
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    Liquidity,
    OrderSide,
    OrderStatus,
)

D = Decimal


def make_instrument(exchange: Exchange, symbol: str) -> Instrument:
    """A USD-quoted spot-like instrument with a 0.01 tick."""
    return Instrument(
        exchange=exchange,
        symbol=symbol,
        kind=InstrumentKind.SPOT,
        base=symbol.split("-")[0],
        quote="USD",
        tickSize=D("0.01"),
        lotSize=D("0.001"),
        minSize=D("0.001"),
    )


class FakeFeed(FeedProvider):
    """A feed provider the test drives."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.handler: FeedHandler | None = None
        self.books: dict[str, L2Book] = {}
        self.subscribed: set[tuple[str, FeedChannel]] = set()
        self.subscribe_calls: list[tuple[str, FeedChannel]] = []
        self.unsubscribe_calls: list[tuple[str, FeedChannel]] = []
        self.started = 0

    async def start(self, handler: FeedHandler) -> None:
        self.handler = handler
        self.started += 1

    async def stop(self) -> None:
        self.handler = None

    async def subscribe(self, instrument: str, channel: FeedChannel) -> None:
        self.subscribe_calls.append((instrument, channel))
        self.subscribed.add((instrument, channel))
        if channel is FeedChannel.BOOK:
            self.books.setdefault(instrument, L2Book(self.exchange.value, instrument))

    async def unsubscribe(self, instrument: str, channel: FeedChannel) -> None:
        self.unsubscribe_calls.append((instrument, channel))
        self.subscribed.discard((instrument, channel))

    def book(self, instrument: str) -> L2Book | None:
        return self.books.get(instrument)

    async def instruments(self) -> list[Instrument]:
        return [make_instrument(self.exchange, s) for s in self.books]

    async def instrument(self, symbol: str) -> Instrument:
        if symbol.startswith("BAD"):
            raise VenueError(f"unknown instrument {symbol}")
        return make_instrument(self.exchange, symbol)

    # -- driving ----------------------------------------------------------------
    def push_book(self, instrument: str, bid: str, ask: str, size: str = "5") -> L2Book:
        """Set a one-level book and deliver it (only while subscribed)."""
        book = self.books.setdefault(instrument, L2Book(self.exchange.value, instrument))
        book.apply_snapshot([(D(bid), D(size))], [(D(ask), D(size))], ts_ms=now_ms())
        if self.handler is not None and (instrument, FeedChannel.BOOK) in self.subscribed:
            self.handler.on_book(book)
        return book

    def push_trade(self, instrument: str, price: str, size: str = "1") -> None:
        """Deliver a public trade (only while subscribed)."""
        if self.handler is not None and (instrument, FeedChannel.TRADES) in self.subscribed:
            self.handler.on_trade(
                TradeTick(
                    self.exchange.value,
                    instrument,
                    f"t{now_ms()}",
                    D(price),
                    D(size),
                    OrderSide.BUY,
                    now_ms(),
                )
            )


@dataclass
class Call:
    """One executor call."""

    op: str
    order_id: str | None
    at: float = field(default_factory=time.monotonic)


class FakeExecutor(OrderExecutor):
    """An executor with resting orders and a call log."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.listener: ExecutionListener | None = None
        self.orders: dict[str, Order] = {}
        self.fills: list[Fill] = []
        self.calls: list[Call] = []
        self.dead_man: list[float] = []
        self.reject_next: str | None = None
        self._fill_ids = itertools.count(1)

    def set_listener(self, listener: ExecutionListener) -> None:
        self.listener = listener

    async def start(self) -> None:
        self.calls.append(Call("start", None))

    async def stop(self) -> None:
        self.calls.append(Call("stop", None))

    async def place(self, intent: OrderIntent) -> Order:
        self.calls.append(Call("place", intent.client_order_id))
        if self.reject_next is not None:
            reason, self.reject_next = self.reject_next, None
            raise OrderRejected(reason)
        existing = self.orders.get(intent.client_order_id)
        if existing is not None:
            return existing
        now = now_ms()
        order = order_from_intent(
            intent,
            exchange=self.exchange,
            paper=False,
            ts_ms=now,
            status=OrderStatus.OPEN,
            venue_order_id=f"v-{intent.client_order_id}",
        )
        self.orders[order.id] = order
        return order

    def _close(self, order: Order, status: OrderStatus) -> Order:
        closed = order.model_copy(update={"status": status, "updatedTs": now_ms()})
        self.orders[order.id] = closed
        return closed

    async def cancel(self, instrument: str, client_order_id: str) -> Order:
        self.calls.append(Call("cancel", client_order_id))
        order = self.orders.get(client_order_id)
        if order is None:
            raise VenueError(f"unknown order {client_order_id}")
        if order.status not in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED):
            return order
        return self._close(order, OrderStatus.CANCELLED)

    async def cancel_all(self, instrument: str | None = None) -> list[Order]:
        self.calls.append(Call("cancel_all", None))
        return [
            self._close(o, OrderStatus.CANCELLED)
            for o in list(self.orders.values())
            if o.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
            and (instrument is None or o.instrument == instrument)
        ]

    async def open_orders(self, instrument: str | None = None) -> list[Order]:
        self.calls.append(Call("open_orders", None))
        return [
            o
            for o in self.orders.values()
            if o.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)
            and (instrument is None or o.instrument == instrument)
        ]

    async def fills_since(self, cursor: str | None) -> tuple[list[Fill], str | None]:
        self.calls.append(Call("fills_since", cursor))
        start = int(cursor) if cursor else 0
        return self.fills[start:], str(len(self.fills))

    async def arm_dead_man_switch(self, timeout_secs: float) -> bool:
        self.dead_man.append(time.monotonic())
        return True

    # -- driving ----------------------------------------------------------------
    def resting(self) -> list[Order]:
        """Orders open at the venue now."""
        return [o for o in self.orders.values() if o.status is OrderStatus.OPEN]

    def fill(self, order_id: str, *, report: bool = True) -> Fill:
        """Fill a resting order completely; push the reports unless `report` is False."""
        order = self.orders[order_id]
        assert order.price is not None
        fill = Fill(
            id=f"f{next(self._fill_ids)}",
            exchange=self.exchange,
            orderId=order.id,
            venueOrderId=order.venueOrderId,
            botId=order.botId,
            instrument=order.instrument,
            side=order.side,
            price=order.price,
            size=order.size,
            fee=D("0.01"),
            feeCurrency="USD",
            liquidity=Liquidity.MAKER,
            paper=False,
            ts=now_ms(),
        )
        self.fills.append(fill)
        filled = order.model_copy(
            update={
                "status": OrderStatus.FILLED,
                "filledSize": order.size,
                "avgFillPrice": order.price,
                "updatedTs": now_ms(),
            }
        )
        self.orders[order_id] = filled
        if report and self.listener is not None:
            self.listener.on_fill(fill)
            self.listener.on_order(filled)
        return fill

    def ops(self, op: str) -> list[Call]:
        """Calls of one kind."""
        return [c for c in self.calls if c.op == op]


class FakeAccount(AccountAdapter):
    """Balances and positions of the fake venue."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.calls = 0

    async def balances(self) -> list[Balance]:
        return []

    async def positions(self) -> list[Position]:
        self.calls += 1
        return []


class FakeVenue:
    """Feed + executor + account of one fake venue."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self.feed = FakeFeed(exchange)
        self.executor = FakeExecutor(exchange)
        self.account = FakeAccount(exchange)
        self.factory_calls = 0

    def factory(
        self, endpoints: VenueEndpoints, credentials: VenueCredentials | None
    ) -> VenueAdapter:
        """The registry factory."""
        self.factory_calls += 1
        return VenueAdapter(self.feed, self.executor, self.account)


@contextlib.contextmanager
def registered(venue: FakeVenue) -> Iterator[FakeVenue]:
    """Register `venue` for its exchange; restore the previous factory afterwards."""
    previous = venue_registry._FACTORIES.get(venue.exchange)
    venue_registry.register_venue(venue.exchange, venue.factory)
    try:
        yield venue
    finally:
        if previous is None:
            venue_registry._FACTORIES.pop(venue.exchange, None)
        else:
            venue_registry.register_venue(venue.exchange, previous)
