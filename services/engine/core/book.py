"""L2 order book: snapshot + deltas with sequence checks, fast top of book.

Prices and sizes are Decimal (exact). A delta level with size 0 removes the
price. Sequence numbers are the venue's own; the book only checks that a
delta continues from the last one applied (`prev_seq == seq`) and raises
`SequenceGap` otherwise, so the feed that owns the book resyncs from a
snapshot. A crossed book (best bid >= best ask) is reported, not repaired:
the owner decides whether to resync.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from sortedcontainers import SortedDict

Level = tuple[Decimal, Decimal]

_ZERO = Decimal(0)
_TWO = Decimal(2)


class BookError(Exception):
    """The book cannot apply an update; the owner must resync."""


class SequenceGap(BookError):
    """A delta does not continue from the last applied sequence number."""

    def __init__(self, instrument: str, expected: int | None, got: int | None) -> None:
        super().__init__(f"{instrument}: expected prev_seq {expected}, got {got}")
        self.expected = expected
        self.got = got


class L2Book:
    """Aggregated price levels for one instrument."""

    __slots__ = ("_asks", "_bids", "exchange", "instrument", "seq", "ts_ms", "updates")

    def __init__(self, exchange: str, instrument: str) -> None:
        self.exchange = exchange
        self.instrument = instrument
        # Both sides ascending by price: the best bid is the last key, the best
        # ask the first (no negated Decimal keys to build on the hot path).
        self._bids: SortedDict = SortedDict()
        self._asks: SortedDict = SortedDict()
        self.seq: int | None = None
        self.ts_ms = 0
        self.updates = 0

    # -- writes ---------------------------------------------------------
    def clear(self) -> None:
        """Drop every level and forget the sequence (before a resync)."""
        self._bids.clear()
        self._asks.clear()
        self.seq = None

    def apply_snapshot(
        self,
        bids: Iterable[Level],
        asks: Iterable[Level],
        *,
        seq: int | None = None,
        ts_ms: int = 0,
    ) -> None:
        """Replace the whole book."""
        self._bids = SortedDict({p: s for p, s in bids if s})
        self._asks = SortedDict({p: s for p, s in asks if s})
        self.seq = seq
        self.ts_ms = ts_ms
        self.updates += 1

    def apply_delta(
        self,
        bids: Iterable[Level],
        asks: Iterable[Level],
        *,
        seq: int | None = None,
        prev_seq: int | None = None,
        ts_ms: int = 0,
    ) -> None:
        """Apply changed levels; size 0 deletes. Raise SequenceGap on a break in sequence."""
        if prev_seq is not None and self.seq is not None and prev_seq != self.seq:
            raise SequenceGap(self.instrument, self.seq, prev_seq)
        book_bids, book_asks = self._bids, self._asks
        for price, size in bids:
            if size:
                book_bids[price] = size
            else:
                book_bids.pop(price, None)
        for price, size in asks:
            if size:
                book_asks[price] = size
            else:
                book_asks.pop(price, None)
        if seq is not None:
            self.seq = seq
        self.ts_ms = ts_ms
        self.updates += 1

    # -- reads ----------------------------------------------------------
    # Top of book is read on every update (strategy, risk mid): the peeks read
    # the SortedDict's sorted key list directly (`_list._lists`, its sublists
    # in order, none of them empty; the same path `peekitem` takes after three
    # calls) and the size from the dict itself.
    def best_bid(self) -> Level | None:
        """Highest bid (price, size), or None when the side is empty."""
        bids = self._bids
        lists = bids._list._lists
        if not lists:
            return None
        key = lists[-1][-1]
        return key, bids[key]

    def best_ask(self) -> Level | None:
        """Lowest ask (price, size), or None when the side is empty."""
        asks = self._asks
        lists = asks._list._lists
        if not lists:
            return None
        key = lists[0][0]
        return key, asks[key]

    def mid(self) -> Decimal | None:
        """Mid price, or None unless both sides have a level."""
        bid_lists = self._bids._list._lists
        ask_lists = self._asks._list._lists
        if not bid_lists or not ask_lists:
            return None
        mid: Decimal = (bid_lists[-1][-1] + ask_lists[0][0]) / _TWO
        return mid

    def is_crossed(self) -> bool:
        """True when best bid >= best ask (a corrupt or stale book)."""
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid[0] >= ask[0]

    def bids(self, depth: int | None = None) -> list[Level]:
        """Bid levels best first, at most `depth` of them."""
        keys = self._bids.keys()
        count = len(keys) if depth is None else min(depth, len(keys))
        book = self._bids
        return [(k, book[k]) for k in keys[len(keys) - count :][::-1]]

    def asks(self, depth: int | None = None) -> list[Level]:
        """Ask levels best first, at most `depth` of them."""
        items = self._asks.items()[:depth] if depth is not None else self._asks.items()
        return [(k, v) for k, v in items]

    def size_at(self, side: str, price: Decimal) -> Decimal:
        """Size resting at exactly `price` on `side` ('bid'/'ask'); 0 when there is no level."""
        if side == "bid":
            size: Decimal = self._bids.get(price, _ZERO)
        else:
            size = self._asks.get(price, _ZERO)
        return size

    def volume_at_or_better(self, side: str, price: Decimal) -> Decimal:
        """Total size on `side` ('bid'/'ask') priced at `price` or better for the taker."""
        total = Decimal(0)
        if side == "bid":
            for key in reversed(self._bids.keys()):
                size = self._bids[key]
                if key < price:
                    break
                total += size
        else:
            for key, size in self._asks.items():
                if key > price:
                    break
                total += size
        return total

    def snapshot(self, depth: int | None = None) -> dict[str, Sequence[tuple[str, str]]]:
        """JSON-friendly view: decimals as strings, best first."""
        return {
            "bids": [(str(p), str(s)) for p, s in self.bids(depth)],
            "asks": [(str(p), str(s)) for p, s in self.asks(depth)],
        }

    def __len__(self) -> int:
        return len(self._bids) + len(self._asks)
