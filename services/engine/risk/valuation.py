"""Value positions in USD: the arithmetic shared by bot risk and the portfolio."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from services.engine.core.positions import PositionState
from services.engine.risk.fx import FxTable
from services.engine.risk.market import MarketView

_ZERO = Decimal(0)


def valuation_price(pos: PositionState, market: MarketView) -> Decimal | None:
    """Mark if the venue publishes one, else mid, else the last price the position saw."""
    price = market.mark(pos.exchange, pos.instrument)
    if price is None:
        price = market.mid(pos.exchange, pos.instrument)
    return price if price is not None else pos.mark_price


@dataclass(slots=True)
class UsdTotals:
    """PnL and exposure figures in USD."""

    realized: Decimal = _ZERO
    unrealized: Decimal = _ZERO
    fees: Decimal = _ZERO
    exposure: Decimal = _ZERO
    currencies: set[str] = field(default_factory=set)

    @property
    def total(self) -> Decimal:
        """Net realized plus unrealized."""
        return self.realized - self.fees + self.unrealized

    def add(self, other: UsdTotals) -> None:
        """Accumulate another total into this one."""
        self.realized += other.realized
        self.unrealized += other.unrealized
        self.fees += other.fees
        self.exposure += other.exposure
        self.currencies |= other.currencies


def value_position(pos: PositionState, market: MarketView, fx: FxTable) -> UsdTotals:
    """Mark a position to market and return its USD figures; raise UnknownCurrency if unpriced.

    Fees charged in another currency than the PnL currency are converted at
    their own rate.
    """
    price = valuation_price(pos, market)
    if price is not None:
        pos.mark_price = price
    rate = fx.rate(pos.currency)
    fees = pos.fees * rate
    for ccy, amount in pos.other_fees.items():
        fees += fx.to_usd(amount, ccy)
    return UsdTotals(
        realized=pos.realized_pnl * rate,
        unrealized=pos.unrealized_pnl() * rate,
        fees=fees,
        exposure=pos.notional() * rate,
        currencies={pos.currency, *pos.other_fees},
    )
