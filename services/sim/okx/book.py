"""The matching engine of one instrument: a limit order book with price-time priority.

Pure and synchronous. Orders rest per price level in arrival order; a taker walks the opposite
side best price first and, within a price, oldest order first. The simulator's own synthetic
liquidity ("market" orders) and the account's orders share the same queues, so an account order
fills exactly when the flow reaches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Literal

from sortedcontainers import SortedDict

from services.sim.okx.decimals import ZERO, floor_to

Side = Literal["buy", "sell"]


class Owner(Enum):
    """Who placed a resting order."""

    USER = "user"  # the simulated account (the API client)
    MARKET = "market"  # the market model's synthetic participants


class Stp(Enum):
    """Self-trade prevention of the taker (`stpMode`, §B.6); applies to USER against USER."""

    CANCEL_MAKER = "cancel_maker"
    CANCEL_TAKER = "cancel_taker"
    CANCEL_BOTH = "cancel_both"


@dataclass(slots=True, eq=False)
class BookOrder:
    """A resting order: `remaining` is what is left to fill at `price`."""

    key: int
    owner: Owner
    side: Side
    price: Decimal
    remaining: Decimal
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Match:
    """One fill of a taker against one maker."""

    maker: BookOrder
    price: Decimal
    qty: Decimal
    maker_done: bool


@dataclass(slots=True)
class MatchResult:
    """The outcome of one taker pass."""

    matches: list[Match] = field(default_factory=list)
    filled: Decimal = ZERO
    quote_spent: Decimal = ZERO
    stp_cancelled: list[BookOrder] = field(default_factory=list)
    taker_stopped: bool = False  # self-trade prevention cancelled the taker


def _neg(price: Decimal) -> Decimal:
    return -price


class OrderBook:
    """Bids and asks of one instrument."""

    def __init__(self) -> None:
        self._bids: SortedDict = SortedDict(_neg)  # best (highest) first
        self._asks: SortedDict = SortedDict()  # best (lowest) first
        self._index: dict[int, BookOrder] = {}
        self._priority = 0

    # -- queries ----------------------------------------------------------------------------------
    def get(self, key: int) -> BookOrder | None:
        """Return the resting order `key`, if it still rests."""
        return self._index.get(key)

    def best(self, side: Side) -> Decimal | None:
        """Best bid (`buy`) or best ask (`sell`) price."""
        levels = self._side(side)
        if not levels:
            return None
        price: Decimal = levels.keys()[0]
        return price

    def levels(self, side: Side, depth: int) -> list[tuple[Decimal, Decimal, int]]:
        """Aggregated `(price, total size, order count)` levels, best first."""
        out: list[tuple[Decimal, Decimal, int]] = []
        for price, level in self._side(side).items():
            if len(out) >= depth:
                break
            total = sum((o.remaining for o in level.values()), ZERO)
            out.append((price, total, len(level)))
        return out

    def orders(self, side: Side) -> Iterator[BookOrder]:
        """Every resting order of `side`, best price first, oldest first within a price."""
        for level in self._side(side).values():
            yield from list(level.values())

    def would_take(self, side: Side, price: Decimal | None) -> bool:
        """True when a `side` order at `price` (None: market) would trade on arrival."""
        opposite = self.best("sell" if side == "buy" else "buy")
        if opposite is None:
            return False
        if price is None:
            return True
        return opposite <= price if side == "buy" else opposite >= price

    def fillable(self, side: Side, price: Decimal | None, wanted: Decimal) -> Decimal:
        """How much of `wanted` a `side` taker limited to `price` could fill right now."""
        got = ZERO
        for level_price, level in self._side("sell" if side == "buy" else "buy").items():
            if price is not None and not _acceptable(side, level_price, price):
                break
            got += sum((o.remaining for o in level.values()), ZERO)
            if got >= wanted:
                return wanted
        return got

    # -- mutations --------------------------------------------------------------------------------
    def add(self, order: BookOrder) -> None:
        """Rest `order` at the back of its price level's queue."""
        self._priority += 1
        order.priority = self._priority
        levels = self._side(order.side)
        level = levels.get(order.price)
        if level is None:
            level = {}
            levels[order.price] = level
        level[order.key] = order
        self._index[order.key] = order

    def remove(self, key: int) -> BookOrder | None:
        """Take order `key` out of the book; None when it no longer rests."""
        order = self._index.pop(key, None)
        if order is None:
            return None
        levels = self._side(order.side)
        level = levels[order.price]
        del level[key]
        if not level:
            del levels[order.price]
        return order

    def reduce(self, key: int, remaining: Decimal) -> None:
        """Shrink a resting order in place; a size decrease keeps its time priority."""
        order = self._index[key]
        if remaining <= 0:
            self.remove(key)
        else:
            order.remaining = remaining

    def match(
        self,
        side: Side,
        qty: Decimal | None,
        price: Decimal | None,
        *,
        taker_owner: Owner,
        stp: Stp = Stp.CANCEL_MAKER,
        quote_budget: Decimal | None = None,
        lot_sz: Decimal | None = None,
        on_match: Callable[[Match], None] | None = None,
    ) -> MatchResult:
        """Fill a `side` taker of `qty` (or spending `quote_budget`) up to limit `price`.

        Walks the opposite side by price, then time. With `quote_budget` (a spot market buy
        sized in quote currency) each level takes what the remaining budget buys, rounded down
        to `lot_sz`. A USER taker never trades with a USER maker: `stp` decides who is
        cancelled instead.
        """
        result = MatchResult()
        remaining = qty
        budget = quote_budget
        opposite = self._side("sell" if side == "buy" else "buy")
        while opposite:
            level_price: Decimal = opposite.keys()[0]
            if price is not None and not _acceptable(side, level_price, price):
                break
            level: dict[int, BookOrder] = opposite[level_price]
            for maker in list(level.values()):
                if taker_owner is Owner.USER and maker.owner is Owner.USER:
                    if stp in (Stp.CANCEL_MAKER, Stp.CANCEL_BOTH):
                        self.remove(maker.key)
                        result.stp_cancelled.append(maker)
                    if stp in (Stp.CANCEL_TAKER, Stp.CANCEL_BOTH):
                        result.taker_stopped = True
                        return result
                    continue
                if budget is not None:
                    step = lot_sz if lot_sz is not None else Decimal(1)
                    can = floor_to(budget / level_price, step)
                    take = min(maker.remaining, can)
                else:
                    assert remaining is not None
                    take = min(maker.remaining, remaining)
                if take <= 0:
                    return result
                maker.remaining -= take
                done = maker.remaining == 0
                if done:
                    self.remove(maker.key)
                match = Match(maker=maker, price=level_price, qty=take, maker_done=done)
                result.matches.append(match)
                result.filled += take
                result.quote_spent += take * level_price
                if on_match is not None:
                    on_match(match)
                if budget is not None:
                    budget -= take * level_price
                else:
                    assert remaining is not None
                    remaining -= take
                    if remaining == 0:
                        return result
        return result

    def _side(self, side: Side) -> SortedDict:
        return self._bids if side == "buy" else self._asks


def _acceptable(taker_side: Side, level_price: Decimal, limit: Decimal) -> bool:
    return level_price <= limit if taker_side == "buy" else level_price >= limit
