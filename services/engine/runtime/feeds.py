"""FeedManager: one venue subscription per (venue, instrument, channel), shared by every bot.

Bots `acquire` the feeds they need and `release` them when they stop; the
manager counts references and subscribes at the venue only on the first
acquire. When the last reference goes the subscription *retires*: it stays
live for `linger_secs` (late settlement prints, fills of orders being
cancelled, a bot restarting) and is unsubscribed only if nobody re-acquired it
by then.

Fan-out never waits for a bot: each update is offered to every subscriber's
inbox (see `inbox.BotInbox`, which coalesces books and bounds trades), so one
slow strategy delays nobody else. Taps (paper executors) see every update of
their venue synchronously, before the bots, so simulated fills happen against
the same book state the strategies see.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from services.engine.adapters.base import FeedProvider
from services.engine.core.book import L2Book
from services.engine.core.types import (
    FeedChannel,
    FeedState,
    FundingRate,
    MarkPrice,
    Ticker,
    TradeTick,
)
from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.timeouts import within
from services.shared.generated.enums import Exchange
from services.shared.logs import get_logger

log = get_logger(__name__)

# How long a feed nobody uses stays subscribed (settlement prints, restarts).
DEFAULT_LINGER_SECS = 30.0
# Feed latency (venue ts -> engine) is sampled once per this many updates: the
# histogram costs more than the rest of the fan-out.
LATENCY_SAMPLE_EVERY = 64
# How long a venue gets to connect its feed.
FEED_START_TIMEOUT_SECS = 15.0


class FeedSubscriber(Protocol):
    """Something that takes market data without ever blocking (a bot inbox)."""

    def offer_book(self, book: L2Book) -> None:
        """The book changed."""

    def offer_trade(self, trade: TradeTick) -> None:
        """A public trade printed."""


class FeedTap(Protocol):
    """Sees every book, trade, funding update and mark of one venue, synchronously (paper)."""

    def on_book(self, book: L2Book) -> None:
        """The book changed."""

    def on_trade(self, trade: TradeTick) -> None:
        """A public trade printed."""

    def on_funding(self, funding: FundingRate) -> None:
        """A swap's funding rate changed."""

    def on_mark(self, mark: MarkPrice) -> None:
        """A mark price changed."""


FeedKey = tuple[Exchange, str, FeedChannel]


@dataclass(eq=False)
class Subscription:
    """One venue subscription and who uses it."""

    key: FeedKey
    subscribers: list[FeedSubscriber] = field(default_factory=list)
    state: FeedState = FeedState.SUBSCRIBED
    retire_handle: asyncio.TimerHandle | None = None
    retired_at: float | None = None

    @property
    def refs(self) -> int:
        """How many subscribers hold it."""
        return len(self.subscribers)


