"""Fee amounts to the cent, rounded toward +infinity."""

from __future__ import annotations

from decimal import Decimal

from services.engine.paper.fees import RateFeeModel, quantize_fee
from services.shared.generated.enums import Liquidity, OrderSide
from tests.unit.engine.factories import instrument, swap

D = Decimal
BTC = instrument(maker="-0.0001", taker="0.0005")


def test_taker_fee_is_rounded_up_to_the_cent() -> None:
    # 1.234 x 65432.1 = 80743.2114; x 0.05 % = 40.3716057 -> 40.38
    q = RateFeeModel().fee(BTC, OrderSide.BUY, D("65432.1"), D("1.234"), Liquidity.TAKER)
    assert (q.amount, q.currency) == (D("40.38"), "USDT")


def test_a_negative_maker_rate_is_a_rebate_rounded_toward_zero() -> None:
    # 80743.2114 x -0.01 % = -8.07432114 -> -8.07
    q = RateFeeModel().fee(BTC, OrderSide.SELL, D("65432.1"), D("1.234"), Liquidity.MAKER)
    assert q.amount == D("-8.07")


def test_no_rate_means_no_fee() -> None:
    q = RateFeeModel().fee(instrument(), OrderSide.BUY, D(100), D(1), Liquidity.TAKER)
    assert q.amount == 0


def test_contract_value_enters_the_notional() -> None:
    # 7 contracts x 0.01 BTC x 61234.5 = 4286.415; x 0.05 % = 2.1432075 -> 2.15
    q = RateFeeModel().fee(swap(taker="0.0005"), OrderSide.BUY, D("61234.5"), D(7), Liquidity.TAKER)
    assert q.amount == D("2.15")


def test_currencies_without_a_quantum_keep_the_exact_fee() -> None:
    btc_quoted = instrument("ETH-BTC", base="ETH", quote="BTC", taker="0.001")
    q = RateFeeModel().fee(btc_quoted, OrderSide.BUY, D("0.05123"), D("3"), Liquidity.TAKER)
    assert (q.amount, q.currency) == (D("0.00015369"), "BTC")
    fixed = RateFeeModel(default_quantum=D("0.00000001"))
    assert fixed.fee(btc_quoted, OrderSide.BUY, D("0.05123"), D("3"), Liquidity.TAKER).amount == D(
        "0.00015369"
    )


def test_quantize_rounds_toward_positive_infinity() -> None:
    cent = D("0.01")
    assert quantize_fee(D("0.001"), cent) == D("0.01")
    assert quantize_fee(D("-0.019"), cent) == D("-0.01")
    assert quantize_fee(D("1.50"), cent) == D("1.50")
    assert quantize_fee(D("1.2345"), None) == D("1.2345")
