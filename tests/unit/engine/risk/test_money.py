"""MoneyManager sizing: percent of balance, fractional Kelly, limits, lot rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.risk.money import MoneyManager, SizingConfig, kelly_fraction, round_to_lot
from services.shared.generated.enums import Exchange, InstrumentKind
from tests.unit.engine.factories import instrument, swap

D = Decimal
BTC = instrument(lot="0.001", min_size="0.001")
YES = instrument(
    "tok-yes",
    exchange=Exchange.POLYMARKET,
    kind=InstrumentKind.BINARY_OUTCOME,
    base="TOK-YES",
    quote="USDC",
    tick="0.01",
    lot="1",
    min_size="5",
)


def test_percent_of_balance_rounds_down_to_the_lot() -> None:
    mm = MoneyManager(SizingConfig(balance_pct=D(2)))
    # 2 % of 10000 = 200 USDT; 200 / 65432.1 = 0.003056... -> 0.003 BTC
    assert mm.suggested_order_size(balance=D(10000), price=D("65432.1"), instrument=BTC) == D(
        "0.003"
    )


def test_max_order_size_caps_before_rounding() -> None:
    mm = MoneyManager(SizingConfig(balance_pct=D(50), max_order_size=D("0.0025")))
    assert mm.suggested_order_size(balance=D(10000), price=D(1000), instrument=BTC) == D("0.002")


def test_below_the_minimum_size_means_do_not_trade() -> None:
    mm = MoneyManager(SizingConfig(balance_pct=D(2)))
    # 2 USDT buys 0.0000305 BTC, which rounds to 0
    assert mm.suggested_order_size(balance=D(100), price=D("65432.1"), instrument=BTC) is None
    strict = MoneyManager(SizingConfig(balance_pct=D(2), min_order_size=D("0.005")))
    assert strict.suggested_order_size(balance=D(10000), price=D(65432), instrument=BTC) is None
    # the venue's minimum applies too: 4 shares < 5
    assert (
        MoneyManager(SizingConfig(balance_pct=D(1))).suggested_order_size(
            balance=D(200), price=D("0.5"), instrument=YES
        )
        is None
    )


def test_fractional_kelly_sizes_from_the_edge() -> None:
    mm = MoneyManager(SizingConfig(kelly_fraction=D("0.5")))
    # f* = 0.55 - 0.45 / 1 = 0.10; half Kelly = 5 % of 10000 = 500 USDC at 0.40 = 1250 shares
    size = mm.suggested_order_size(
        balance=D(10000), price=D("0.40"), instrument=YES, win_prob=D("0.55"), payoff=D(1)
    )
    assert size == D(1250)


def test_kelly_without_an_edge_is_clamped_to_zero() -> None:
    assert kelly_fraction(D("0.4"), D(1)) == 0
    assert kelly_fraction(D("0.6"), D("0.5")) == 0  # 0.6 - 0.4 / 0.5 = -0.2
    assert kelly_fraction(D("0.6"), D(2)) == D("0.4")  # 0.6 - 0.4 / 2
    mm = MoneyManager(SizingConfig(kelly_fraction=D("0.25")))
    assert (
        mm.suggested_order_size(
            balance=D(10000), price=D("0.5"), instrument=YES, win_prob=D("0.4"), payoff=D(1)
        )
        is None
    )


def test_kelly_falls_back_to_percent_without_probabilities() -> None:
    mm = MoneyManager(SizingConfig(balance_pct=D(1), kelly_fraction=D("0.5")))
    assert mm.budget(D(10000)) == D(100)


def test_contract_value_is_part_of_the_price_of_a_unit() -> None:
    mm = MoneyManager(SizingConfig(balance_pct=D(6)))
    # 600 USDT / (60000 x 0.01) = 1 contract
    assert mm.suggested_order_size(balance=D(10000), price=D(60000), instrument=swap()) == D(1)


def test_no_balance_or_no_price_means_no_order() -> None:
    mm = MoneyManager()
    assert mm.suggested_order_size(balance=D(0), price=D(100), instrument=BTC) is None
    assert mm.suggested_order_size(balance=D(100), price=D(0), instrument=BTC) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"balance_pct": D(0)},
        {"balance_pct": D(101)},
        {"kelly_fraction": D("1.5")},
        {"min_order_size": D(2), "max_order_size": D(1)},
        {"max_order_size": D(0)},
    ],
)
def test_nonsense_configs_are_refused(kwargs: dict[str, Decimal]) -> None:
    with pytest.raises(ValueError):
        SizingConfig(**kwargs)  # type: ignore[arg-type]


def test_kelly_inputs_are_validated() -> None:
    with pytest.raises(ValueError):
        kelly_fraction(D("1.1"), D(1))
    with pytest.raises(ValueError):
        kelly_fraction(D("0.5"), D(0))


@given(
    st.integers(0, 10**9).map(lambda n: D(n) / 10**5),
    st.sampled_from([D("0.001"), D("0.01"), D(1), D("0.25"), D(5)]),
)
def test_lot_rounding_never_rounds_up(size: Decimal, lot: Decimal) -> None:
    out = round_to_lot(size, lot)
    assert out <= size
    assert size - out < lot
    assert out % lot == 0
