"""USD conversion rates for cross-venue risk and PnL.

Rates are configured, never guessed: a currency without a rate raises
`UnknownCurrency`, and callers refuse the order (or report the gap) rather than
assume parity. USD and the two dollar stablecoins default to 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

# Dollar stablecoins the venues settle in, valued at par unless configured otherwise.
DEFAULT_USD_RATES: Mapping[str, Decimal] = {
    "USD": Decimal(1),
    "USDC": Decimal(1),
    "USDT": Decimal(1),
}


class UnknownCurrency(KeyError):
    """No USD rate is configured for the currency."""

    def __init__(self, currency: str) -> None:
        super().__init__(currency)
        self.currency = currency

    def __str__(self) -> str:
        return f"no USD rate configured for {self.currency}"


class FxTable:
    """USD per unit of each currency; currency codes are case-insensitive."""

    def __init__(
        self, rates: Mapping[str, Decimal] | None = None, *, include_defaults: bool = True
    ) -> None:
        self._rates: dict[str, Decimal] = {}
        # Bumped on every change: lets risk cache a rate between changes.
        self.version = 0
        if include_defaults:
            self._rates.update(DEFAULT_USD_RATES)
        for currency, rate in (rates or {}).items():
            self.set_rate(currency, rate)

    def set_rate(self, currency: str, rate: Decimal) -> None:
        """Set (or replace) the USD value of one unit of `currency`."""
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise ValueError(f"USD rate for {currency} must be a positive Decimal, got {rate!r}")
        self._rates[currency.upper()] = rate
        self.version += 1

    def get(self, currency: str) -> Decimal | None:
        """The rate, or None when unknown."""
        return self._rates.get(currency.upper())

    def rate(self, currency: str) -> Decimal:
        """The rate; raise UnknownCurrency when none is configured."""
        rate = self._rates.get(currency.upper())
        if rate is None:
            raise UnknownCurrency(currency.upper())
        return rate

    def to_usd(self, amount: Decimal, currency: str) -> Decimal:
        """Convert `amount` of `currency` to USD; raise UnknownCurrency when no rate is set."""
        return amount * self.rate(currency)

    def rates(self) -> dict[str, Decimal]:
        """A copy of every configured rate (for PnL snapshots' `fxRates`)."""
        return dict(self._rates)
