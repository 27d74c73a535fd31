"""MoneyManager: how big the next order should be.

Two ways to size, both ending the same way:
- percent of balance: budget = balance x `balance_pct` / 100;
- fractional Kelly, when the strategy supplies a win probability p and a
  payoff b (net win per unit staked): f* = p - (1 - p) / b, clamped at 0,
  times `kelly_fraction`; budget = balance x that fraction. Without p and b
  the percent rule applies.
The budget buys budget / (price x contract multiplier) units, capped at the
configured maximum, then rounded DOWN to the instrument's lot size (never
up: rounding must not add risk). A result below the larger of the configured
and the instrument's minimum size means "do not trade" and returns None.
`balance` is in the instrument's quote currency; the caller converts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from services.engine.core.positions import contract_multiplier
from services.shared.generated.entities import Instrument

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)


@dataclass(frozen=True, kw_only=True)
class SizingConfig:
    """How a bot sizes orders; percentages are 0-100, sizes in the instrument's unit."""

    balance_pct: Decimal = Decimal(1)
    kelly_fraction: Decimal | None = None
    min_order_size: Decimal | None = None
    max_order_size: Decimal | None = None

    def __post_init__(self) -> None:
        if not _ZERO < self.balance_pct <= _HUNDRED:
            raise ValueError(f"balance_pct must be in (0, 100], got {self.balance_pct}")
        if self.kelly_fraction is not None and not _ZERO < self.kelly_fraction <= _ONE:
            raise ValueError(f"kelly_fraction must be in (0, 1], got {self.kelly_fraction}")
        lo, hi = self.min_order_size, self.max_order_size
        if lo is not None and lo < 0:
            raise ValueError("min_order_size must not be negative")
        if hi is not None and hi <= 0:
            raise ValueError("max_order_size must be positive")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"min_order_size {lo} is above max_order_size {hi}")


def kelly_fraction(win_prob: Decimal, payoff: Decimal) -> Decimal:
    """Return the full-Kelly stake f* = p - (1 - p) / b, clamped at 0 (no edge, no bet)."""
    if not _ZERO <= win_prob <= _ONE:
        raise ValueError(f"win_prob must be in [0, 1], got {win_prob}")
    if payoff <= 0:
        raise ValueError(f"payoff must be positive, got {payoff}")
    return max(_ZERO, win_prob - (_ONE - win_prob) / payoff)


def round_to_lot(size: Decimal, lot: Decimal) -> Decimal:
    """Round `size` down to a whole number of lots."""
    if lot <= 0:
        return size
    return (size / lot).to_integral_value(rounding=ROUND_DOWN) * lot


class MoneyManager:
    """Turn a balance (and optionally an edge) into a suggested order size."""

    def __init__(self, config: SizingConfig | None = None) -> None:
        self.config = config or SizingConfig()

    def budget(
        self,
        balance: Decimal,
        *,
        win_prob: Decimal | None = None,
        payoff: Decimal | None = None,
    ) -> Decimal:
        """The amount of quote currency to commit to the next order."""
        if balance <= 0:
            return _ZERO
        cfg = self.config
        if cfg.kelly_fraction is not None and win_prob is not None and payoff is not None:
            return balance * kelly_fraction(win_prob, payoff) * cfg.kelly_fraction
        return balance * cfg.balance_pct / _HUNDRED

    def size_for_budget(
        self, budget: Decimal, price: Decimal, instrument: Instrument
    ) -> Decimal | None:
        """Units `budget` buys at `price`, capped, rounded down to the lot; None below minimum."""
        if budget <= 0 or price <= 0:
            return None
        size = budget / (price * contract_multiplier(instrument))
        if self.config.max_order_size is not None:
            size = min(size, self.config.max_order_size)
        size = round_to_lot(size, instrument.lotSize)
        minimum = max(instrument.minSize, self.config.min_order_size or _ZERO)
        if size <= 0 or size < minimum:
            return None
        return size

    def suggested_order_size(
        self,
        *,
        balance: Decimal,
        price: Decimal,
        instrument: Instrument,
        win_prob: Decimal | None = None,
        payoff: Decimal | None = None,
    ) -> Decimal | None:
        """Return the order size for the strategy context, or None when it should not trade."""
        return self.size_for_budget(
            self.budget(balance, win_prob=win_prob, payoff=payoff), price, instrument
        )
