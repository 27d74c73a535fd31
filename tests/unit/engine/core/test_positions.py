"""Average-cost positions, PnL with contract multipliers, daily PnL and drawdown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.core.clock import MS_PER_DAY
from services.engine.core.positions import EquityTracker, PositionBook
from services.shared.generated.enums import OrderSide, PositionSide
from tests.unit.engine.factories import fill, instrument, swap

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_average_cost_realized_pnl_and_flip_through_flat() -> None:
    pb = PositionBook()
    spot = instrument()
    pb.apply_fill(fill(BUY, "2", "100", fid="1"), spot)
    pos = pb.apply_fill(fill(BUY, "2", "110", fid="2"), spot).position
    assert pos.quantity == D(4) and pos.avg_price == D(105)

    eff = pb.apply_fill(fill(SELL, "3", "120", fid="3"), spot)
    assert eff.realized_pnl == D(45)  # 3 x (120 - 105)
    assert pos.quantity == D(1) and pos.avg_price == D(105)

    eff = pb.apply_fill(fill(SELL, "2", "100", fid="4"), spot)
    assert eff.realized_pnl == D(-5)  # closes 1 at 100 vs 105
    assert pos.quantity == D(-1) and pos.avg_price == D(100)  # the rest opened short at 100
    assert pos.realized_pnl == D(40)
    assert pos.unrealized_pnl(D(90)) == D(10)
    assert pos.to_model(paper=True, ts_ms=1).side is PositionSide.SHORT


def test_contract_value_multiplies_pnl_and_notional_of_derivatives() -> None:
    pb = PositionBook()
    perp = swap()  # 1 contract = 0.01 BTC
    pb.apply_fill(fill(BUY, "10", "60000", symbol=perp.symbol, fid="1"), perp)
    eff = pb.apply_fill(fill(SELL, "4", "61000", symbol=perp.symbol, fid="2"), perp)
    assert eff.realized_pnl == D(40)  # 4 x 1000 x 0.01
    pos = eff.position
    assert pos.notional(D(62000)) == D(3720)  # 6 x 62000 x 0.01
    assert pos.unrealized_pnl(D(62000)) == D(120)
    assert pos.currency == "USDT"


def test_fees_are_kept_beside_gross_pnl_and_other_currency_fees_apart() -> None:
    pb = PositionBook()
    spot = instrument()
    pb.apply_fill(fill(BUY, "1", "100", fee="0.1", fid="1"), spot)
    pb.apply_fill(fill(BUY, "1", "100", fee="0.001", fee_currency="BTC", fid="2"), spot)
    pos = pb.apply_fill(fill(SELL, "2", "101", fee="-0.02", fid="3"), spot).position
    assert pos.realized_pnl == D(2)
    assert pos.fees == D("0.08")
    assert pos.net_realized == D("1.92")
    assert pos.other_fees == {"BTC": D("0.001")}
    assert pos.is_flat and pos.avg_price == 0


def test_positions_are_per_bot_and_mark_updates_every_bot() -> None:
    pb = PositionBook()
    spot = instrument()
    pb.apply_fill(fill(BUY, "1", "100", bot_id="a", fid="1"), spot)
    pb.apply_fill(fill(SELL, "2", "100", bot_id="b", fid="2"), spot)
    pb.mark("okx", "BTC-USDT", D(90), ts_ms=5)
    a = pb.get("a", "okx", "BTC-USDT")
    b = pb.get("b", "okx", "BTC-USDT")
    assert a is not None and b is not None
    assert a.unrealized_pnl() == D(-10)
    assert b.unrealized_pnl() == D(20)
    assert {p.bot_id for p in pb.all_positions()} == {"a", "b"}
    assert pb.positions("a") == [a]


def test_a_fill_must_have_positive_size() -> None:
    pos = PositionBook().open_position("a", instrument())
    with pytest.raises(ValueError, match="positive"):
        pos.apply(BUY, D(1), D(0))


@given(
    st.lists(
        st.tuples(
            st.sampled_from([BUY, SELL]),
            st.integers(1, 50).map(D),
            st.integers(1, 400).map(lambda t: D(t) / 4),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 400).map(lambda t: D(t) / 4),
)
def test_realized_plus_unrealized_equals_cash_flow(
    fills: list[tuple[OrderSide, Decimal, Decimal]], mark: Decimal
) -> None:
    """For a linear instrument, PnL is the money paid and received plus what is held at mark."""
    perp = swap()
    pos = PositionBook().open_position("a", perp)
    cash = D(0)
    for side, size, price in fills:
        pos.apply(side, price, size)
        sign = 1 if side is BUY else -1
        cash -= sign * size * price * perp.contractValue  # type: ignore[operator]
    held_value = pos.quantity * mark * perp.contractValue  # type: ignore[operator]
    total = pos.realized_pnl + pos.unrealized_pnl(mark)
    assert abs(total - (cash + held_value)) < D("1e-18")


def test_daily_pnl_resets_at_the_utc_day_boundary() -> None:
    eq = EquityTracker(capital=D(1000))
    day = 20_000 * MS_PER_DAY
    eq.observe(D(-30), day + 1)
    assert eq.daily_pnl == D(-30)
    eq.observe(D(-50), day + MS_PER_DAY - 1)
    assert eq.daily_pnl == D(-50)
    eq.observe(D(-55), day + MS_PER_DAY)  # new day: baseline is yesterday's close (-50)
    assert eq.daily_pnl == D(-5)


def test_drawdown_is_measured_from_the_peak_equity() -> None:
    eq = EquityTracker(capital=D(1000))
    eq.observe(D(250), 1)  # equity 1250, the peak
    eq.observe(D(0), 2)  # equity 1000: 20 % below the peak
    assert eq.peak_equity == D(1250)
    assert eq.drawdown_pct == D(20)
    eq.observe(D(125), 3)
    assert eq.drawdown_pct == D(10)
    assert eq.max_drawdown_pct == D(20)


def test_drawdown_is_unknown_without_positive_equity() -> None:
    eq = EquityTracker()
    eq.observe(D(-5), 1)
    assert eq.drawdown_pct is None