class _VenueFeed:
    """The FeedHandler given to one venue's provider: routes updates to subscribers."""

    def __init__(self, manager: FeedManager, exchange: Exchange, provider: FeedProvider) -> None:
        self.manager = manager
        self.exchange = exchange
        self.provider = provider
        self.taps: list[FeedTap] = []
        # instrument -> subscribers, per channel; rebuilt on (un)subscribe.
        self.book_routes: dict[str, tuple[FeedSubscriber, ...]] = {}
        self.trade_routes: dict[str, tuple[FeedSubscriber, ...]] = {}
        self.updates = 0
        self.trades = 0
        self._latency = rm.FEED_LATENCY.labels(exchange.value)

    # -- FeedHandler ------------------------------------------------------------
    def on_book(self, book: L2Book) -> None:
        """Fan a book update out to the taps and the subscribed bots."""
        self.updates += 1
        if not self.updates % LATENCY_SAMPLE_EVERY and book.ts_ms:
            self._latency.observe(max(0.0, time.time() - book.ts_ms / 1000))
        for tap in self.taps:
            tap.on_book(book)
        for sub in self.book_routes.get(book.instrument, ()):
            sub.offer_book(book)

    def on_trade(self, trade: TradeTick) -> None:
        """Fan a public trade out."""
        self.trades += 1
        for tap in self.taps:
            tap.on_trade(trade)
        for sub in self.trade_routes.get(trade.instrument, ()):
            sub.offer_trade(trade)

    def on_ticker(self, ticker: Ticker) -> None:
        """Tickers are not routed to strategies yet (books carry the top)."""

    def on_funding(self, funding: FundingRate) -> None:
        """Give a funding update to the taps (paper accounts settle funding)."""
        for tap in self.taps:
            tap.on_funding(funding)

    def on_mark(self, mark: MarkPrice) -> None:
        """Give a mark to the taps (paper margin and liquidation; engine positions: not yet)."""
        for tap in self.taps:
            tap.on_mark(mark)

    def on_feed_state(
        self, instrument: str, channel: FeedChannel, state: FeedState, reason: str | None
    ) -> None:
        """Record the subscription's health and tell the manager's listener."""
        self.manager.note_state(self.exchange, instrument, channel, state, reason)


class FeedStateListener(Protocol):
    """Told when a subscription's health changes."""

    def __call__(
        self,
        exchange: Exchange,
        instrument: str,
        channel: FeedChannel,
        state: FeedState,
        reason: str | None,
    ) -> None: ...


