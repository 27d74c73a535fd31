"""Pure contract, margin, funding and liquidation math (§B.6, §B.8).

Quantities: `qty` in contracts for derivatives (base currency for spot), prices in quote
(USD/USDT). Results are in the instrument's margin currency: USDT for linear swaps, the coin
for inverse futures.
"""

from __future__ import annotations

from decimal import Decimal

from services.sim.okx.decimals import ONE, ZERO, round16
from services.sim.okx.instruments import Instrument


def value(inst: Instrument, qty: Decimal, px: Decimal) -> Decimal:
    """Value of `qty` at `px` in the margin currency.

    Linear: qty * ctVal * ctMult * px. Inverse: qty * ctVal / px (coin). Spot: qty * px.
    """
    if inst.is_inverse:
        return round16(qty * inst.ct_val / px)
    return qty * inst.ct_val * inst.ct_mult * px


def notional_usd(inst: Instrument, qty: Decimal, px: Decimal) -> Decimal:
    """Notional in USD: an inverse contract is worth ctVal USD, a linear one its value."""
    if inst.is_inverse:
        return qty * inst.ct_val
    return qty * inst.ct_val * inst.ct_mult * px


def upl(inst: Instrument, pos: Decimal, avg_px: Decimal, mark_px: Decimal) -> Decimal:
    """Unrealised PnL of a signed position (negative `pos` = short) at `mark_px`."""
    if pos == 0:
        return ZERO
    if inst.is_inverse:
        return round16(pos * inst.ct_val * (ONE / avg_px - ONE / mark_px))
    return (mark_px - avg_px) * pos * inst.ct_val * inst.ct_mult


def average_price(
    inst: Instrument, qty: Decimal, avg_px: Decimal, add: Decimal, px: Decimal
) -> Decimal:
    """Entry price after adding `add` contracts at `px` to `qty` (both unsigned) at `avg_px`.

    Linear contracts average prices by quantity; inverse contracts average 1/price, so their
    PnL in coin stays exact.
    """
    if qty == 0:
        return px
    if inst.is_inverse:
        return round16((qty + add) / (qty / avg_px + add / px))
    return round16((qty * avg_px + add * px) / (qty + add))


def funding_fee(inst: Instrument, pos: Decimal, mark_px: Decimal, rate: Decimal) -> Decimal:
    """Funding paid (negative) or received (positive) by a signed position at one settlement.

    fee = position value * rate; a positive rate makes longs pay and shorts receive.
    """
    return -round16(value(inst, abs(pos), mark_px) * rate) * (1 if pos > 0 else -1)


def clamp(x: Decimal, low: Decimal, high: Decimal) -> Decimal:
    """`x` limited to [low, high]."""
    return max(low, min(high, x))


def funding_rate(
    premium: Decimal, interest: Decimal, interest_clamp: Decimal, cap: Decimal
) -> Decimal:
    """OKX-style rate: premium + clamp(interest - premium, ±interest_clamp), capped to ±cap."""
    raw = premium + clamp(interest - premium, -interest_clamp, interest_clamp)
    return round16(clamp(raw, -cap, cap))


def maintenance_margin(inst: Instrument, pos: Decimal, mark_px: Decimal) -> Decimal:
    """Maintenance margin requirement in the margin currency (`mmr` of a position)."""
    return round16(value(inst, abs(pos), mark_px) * inst.mmr_rate)


def margin_ratio(
    equity: Decimal, inst: Instrument, pos: Decimal, mark_px: Decimal, taker_fee: Decimal
) -> Decimal | None:
    """`(margin + upl) / (value * (mmr rate + taker fee))`; liquidation at ≤ 1 (§B.8)."""
    if pos == 0:
        return None
    need = value(inst, abs(pos), mark_px) * (inst.mmr_rate + taker_fee)
    if need == 0:
        return None
    return round16(equity / need)


def liquidation_price(
    inst: Instrument, pos: Decimal, avg_px: Decimal, margin: Decimal, taker_fee: Decimal
) -> Decimal | None:
    """Estimated liquidation price where the margin ratio reaches 1 (§B.8 [DERIVED]).

    `margin` is the equity backing the position excluding its own unrealised PnL (the isolated
    margin, or the share of cross equity). None when no positive price liquidates it.
    """
    if pos == 0:
        return None
    m = inst.mmr_rate + taker_fee
    if inst.is_inverse:
        q = abs(pos) * inst.ct_val  # USD
        if pos > 0:
            den = margin + q / avg_px
            return round16(q * (ONE + m) / den) if den > 0 else None
        den = q / avg_px - margin
        return round16(q * (ONE - m) / den) if den > 0 else None
    q = abs(pos) * inst.ct_val * inst.ct_mult
    if pos > 0:
        px = (avg_px * q - margin) / (q * (ONE - m))
    else:
        px = (avg_px * q + margin) / (q * (ONE + m))
    return round16(px) if px > 0 else None
