"""OKX margin arithmetic, pure: tiers, margin ratio, liquidation and bankruptcy prices, funding.

The formulas are PROTOCOLS.md §B.8 (OKX help-center wording; the price
formulas are [DERIVED] there by setting the margin ratio to 1). Money is in
the settle currency. Linear (USDT-margined) contracts: `Q` is the position in
the underlying, `|contracts| x ctVal`.

* Margin ratio, isolated:  mgnRatio = (M + upl) / (Q x markPx x (mmr + takerFee))
* Margin ratio, cross:     mgnRatio = equity / sum(maintenance margin + liquidation fee)
* Liquidation price (m = mmr + takerFee, E = entry, M = margin):
    long  liqPx = (E x Q - M) / (Q x (1 - m))
    short liqPx = (E x Q + M) / (Q x (1 + m))
  Cross replaces M with the equity available to the position.
* Bankruptcy price (margin + upl = 0, where a liquidated position is closed):
    long  E - M / Q        short  E + M / Q
* Funding (§B.8 "Funding"; OKX help "Funding fee mechanism"):
    fee = Q x markPx x rate; a positive rate: longs pay, shorts receive.

Inverse (coin-margined, e.g. BTC-USD-SWAP / BTC-USD-250926, ctVal 100 USD):
`Q = |contracts| x ctVal` is in USD (quote), money in the base coin (BTC).
OKX help "Calculation of contract's profit and loss": initial margin
Q / (markPx x lever), maintenance Q x mmr / markPx, long PnL Q x (1/E - 1/P).

* Margin ratio, isolated (§B.8):  mgnRatio = (M + upl) / (Q / markPx x (mmr + takerFee))
* Liquidation price (§B.8 [DERIVED] table, ratio = 1):
    long  liqPx = Q x (1 + m) / (M + Q / E)
    short liqPx = Q x (1 - m) / (Q / E - M);  none when Q / E <= M
* Bankruptcy price (M + upl = 0):
    long  Q / (M + Q / E)        short  Q / (Q / E - M);  none when Q / E <= M
* Funding (§B.8 "Funding", inverse value):  fee = Q / markPx x rate, in coin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx.constants import PositionTier

# Re-exported: coin-margined = a swap/future settled in its base coin (positions.py).
from services.engine.core.positions import is_inverse as is_inverse
from services.shared.generated.entities import Instrument
from services.shared.generated.enums import InstrumentKind

_ZERO = Decimal(0)
_ONE = Decimal(1)

_INST_TYPES = {InstrumentKind.SWAP: "SWAP", InstrumentKind.FUTURES: "FUTURES"}

Tiers = Mapping[tuple[str, str], tuple[PositionTier, ...]]


def tiers_for(instrument: Instrument, table: Tiers = c.POSITION_TIERS) -> tuple[PositionTier, ...]:
    """The instrument family's tiers, else one tier derived from the instrument's max leverage."""
    inst_type = _INST_TYPES.get(instrument.kind, "SPOT")
    family = f"{instrument.base}-{instrument.quote}".upper()
    rows = table.get((inst_type, family))
    if rows:
        return rows
    lever = instrument.maxLeverage or c.MAX_LEVERAGE
    imr = _ONE / lever
    return (PositionTier(1, _ZERO, None, imr * c.FALLBACK_MMR_PER_IMR, imr, lever),)


def tier_for(tiers: Sequence[PositionTier], contracts: Decimal) -> PositionTier:
    """The tier of a position of |`contracts`|; past the last row, extrapolate (constants)."""
    size = abs(contracts)
    for row in tiers:
        if row.max_size is None or size <= row.max_size:
            return row
    last = tiers[-1]
    assert last.max_size is not None
    step = last.max_size - last.min_size
    steps = int(((size - last.max_size) / step).to_integral_value(ROUND_CEILING))
    imr = last.imr + steps * c.TIER_STEP_IMR
    return PositionTier(
        tier=last.tier + steps,
        min_size=last.max_size + (steps - 1) * step,
        max_size=last.max_size + steps * step,
        mmr=last.mmr + steps * c.TIER_STEP_MMR,
        imr=imr,
        max_leverage=_ONE / imr,
    )


def max_leverage(instrument: Instrument, table: Tiers = c.POSITION_TIERS) -> Decimal:
    """Highest leverage allowed: the instrument's `lever`, else its tier 1, capped at 125."""
    own = instrument.maxLeverage or tiers_for(instrument, table)[0].max_leverage
    return min(own, c.MAX_LEVERAGE)


