"""Paper trading fees: a rate per liquidity side, rounded by a documented rule.

Sign convention (the same as `Fill.fee` everywhere in the engine): a positive
fee is paid, a negative fee is a rebate received. Instrument fee rates follow
it too: `takerFeeRate = 0.0005` charges 0.05 %, `makerFeeRate = -0.0001` pays
a 0.01 % rebate. A missing rate means no fee.

Rounding: fee = price x size x contract multiplier x rate, then quantized to
the currency's quantum (one cent for USD, USDC and USDT by default) with
ROUND_CEILING, i.e. toward +infinity: a charge rounds up and a rebate rounds
toward zero, so paper results never flatter the strategy. Currencies without a
quantum keep the exact product. Venue formulas (Polymarket, Kalshi) plug in as
other `FeeModel`s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

from services.engine.core.positions import contract_multiplier, pnl_currency
from services.shared.generated.entities import Instrument
from services.shared.generated.enums import Liquidity, OrderSide

_ZERO = Decimal(0)
CENT = Decimal("0.01")
# Dollar currencies are settled to the cent.
DEFAULT_FEE_QUANTA: Mapping[str, Decimal] = {"USD": CENT, "USDC": CENT, "USDT": CENT}


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """A fee amount (positive = paid) and the currency it is charged in."""

    amount: Decimal
    currency: str


class FeeModel(Protocol):
    """Computes the fee of one simulated fill."""

    def fee(
        self,
        instrument: Instrument,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        liquidity: Liquidity,
    ) -> FeeQuote:
        """Return the fee of filling `size` at `price` as maker or taker."""
        ...


def quantize_fee(amount: Decimal, quantum: Decimal | None) -> Decimal:
    """Round a fee toward +infinity to `quantum` (None: leave it exact)."""
    if quantum is None:
        return amount
    return amount.quantize(quantum, rounding=ROUND_CEILING)


class RateFeeModel:
    """Fee = notional x the instrument's maker or taker rate, rounded per currency."""

    def __init__(
        self,
        *,
        quanta: Mapping[str, Decimal] = DEFAULT_FEE_QUANTA,
        default_quantum: Decimal | None = None,
    ) -> None:
        self._quanta = {k.upper(): v for k, v in quanta.items()}
        self._default_quantum = default_quantum

    def rate(self, instrument: Instrument, liquidity: Liquidity) -> Decimal:
        """The rate that applies (0 when the instrument states none)."""
        rate = instrument.makerFeeRate if liquidity is Liquidity.MAKER else instrument.takerFeeRate
        return rate if rate is not None else _ZERO

    def fee(
        self,
        instrument: Instrument,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        liquidity: Liquidity,
    ) -> FeeQuote:
        """Return notional x rate, quantized toward +infinity in the PnL currency."""
        currency = pnl_currency(instrument)
        notional = price * size * contract_multiplier(instrument)
        raw = notional * self.rate(instrument, liquidity)
        quantum = self._quanta.get(currency, self._default_quantum)
        return FeeQuote(quantize_fee(raw, quantum), currency)
