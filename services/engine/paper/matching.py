"""Pure matching arithmetic of the paper venue: book walks, queue position, taken liquidity.

The live book never shows our simulated orders, so two rules keep paper fills
honest. A taker fill remembers how much of each real level it took (the
`LiquidityLedger`) until the venue's own update changes that level, so the same
displayed size is never sold twice. A resting order keeps the volume queued
ahead of it at its price: only trades at that price reduce it (and the level
shrinking below it, assuming cancels came from behind us), and only volume
beyond it fills the order. A trade through the price means the whole level
traded, queue included.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from services.engine.core.book import L2Book, Level
from services.engine.core.types import OrderIntent, TradeTick
from services.shared.generated.enums import OrderSide, OrderType, TimeInForce

_ZERO = Decimal(0)


def taker_side(side: OrderSide) -> str:
    """The book side an order of `side` takes from ('ask' for buys)."""
    return "ask" if side is OrderSide.BUY else "bid"


def maker_side(side: OrderSide) -> str:
    """The book side an order of `side` rests on ('bid' for buys)."""
    return "bid" if side is OrderSide.BUY else "ask"


def reaches(side: OrderSide, limit: Decimal | None, level_price: Decimal) -> bool:
    """True when an order at `limit` (None: market) trades against `level_price`."""
    if limit is None:
        return True
    return level_price <= limit if side is OrderSide.BUY else level_price >= limit


def is_market(intent: OrderIntent) -> bool:
    """Market orders take what they can and never rest."""
    return intent.type is OrderType.MARKET


def is_ioc(intent: OrderIntent) -> bool:
    """Immediate-or-cancel (by type or time in force); market orders behave the same."""
    return (
        intent.type in (OrderType.IOC, OrderType.MARKET) or intent.time_in_force is TimeInForce.IOC
    )


def is_fok(intent: OrderIntent) -> bool:
    """Fill-or-kill (by type or time in force)."""
    return intent.type is OrderType.FOK or intent.time_in_force is TimeInForce.FOK


def is_post_only(intent: OrderIntent) -> bool:
    """Post-only: must rest, never take."""
    return intent.type is OrderType.POST_ONLY


class LiquidityLedger:
    """How much of each displayed level our paper fills already took."""

    def __init__(self) -> None:
        # instrument -> (side, price) -> (level size when we took, total taken)
        self._taken: dict[str, dict[tuple[str, Decimal], tuple[Decimal, Decimal]]] = {}

    def available(self, instrument: str, side: str, price: Decimal, level_size: Decimal) -> Decimal:
        """Displayed size minus what we took while the level kept that size."""
        levels = self._taken.get(instrument)
        rec = levels.get((side, price)) if levels else None
        if rec is None or rec[0] != level_size:
            return level_size
        return max(_ZERO, level_size - rec[1])

    def take(
        self, instrument: str, side: str, price: Decimal, level_size: Decimal, qty: Decimal
    ) -> None:
        """Record `qty` taken from a level currently showing `level_size`."""
        levels = self._taken.setdefault(instrument, {})
        rec = levels.get((side, price))
        before = rec[1] if rec is not None and rec[0] == level_size else _ZERO
        levels[(side, price)] = (level_size, before + qty)

    def refresh(self, book: L2Book) -> None:
        """Forget levels of `book` whose displayed size changed (the venue updated them)."""
        levels = self._taken.get(book.instrument)
        if not levels:
            return
        stale = [key for key, (size, _) in levels.items() if book.size_at(*key) != size]
        for key in stale:
            del levels[key]


def walk_book(
    book: L2Book,
    side: OrderSide,
    limit: Decimal | None,
    size: Decimal,
    ledger: LiquidityLedger,
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """Slices (price, qty, displayed level size) a taker order of `size` would get, best first."""
    levels: Iterable[Level] = book.asks() if side is OrderSide.BUY else book.bids()
    book_side = taker_side(side)
    out: list[tuple[Decimal, Decimal, Decimal]] = []
    left = size
    for price, level_size in levels:
        if left <= 0 or not reaches(side, limit, price):
            break
        avail = ledger.available(book.instrument, book_side, price, level_size)
        if avail <= 0:
            continue
        qty = min(left, avail)
        out.append((price, qty, level_size))
        left -= qty
    return out


def trade_against_resting(
    side: OrderSide,
    price: Decimal,
    queue_ahead: Decimal,
    remaining: Decimal,
    trade: TradeTick,
) -> tuple[Decimal, Decimal]:
    """Apply a public trade to a resting order; return (new queue ahead, quantity filled).

    Only trades whose aggressor is on the other side can reach a resting order.
    At the order's price the trade first eats the queue ahead; through the
    price it means the level was exhausted, so the queue is gone and the order
    fills up to the trade's size.
    """
    if trade.side is side:
        return queue_ahead, _ZERO
    if side is OrderSide.BUY:
        if trade.price > price:
            return queue_ahead, _ZERO
        through = trade.price < price
    else:
        if trade.price < price:
            return queue_ahead, _ZERO
        through = trade.price > price
    if through:
        return _ZERO, min(remaining, trade.size)
    eaten = min(queue_ahead, trade.size)
    return queue_ahead - eaten, min(remaining, trade.size - eaten)
