"""The venue's order rules as the paper executor applies them.

`DefaultVenueRules` implements what every venue checks: positive size on the
lot grid and not below the minimum, a price on the tick grid for priced
orders, and post-only orders that would take liquidity refused. A venue adds
its own quirks by implementing `PaperVenueRules` (usually by wrapping the
default). Reasons are plain sentences naming the value and the rule.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from services.engine.core.book import L2Book
from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Instrument
from services.shared.generated.enums import OrderSide, OrderType


class PaperVenueRules(Protocol):
    """Validates an order the way the venue would."""

    def validate(
        self, intent: OrderIntent, instrument: Instrument, book: L2Book | None
    ) -> str | None:
        """Return why the venue would reject the order, or None to accept it."""
        ...


def on_grid(value: Decimal, step: Decimal) -> bool:
    """True when `value` is a whole multiple of `step` (any value when step is 0)."""
    return step <= 0 or value % step == 0


def would_cross(side: OrderSide, price: Decimal, book: L2Book | None) -> Decimal | None:
    """The opposite best price a limit at `price` would trade against, else None."""
    if book is None:
        return None
    if side is OrderSide.BUY:
        ask = book.best_ask()
        return ask[0] if ask is not None and price >= ask[0] else None
    bid = book.best_bid()
    return bid[0] if bid is not None and price <= bid[0] else None


class DefaultVenueRules:
    """Tick, lot, minimum size and post-only crossing."""

    def validate(
        self, intent: OrderIntent, instrument: Instrument, book: L2Book | None
    ) -> str | None:
        """Return the first rule the order breaks, or None."""
        size = intent.size
        if size <= 0:
            return f"size {size} must be positive"
        if not on_grid(size, instrument.lotSize):
            return f"size {size} is not a multiple of the lot size {instrument.lotSize}"
        if size < instrument.minSize:
            return f"size {size} is below the minimum size {instrument.minSize}"
        if intent.type is OrderType.MARKET:
            return None
        price = intent.price
        if price is None:
            return f"a {intent.type.value} order needs a price"
        if price <= 0:
            return f"price {price} must be positive"
        if not on_grid(price, instrument.tickSize):
            return f"price {price} is not a multiple of the tick size {instrument.tickSize}"
        if intent.type is OrderType.POST_ONLY:
            crossed = would_cross(intent.side, price, book)
            if crossed is not None:
                other = "best ask" if intent.side is OrderSide.BUY else "best bid"
                return f"post-only {intent.side.value} at {price} would cross the {other} {crossed}"
        return None
