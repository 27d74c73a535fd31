"""Queue position, book walks and taken-liquidity bookkeeping."""

from __future__ import annotations

from decimal import Decimal

from services.engine.core.types import TradeTick
from services.engine.paper.matching import LiquidityLedger, trade_against_resting, walk_book
from services.shared.generated.enums import OrderSide
from tests.unit.engine.factories import book

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def trade(price: str, size: str, aggressor: OrderSide) -> TradeTick:
    return TradeTick("okx", "X", "t", D(price), D(size), aggressor, 0)


def test_trades_at_the_price_eat_the_queue_before_filling() -> None:
    assert trade_against_resting(BUY, D(100), D(5), D(2), trade("100", "3", SELL)) == (D(2), 0)
    assert trade_against_resting(BUY, D(100), D(2), D(2), trade("100", "3", SELL)) == (0, D(1))


def test_a_trade_through_the_price_clears_the_queue_and_fills() -> None:
    assert trade_against_resting(BUY, D(100), D(5), D(2), trade("99.5", "1", SELL)) == (0, D(1))
    assert trade_against_resting(SELL, D(100), D(5), D(2), trade("100.5", "9", BUY)) == (0, D(2))


def test_trades_that_cannot_reach_the_order_change_nothing() -> None:
    assert trade_against_resting(BUY, D(100), D(5), D(2), trade("100.5", "9", SELL)) == (D(5), 0)
    assert trade_against_resting(BUY, D(100), D(5), D(2), trade("100", "9", BUY)) == (D(5), 0)
    assert trade_against_resting(SELL, D(100), D(5), D(2), trade("99", "9", BUY)) == (D(5), 0)


def test_walk_takes_levels_best_first_up_to_the_limit() -> None:
    b = book([("99", "4")], [("101", "1"), ("102", "2"), ("103", "5")], symbol="X")
    ledger = LiquidityLedger()
    assert walk_book(b, BUY, D(102), D(4), ledger) == [(D(101), D(1), D(1)), (D(102), D(2), D(2))]
    assert walk_book(b, BUY, None, D(4), ledger)[-1] == (D(103), D(1), D(5))
    assert walk_book(b, SELL, D(100), D(1), ledger) == []


def test_the_ledger_hides_what_we_took_until_the_venue_updates_the_level() -> None:
    b = book([], [("101", "1"), ("102", "5")], symbol="X")
    ledger = LiquidityLedger()
    ledger.take("X", "ask", D(101), D(1), D(1))
    assert walk_book(b, BUY, None, D(2), ledger) == [(D(102), D(2), D(5))]
    b.apply_delta([], [(D(101), D(3))])
    ledger.refresh(b)
    assert ledger.available("X", "ask", D(101), D(3)) == D(3)
