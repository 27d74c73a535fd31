"""What leaves the engine is rounded to 1e-8, never a 28-digit ratio."""

from __future__ import annotations

from decimal import Decimal

from services.engine.core.positions import reported
from services.shared.model_base import decimal_str


def test_exact_ratios_are_rounded_half_even_to_1e8() -> None:
    # (3 x 65915.1 + 1 x 65915.4) / 7 = 263660.7 / 7 = 37665.814285714...
    average = (Decimal(3) * Decimal("65915.1") + Decimal(1) * Decimal("65915.4")) / Decimal(7)
    assert decimal_str(reported(average)) == "37665.81428571"
    assert decimal_str(reported(Decimal("-0.079500000000000000000000"))) == "-0.0795"
    assert decimal_str(reported(Decimal("0.000000005"))) == "0"
    assert decimal_str(reported(Decimal("0.000000015"))) == "0.00000002"


def test_whole_numbers_and_negative_zero_print_plainly() -> None:
    assert decimal_str(reported(Decimal("100.000000000"))) == "100"
    assert decimal_str(reported(Decimal("-0.000000001"))) == "0"
