"""A simulated venue account: balances, frozen funds and positions moved by paper fills.

Cash instruments (spot, binary outcomes) move real balances: a buy pays
price x size (+ fee) in the quote currency and receives the size in the base
currency; a sell the reverse. They cannot be sold short. Derivatives move only
money in the settle currency: realized PnL and fees; their margin is a venue
hook's business. Funds for resting orders are frozen so two orders cannot
spend the same balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from services.engine.adapters.base import AccountAdapter
from services.engine.core.clock import Clock
from services.engine.core.positions import (
    DERIVATIVE_KINDS,
    PositionBook,
    PositionState,
    contract_multiplier,
    pnl_currency,
)
from services.shared.generated.entities import Balance, Fill, Instrument, Position
from services.shared.generated.enums import Exchange, InstrumentKind, MarginMode, OrderSide

if TYPE_CHECKING:
    from services.engine.paper.hooks import FundingPayment

_ZERO = Decimal(0)

CASH_KINDS: frozenset[InstrumentKind] = frozenset(
    {InstrumentKind.SPOT, InstrumentKind.BINARY_OUTCOME}
)


class InsufficientFunds(Exception):
    """Freezing or spending more than is available."""


class PaperAccount(AccountAdapter):
    """Balances and positions of one simulated account."""

    def __init__(
        self,
        exchange: Exchange,
        balances: Mapping[str, Decimal] | None = None,
        *,
        clock: Clock,
        account_id: str | None = None,
    ) -> None:
        self.exchange = exchange
        self.account_id = account_id
        self._clock = clock
        self._total: dict[str, Decimal] = {k.upper(): v for k, v in (balances or {}).items()}
        self._frozen: dict[str, Decimal] = {}
        self._positions = PositionBook()
        self._leverage: dict[str, tuple[Decimal, MarginMode]] = {}
        self.funding_payments: list[FundingPayment] = []
        """Every funding payment booked, oldest first."""

    # -- balances -------------------------------------------------------
    def total(self, currency: str) -> Decimal:
        """Everything held in `currency`, frozen included."""
        return self._total.get(currency.upper(), _ZERO)

    def frozen(self, currency: str) -> Decimal:
        """The part of `currency` reserved by resting orders."""
        return self._frozen.get(currency.upper(), _ZERO)

    def available(self, currency: str) -> Decimal:
        """What new orders may use."""
        return self.total(currency) - self.frozen(currency)

    def credit(self, currency: str, amount: Decimal) -> None:
        """Add `amount` (negative to take away) to the total."""
        ccy = currency.upper()
        self._total[ccy] = self._total.get(ccy, _ZERO) + amount

    def freeze(self, currency: str, amount: Decimal) -> None:
        """Reserve `amount`; raise InsufficientFunds when not available."""
        if amount <= 0:
            return
        if amount > self.available(currency):
            raise InsufficientFunds(
                f"need {amount} {currency.upper()}, available {self.available(currency)}"
            )
        ccy = currency.upper()
        self._frozen[ccy] = self._frozen.get(ccy, _ZERO) + amount

    def release(self, currency: str, amount: Decimal) -> None:
        """Give back up to `amount` of reserved funds."""
        if amount <= 0:
            return
        ccy = currency.upper()
        self._frozen[ccy] = max(_ZERO, self._frozen.get(ccy, _ZERO) - amount)

    # -- fills ----------------------------------------------------------
    def apply_fill(self, fill: Fill, instrument: Instrument) -> Decimal:
        """Book a fill on balances and the account position; return the realized PnL."""
        pos = self._positions.open_position(None, instrument)
        realized = pos.apply(
            fill.side,
            fill.price,
            fill.size,
            fee=fill.fee,
            fee_currency=fill.feeCurrency,
            ts_ms=fill.ts,
        )
        fee_ccy = fill.feeCurrency or pnl_currency(instrument)
        if instrument.kind in CASH_KINDS:
            value = fill.price * fill.size * contract_multiplier(instrument)
            sign = 1 if fill.side is OrderSide.BUY else -1
            self.credit(instrument.quote, -sign * value)
            self.credit(instrument.base, sign * fill.size)
        else:
            self.credit(pnl_currency(instrument), realized)
        self.credit(fee_ccy, -fill.fee)
        return realized

    def apply_funding(self, payment: FundingPayment) -> None:
        """Book a funding payment: credit its (signed) amount and keep the record."""
        self.credit(payment.currency, payment.amount)
        self.funding_payments.append(payment)

    def position(self, instrument: str) -> PositionState | None:
        """The account's position in `instrument` (any state), or None."""
        return self._positions.get(None, str(self.exchange), instrument)

    def position_quantity(self, instrument: str) -> Decimal:
        """Signed quantity held (0 when none)."""
        pos = self.position(instrument)
        return pos.quantity if pos is not None else _ZERO

    @property
    def position_book(self) -> PositionBook:
        """The positions, for hooks that settle or liquidate them."""
        return self._positions

    def leverage(self, instrument: str) -> tuple[Decimal, MarginMode] | None:
        """Leverage and margin mode set for `instrument`, if any."""
        return self._leverage.get(instrument)

    # -- AccountAdapter -------------------------------------------------
    async def balances(self) -> list[Balance]:
        """Every currency ever held."""
        now = self._clock.now_ms()
        return [
            Balance(
                exchange=self.exchange,
                accountId=self.account_id,
                currency=ccy,
                total=total,
                available=total - self.frozen(ccy),
                frozen=self.frozen(ccy),
                ts=now,
            )
            for ccy, total in sorted(self._total.items())
        ]

    async def positions(self) -> list[Position]:
        """Open positions in binary outcomes and derivatives (spot holdings are balances)."""
        now = self._clock.now_ms()
        return [
            pos.to_model(paper=True, ts_ms=now)
            for pos in self._positions.positions(None)
            if not pos.is_flat and pos.kind is not InstrumentKind.SPOT
        ]

    async def set_leverage(
        self, instrument: str, leverage: Decimal, margin_mode: MarginMode
    ) -> None:
        """Remember leverage for `instrument` (margin hooks read it)."""
        if leverage <= 0:
            raise ValueError("leverage must be positive")
        self._leverage[instrument] = (leverage, margin_mode)
        pos = self.position(instrument)
        if pos is not None:
            pos.leverage = leverage


def is_derivative(instrument: Instrument) -> bool:
    """True for swaps and futures."""
    return instrument.kind in DERIVATIVE_KINDS
