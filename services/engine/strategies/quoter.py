"""`quoter`: one bid and one ask around the mid, re-quoted when the mid moves.

A deliberately small market-making loop for demos and tests: it exercises
submit, cancel, fills and positions, nothing more. The real market-making
strategy comes with the strategy issue.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from services.engine.core.book import L2Book
from services.engine.strategies.base import (
    OrderRequest,
    Strategy,
    StrategyContext,
    StrategyParams,
)
from services.shared.generated.enums import OrderSide

_BPS = Decimal(10_000)


class QuoterParams(StrategyParams):
    """Quote size and distances."""

    size: Decimal = Field(Decimal(1), gt=0, description="Size of each quote, venue units.")
    spread_bps: Decimal = Field(
        Decimal(20), gt=0, le=5_000, description="Distance between bid and ask, basis points."
    )
    requote_bps: Decimal = Field(
        Decimal(5), ge=0, le=5_000, description="Re-quote once the mid moved this far."
    )
    max_position: Decimal | None = Field(
        None, gt=0, description="Stop quoting the side that would grow the position beyond this."
    )


class QuoterStrategy(Strategy[QuoterParams]):
    """Keep a bid and an ask resting around the mid."""

    name = "quoter"
    display_name = "Quoter (demo)"
    description = "Keeps one bid and one ask around the mid; re-quotes when the mid moves."
    params_model = QuoterParams

    def __init__(self, params: QuoterParams) -> None:
        super().__init__(params)
        self._quoted_mid: dict[str, Decimal] = {}

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        """Re-quote when the mid moved at least `requote_bps` (or nothing rests)."""
        bid, ask = book.best_bid(), book.best_ask()
        if bid is None or ask is None:
            return
        mid = (bid[0] + ask[0]) / 2
        instrument = book.instrument
        last = self._quoted_mid.get(instrument)
        resting = ctx.open_orders(instrument)
        if last is not None and resting and abs(mid - last) * _BPS < self.params.requote_bps * last:
            return
        if resting:
            ctx.cancel_all(instrument)
        half = mid * self.params.spread_bps / _BPS / 2
        # Quote on the book's own price grid (the exponent of its best bid).
        exp = bid[0].as_tuple().exponent
        step = Decimal(1).scaleb(exp if isinstance(exp, int) else -8)
        bid_px = ((mid - half) / step).to_integral_value(rounding="ROUND_FLOOR") * step
        ask_px = ((mid + half) / step).to_integral_value(rounding="ROUND_CEILING") * step
        held = ctx.position_size(instrument)
        cap = self.params.max_position
        size = self.params.size
        self._quoted_mid[instrument] = mid
        if cap is None or held + size <= cap:
            ctx.submit(
                OrderRequest(
                    instrument=instrument,
                    side=OrderSide.BUY,
                    size=size,
                    price=bid_px,
                    reason="quote bid",
                )
            )
        if cap is None or -held + size <= cap:
            ctx.submit(
                OrderRequest(
                    instrument=instrument,
                    side=OrderSide.SELL,
                    size=size,
                    price=ask_px,
                    reason="quote ask",
                )
            )

    def on_stop(self, ctx: StrategyContext) -> None:
        """Forget the quotes (the engine cancels the orders)."""
        self._quoted_mid.clear()
