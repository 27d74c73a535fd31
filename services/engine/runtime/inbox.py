"""A bot's inbox: what the feed and the executors hand to the bot's task.

The feed never waits for a bot. Each offer costs a dict lookup and, at most,
waking the bot's task:

- books are coalesced per instrument: the inbox holds a reference to the
  shared live `L2Book`, so a bot that falls behind reads the newest state once
  instead of every intermediate one (each skipped update is counted);
- trades go into a bounded deque; when it is full the oldest is dropped (and
  counted), so one slow bot never grows memory or delays another;
- order updates and fills are never dropped: they are few and the strategy
  must see every one.
"""

from __future__ import annotations

import asyncio
from collections import deque

from services.engine.core.book import L2Book
from services.engine.core.types import TradeTick
from services.shared.generated.entities import Fill, Order

# Public trades kept per bot before the oldest is dropped.
DEFAULT_TRADE_CAPACITY = 1_000

ExecEvent = Order | Fill


class BotInbox:
    """Pending work of one bot; `wait()` returns when there is some."""

    __slots__ = (
        "_books",
        "_exec",
        "_loop",
        "_trades",
        "_waiter",
        "books_coalesced",
        "books_offered",
        "trades_dropped",
        "trades_offered",
    )

    def __init__(self, trade_capacity: int = DEFAULT_TRADE_CAPACITY) -> None:
        self._books: dict[str, L2Book] = {}
        self._trades: deque[TradeTick] = deque(maxlen=trade_capacity)
        self._exec: deque[ExecEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.books_offered = 0
        self.books_coalesced = 0
        self.trades_offered = 0
        self.trades_dropped = 0

    # -- producers (feed, executors); never block -----------------------------
    def offer_book(self, book: L2Book) -> None:
        """The book changed; coalesce with a pending update of the same instrument."""
        self.books_offered += 1
        books = self._books
        if book.instrument in books:
            self.books_coalesced += 1
            return
        books[book.instrument] = book
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def offer_trade(self, trade: TradeTick) -> None:
        """A public trade; the oldest pending trade is dropped when the deque is full."""
        self.trades_offered += 1
        trades = self._trades
        if len(trades) == trades.maxlen:
            self.trades_dropped += 1
        trades.append(trade)
        self._wake()

    def offer_exec(self, event: ExecEvent) -> None:
        """An order update or fill of this bot (never dropped)."""
        self._exec.append(event)
        self._wake()

    def wake(self) -> None:
        """Wake the consumer without new data (state change, timer, stop)."""
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # -- consumer (the bot's task) ---------------------------------------------
    @property
    def empty(self) -> bool:
        """True when nothing is pending."""
        return not (self._books or self._trades or self._exec)

    def waiter(self) -> asyncio.Future[None] | None:
        """A future that completes when something is pending; None if something already is.

        The bot's task awaits it on every turn (cheaper than `wait()`: no
        coroutine per update). A cancelled waiter is simply replaced next turn.
        """
        if self._books or self._trades or self._exec:
            return None
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiter = waiter
        return waiter

    async def wait(self, timeout_secs: float | None) -> None:
        """Return when something is pending, `wake()` was called, or after the timeout."""
        if self._books or self._trades or self._exec:
            return
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        waiter = self._loop.create_future()
        self._waiter = waiter
        try:
            if timeout_secs is None:
                await waiter
            else:
                handle = self._loop.call_later(timeout_secs, _release, waiter)
                try:
                    await waiter
                finally:
                    handle.cancel()
        finally:
            if self._waiter is waiter:
                self._waiter = None

    def take_books(self) -> list[L2Book]:
        """Pending books (one per instrument), oldest instrument first."""
        if not self._books:
            return []
        books = list(self._books.values())
        self._books.clear()
        return books

    def take_book(self) -> L2Book | None:
        """One pending book, or None (the hot path: no list built)."""
        books = self._books
        if not books:
            return None
        if len(books) == 1:
            book = next(iter(books.values()))
            books.clear()
            return book
        instrument = next(iter(books))
        return books.pop(instrument)

    def take_trades(self) -> list[TradeTick]:
        """Pending trades in arrival order."""
        if not self._trades:
            return []
        trades = list(self._trades)
        self._trades.clear()
        return trades

    def take_exec(self) -> list[ExecEvent]:
        """Pending order updates and fills in arrival order."""
        if not self._exec:
            return []
        events = list(self._exec)
        self._exec.clear()
        return events

    def clear_market_data(self) -> None:
        """Drop pending books and trades (the bot is not running)."""
        self._books.clear()
        self._trades.clear()


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