def linear_liquidation_price(
    quantity: Decimal, entry: Decimal, margin: Decimal, m: Decimal
) -> Decimal | None:
    """Estimated liquidation price of signed `quantity` (underlying units); None if never.

    long  (E x Q - M) / (Q x (1 - m))     short  (E x Q + M) / (Q x (1 + m))
    """
    q = abs(quantity)
    if q == 0:
        return None
    if quantity > 0:
        price = (entry * q - margin) / (q * (_ONE - m))
    else:
        price = (entry * q + margin) / (q * (_ONE + m))
    return price if price > 0 else None


def linear_bankruptcy_price(quantity: Decimal, entry: Decimal, margin: Decimal) -> Decimal | None:
    """Price at which the position's loss equals `margin`: E -/+ M / Q; None if not positive."""
    q = abs(quantity)
    if q == 0:
        return None
    price = entry - margin / q if quantity > 0 else entry + margin / q
    return price if price > 0 else None


def linear_margin_ratio(
    margin: Decimal, upl: Decimal, quantity: Decimal, mark: Decimal, m: Decimal
) -> Decimal | None:
    """(M + upl) / (Q x mark x m); None for a flat position."""
    requirement = abs(quantity) * mark * m
    if requirement == 0:
        return None
    return (margin + upl) / requirement


def funding_credit(quantity: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What funding credits to a signed position of `quantity` (underlying units).

    -(quantity x mark x rate): a long pays a positive rate, a short receives it.
    Rounded down to FUNDING_QUANTUM, so a payment rounds up and a receipt down.
    """
    return (-(quantity * mark * rate)).quantize(c.FUNDING_QUANTUM, rounding=ROUND_FLOOR)


def inverse_liquidation_price(
    quantity: Decimal, entry: Decimal, margin: Decimal, m: Decimal
) -> Decimal | None:
    """Estimated liquidation price of signed `quantity` (quote units, contracts x ctVal).

    §B.8 inverse: long Q(1 + m) / (M + Q/E); short Q(1 - m) / (Q/E - M), None if Q/E <= M.
    """
    q = abs(quantity)
    if q == 0 or entry <= 0:
        return None
    if quantity > 0:
        denominator = margin + q / entry
        price = q * (_ONE + m) / denominator if denominator > 0 else _ZERO
    else:
        denominator = q / entry - margin
        if denominator <= 0:
            return None
        price = q * (_ONE - m) / denominator
    return price if price > 0 else None


def inverse_bankruptcy_price(quantity: Decimal, entry: Decimal, margin: Decimal) -> Decimal | None:
    """Price at which the loss equals `margin`: long Q / (M + Q/E), short Q / (Q/E - M)."""
    q = abs(quantity)
    if q == 0 or entry <= 0:
        return None
    denominator = margin + q / entry if quantity > 0 else q / entry - margin
    if denominator <= 0:
        return None
    return q / denominator


def inverse_margin_ratio(
    margin: Decimal, upl: Decimal, quantity: Decimal, mark: Decimal, m: Decimal
) -> Decimal | None:
    """(M + upl) / (Q / mark x m); None for a flat position."""
    if mark <= 0:
        return None
    requirement = abs(quantity) / mark * m
    if requirement == 0:
        return None
    return (margin + upl) / requirement


def inverse_funding_credit(quantity: Decimal, mark: Decimal, rate: Decimal) -> Decimal:
    """What funding credits to a signed inverse position of `quantity` (quote units).

    -(quantity / mark x rate), in the coin, rounded like `funding_credit`.
    """
    if mark <= 0:
        return _ZERO
    return (-(quantity / mark * rate)).quantize(c.FUNDING_QUANTUM, rounding=ROUND_FLOOR)