class FeedManager:
    """Shared, reference-counted venue subscriptions with non-blocking fan-out."""

    def __init__(
        self,
        *,
        linger_secs: float = DEFAULT_LINGER_SECS,
        on_state: FeedStateListener | None = None,
    ) -> None:
        self.linger_secs = linger_secs
        self._venues: dict[Exchange, _VenueFeed] = {}
        self._subs: dict[FeedKey, Subscription] = {}
        self._lock = asyncio.Lock()
        self._on_state = on_state
        rm.register_feed_manager(self)

    # -- venues -------------------------------------------------------------------
    async def add_venue(self, exchange: Exchange, provider: FeedProvider) -> None:
        """Start a venue's feed provider with this manager as its handler."""
        if exchange in self._venues:
            raise ValueError(f"feed for {exchange} already added")
        venue = _VenueFeed(self, exchange, provider)
        await within(provider.start(venue), FEED_START_TIMEOUT_SECS)
        self._venues[exchange] = venue

    def has_venue(self, exchange: Exchange) -> bool:
        """True when the venue's provider is started."""
        return exchange in self._venues

    def add_tap(self, exchange: Exchange, tap: FeedTap) -> None:
        """Give `tap` every book, trade, funding update and mark of `exchange`."""
        self._venue(exchange).taps.append(tap)

    def remove_tap(self, exchange: Exchange, tap: FeedTap) -> None:
        """Stop feeding `tap`."""
        venue = self._venues.get(exchange)
        if venue is not None and tap in venue.taps:
            venue.taps.remove(tap)

    def provider(self, exchange: Exchange) -> FeedProvider:
        """The venue's provider."""
        return self._venue(exchange).provider

    def _venue(self, exchange: Exchange) -> _VenueFeed:
        try:
            return self._venues[exchange]
        except KeyError:
            raise KeyError(f"no feed for {exchange}") from None

    # -- subscriptions ------------------------------------------------------------
    async def acquire(
        self,
        exchange: Exchange,
        instrument: str,
        channel: FeedChannel,
        subscriber: FeedSubscriber,
    ) -> None:
        """Route `channel` of `instrument` to `subscriber`; subscribe at the venue if new."""
        key = (exchange, instrument, channel)
        async with self._lock:
            venue = self._venue(exchange)
            sub = self._subs.get(key)
            if sub is None:
                await venue.provider.subscribe(instrument, channel)
                sub = Subscription(key)
                self._subs[key] = sub
                rm.FEED_SUBSCRIBES.labels(exchange.value).inc()
            elif sub.retire_handle is not None:
                sub.retire_handle.cancel()
                sub.retire_handle = None
                sub.retired_at = None
            if subscriber not in sub.subscribers:
                sub.subscribers.append(subscriber)
            self._reroute(venue, sub)

    async def release(
        self,
        exchange: Exchange,
        instrument: str,
        channel: FeedChannel,
        subscriber: FeedSubscriber,
    ) -> None:
        """Stop routing to `subscriber`; retire the subscription when nobody is left."""
        key = (exchange, instrument, channel)
        async with self._lock:
            sub = self._subs.get(key)
            if sub is None or subscriber not in sub.subscribers:
                return
            sub.subscribers.remove(subscriber)
            self._reroute(self._venue(exchange), sub)
            if not sub.subscribers:
                self._retire(sub)

    def _retire(self, sub: Subscription) -> None:
        loop = asyncio.get_running_loop()
        sub.retired_at = loop.time()
        sub.retire_handle = loop.call_later(
            self.linger_secs, lambda: asyncio.ensure_future(self._expire(sub))
        )

    async def _expire(self, sub: Subscription) -> None:
        async with self._lock:
            if self._subs.get(sub.key) is not sub or sub.subscribers:
                return
            del self._subs[sub.key]
            exchange, instrument, channel = sub.key
            try:
                await self._venue(exchange).provider.unsubscribe(instrument, channel)
            except Exception as exc:  # the venue may be gone; the subscription is ours to drop
                log.warning(
                    "unsubscribe failed",
                    exchange=exchange.value,
                    instrument=instrument,
                    error=str(exc),
                )
            rm.FEED_UNSUBSCRIBES.labels(exchange.value).inc()

    @staticmethod
    def _reroute(venue: _VenueFeed, sub: Subscription) -> None:
        _, instrument, channel = sub.key
        routes = {FeedChannel.BOOK: venue.book_routes, FeedChannel.TRADES: venue.trade_routes}
        table = routes.get(channel)
        if table is None:
            return
        if sub.subscribers:
            table[instrument] = tuple(sub.subscribers)
        else:
            table.pop(instrument, None)

    def note_state(
        self,
        exchange: Exchange,
        instrument: str,
        channel: FeedChannel,
        state: FeedState,
        reason: str | None,
    ) -> None:
        """A provider reported a subscription's health."""
        sub = self._subs.get((exchange, instrument, channel))
        if sub is not None:
            sub.state = state
        if self._on_state is not None:
            self._on_state(exchange, instrument, channel, state, reason)

    # -- reads --------------------------------------------------------------------
    def book(self, exchange: Exchange, instrument: str) -> L2Book | None:
        """The venue's live book of `instrument`, if subscribed."""
        venue = self._venues.get(exchange)
        return venue.provider.book(instrument) if venue is not None else None

    def subscription(
        self, exchange: Exchange, instrument: str, channel: FeedChannel
    ) -> Subscription | None:
        """The subscription record (tests, diagnostics)."""
        return self._subs.get((exchange, instrument, channel))

    def subscriptions(self) -> Iterator[Subscription]:
        """Every live or retiring subscription."""
        return iter(list(self._subs.values()))

    def venue_counts(self) -> dict[str, tuple[int, int]]:
        """(book updates, trades) received per venue."""
        return {ex.value: (v.updates, v.trades) for ex, v in self._venues.items()}

    async def close(self) -> None:
        """Cancel retire timers and stop every provider."""
        for sub in self._subs.values():
            if sub.retire_handle is not None:
                sub.retire_handle.cancel()
        self._subs.clear()
        for venue in self._venues.values():
            try:
                await venue.provider.stop()
            except Exception as exc:
                log.warning("feed stop failed", exchange=venue.exchange.value, error=str(exc))
        self._venues.clear()
        rm.unregister_feed_manager(self)
