"""Contract value, PnL, funding and liquidation math (PROTOCOLS §B.6, §B.8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.sim.okx import margin
from services.sim.okx.instruments import default_instruments

D = Decimal
INSTS = {
    i.inst_id.rsplit("-", 1)[0] if i.inst_type == "FUTURES" else i.inst_id: i
    for i in default_instruments(1_750_000_000_000)
}
SWAP = INSTS["BTC-USDT-SWAP"]  # linear, ctVal 0.01 BTC
FUT = INSTS["BTC-USD"]  # inverse, ctVal 100 USD


def test_linear_value_and_inverse_value() -> None:
    assert margin.value(SWAP, D(10), D(50000)) == D(5000)  # 10 * 0.01 * 50000 USDT
    assert margin.value(FUT, D(10), D(50000)) == D("0.02")  # 10 * 100 / 50000 BTC
    assert margin.notional_usd(FUT, D(10), D(50000)) == D(1000)


def test_upl_signs() -> None:
    assert margin.upl(SWAP, D(10), D(50000), D(51000)) == D(100)
    assert margin.upl(SWAP, D(-10), D(50000), D(51000)) == D(-100)
    assert margin.upl(FUT, D(10), D(50000), D(40000)) == D("-0.005")


def test_positive_funding_rate_makes_longs_pay_and_shorts_receive() -> None:
    assert margin.funding_fee(SWAP, D(10), D(50000), D("0.0001")) == D("-0.5")
    assert margin.funding_fee(SWAP, D(-10), D(50000), D("0.0001")) == D("0.5")
    assert margin.funding_fee(SWAP, D(10), D(50000), D("-0.0001")) == D("0.5")
    # inverse: value in coin = 10 * 100 / 50000 = 0.02 BTC
    assert margin.funding_fee(FUT, D(10), D(50000), D("0.001")) == D("-0.00002")


def test_funding_rate_interest_clamp_and_cap() -> None:
    interest, clamp, cap = D("0.0001"), D("0.0005"), D("0.00375")
    assert margin.funding_rate(D(0), interest, clamp, cap) == D("0.0001")
    assert margin.funding_rate(D("0.002"), interest, clamp, cap) == D("0.0015")
    assert margin.funding_rate(D("0.01"), interest, clamp, cap) == cap
    assert margin.funding_rate(D("-0.01"), interest, clamp, cap) == -cap


def test_inverse_average_is_harmonic() -> None:
    avg = margin.average_price(FUT, D(1), D(40000), D(1), D(60000))
    assert avg == D(48000)
    assert margin.average_price(SWAP, D(1), D(40000), D(1), D(60000)) == D(50000)


@pytest.mark.parametrize("pos", [D(10), D(-10)])
def test_margin_ratio_is_one_at_the_liquidation_price(pos: Decimal) -> None:
    taker = D("0.0005")
    avg, posted = D(50000), D(500)  # 10x isolated
    for inst in (SWAP, FUT):
        posted_m = posted if inst is SWAP else D("0.002")
        liq = margin.liquidation_price(inst, pos, avg, posted_m, taker)
        assert liq is not None
        equity = posted_m + margin.upl(inst, pos, avg, liq)
        ratio = margin.margin_ratio(equity, inst, pos, liq, taker)
        assert ratio is not None and abs(ratio - 1) < D("1e-9")
