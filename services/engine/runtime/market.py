"""The engine's market view for risk, sizing and PnL: instruments plus live prices.

Instrument metadata is loaded from the venue when a bot starts and cached;
prices come straight from the shared live books (no copy per update), with
the last trade / mark as fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.engine.core.book import L2Book
from services.engine.runtime.feeds import FeedManager
from services.shared.generated.entities import Instrument
from services.shared.generated.enums import Exchange


@dataclass(slots=True)
class _Mid:
    """A live book and its mid as of `updates` (the book's own change counter)."""

    book: L2Book
    updates: int = -1
    mid: Decimal | None = None


class EngineMarket:
    """`risk.market.MarketView` over the FeedManager's books and an instrument cache."""

    def __init__(self, feeds: FeedManager) -> None:
        self._feeds = feeds
        self._instruments: dict[tuple[str, str], Instrument] = {}
        self._marks: dict[tuple[str, str], Decimal] = {}
        self._funding: dict[tuple[str, str], Decimal] = {}
        # Risk asks for the mid several times per intent: computed once per book change.
        self._mids: dict[tuple[str, str], _Mid] = {}

    def add_instrument(self, instrument: Instrument) -> None:
        """Cache an instrument's metadata."""
        self._instruments[(str(instrument.exchange), instrument.symbol)] = instrument

    def set_mark(self, exchange: str, symbol: str, mark: Decimal) -> None:
        """Remember a mark / last price."""
        self._marks[(str(exchange), symbol)] = mark

    def set_funding_rate(self, exchange: str, symbol: str, rate: Decimal) -> None:
        """Remember a swap's funding rate."""
        self._funding[(str(exchange), symbol)] = rate

    def book(self, exchange: str, symbol: str) -> L2Book | None:
        """The live book, if subscribed."""
        return self._feeds.book(Exchange(exchange), symbol)

    # -- MarketView -----------------------------------------------------------
    def instrument(self, exchange: str, symbol: str) -> Instrument | None:
        """Cached metadata, or None."""
        return self._instruments.get((str(exchange), symbol))

    def mid(self, exchange: str, symbol: str) -> Decimal | None:
        """Mid of the live book, or None."""
        key = (exchange, symbol)
        cached = self._mids.get(key)
        if cached is None:
            book = self._feeds.book(Exchange(exchange), symbol)
            if book is None:
                return None
            cached = self._mids[key] = _Mid(book)
        updates = cached.book.updates
        if cached.updates != updates:
            cached.updates = updates
            cached.mid = cached.book.mid()
        return cached.mid

    def mark(self, exchange: str, symbol: str) -> Decimal | None:
        """Last mark, else the book mid."""
        mark = self._marks.get((exchange, symbol))
        return mark if mark is not None else self.mid(exchange, symbol)

    def funding_rate(self, exchange: str, symbol: str) -> Decimal | None:
        """Last funding rate, or None."""
        return self._funding.get((str(exchange), symbol))
