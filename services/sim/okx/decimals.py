"""Decimal helpers: OKX renders every number as a string, never as a float."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
ZERO = Decimal(0)
ONE = Decimal(1)
# Internal results (averages, inverse-contract values) are rounded to 16 places before rendering:
# enough for any OKX field and it keeps strings finite.
_INTERNAL_PLACES = Decimal("1e-16")


def fmt(value: Decimal) -> str:
    """Render `value` the way OKX does: plain notation, no exponent, no trailing zeros."""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def fmt_opt(value: Decimal | None) -> str:
    """Render `value`, or "" when there is none (OKX's empty field)."""
    return "" if value is None else fmt(value)


def round16(value: Decimal) -> Decimal:
    """Round a derived quantity (average price, inverse value) to 16 decimal places."""
    return value.quantize(_INTERNAL_PLACES, rounding=ROUND_HALF_EVEN)


def parse_decimal(text: str) -> Decimal | None:
    """Parse a plain decimal string ("12", "0.5", "-3.25"); None for anything else.

    Exponents, NaN, infinities and blanks are refused: OKX parameters are plain numbers.
    """
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex already excludes these
        return None


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """True when `value` is an integer multiple of `step` (tick or lot size)."""
    return (value % step) == 0


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round `value` down to a multiple of `step`."""
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step
