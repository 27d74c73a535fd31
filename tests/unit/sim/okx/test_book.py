"""The matching engine: price-time priority, partial fills, self-trade prevention."""

from __future__ import annotations

from decimal import Decimal

from services.sim.okx.book import BookOrder, OrderBook, Owner, Stp

D = Decimal


def _book(*orders: tuple[int, Owner, str, str, str]) -> OrderBook:
    book = OrderBook()
    for key, owner, side, px, qty in orders:
        book.add(BookOrder(key, owner, side, D(px), D(qty)))  # type: ignore[arg-type]
    return book


def test_better_price_fills_first_then_older_order_at_the_same_price() -> None:
    book = _book(
        (1, Owner.MARKET, "sell", "101", "1"),
        (2, Owner.USER, "sell", "100", "1"),
        (3, Owner.MARKET, "sell", "100", "1"),
    )
    result = book.match("buy", D("2.5"), None, taker_owner=Owner.MARKET)
    assert [(m.maker.key, m.price, m.qty) for m in result.matches] == [
        (2, D("100"), D("1")),
        (3, D("100"), D("1")),
        (1, D("101"), D("0.5")),
    ]
    assert result.filled == D("2.5")
    assert book.get(1) is not None and book.get(1).remaining == D("0.5")  # type: ignore[union-attr]
    assert book.get(2) is None and book.get(3) is None


def test_limit_price_stops_the_walk() -> None:
    book = _book((1, Owner.MARKET, "buy", "99", "1"), (2, Owner.MARKET, "buy", "98", "1"))
    result = book.match("sell", D("5"), D("99"), taker_owner=Owner.MARKET)
    assert result.filled == D("1")
    assert book.best("buy") == D("98")


def test_levels_aggregate_size_and_count_best_first() -> None:
    book = _book(
        (1, Owner.MARKET, "buy", "99", "1"),
        (2, Owner.USER, "buy", "99", "2"),
        (3, Owner.MARKET, "buy", "100", "0.5"),
        (4, Owner.MARKET, "sell", "101", "3"),
    )
    assert book.levels("buy", 5) == [(D("100"), D("0.5"), 1), (D("99"), D("3"), 2)]
    assert book.levels("sell", 5) == [(D("101"), D("3"), 1)]


def test_size_cut_keeps_priority_but_readding_loses_it() -> None:
    book = _book((1, Owner.USER, "sell", "100", "2"), (2, Owner.MARKET, "sell", "100", "2"))
    book.reduce(1, D("1"))
    first = book.match("buy", D("1"), None, taker_owner=Owner.MARKET).matches[0]
    assert first.maker.key == 1
    book = _book((1, Owner.USER, "sell", "100", "2"), (2, Owner.MARKET, "sell", "100", "2"))
    moved = book.remove(1)
    assert moved is not None
    book.add(moved)
    first = book.match("buy", D("1"), None, taker_owner=Owner.MARKET).matches[0]
    assert first.maker.key == 2


def test_self_trade_prevention_cancel_maker_skips_own_order_and_continues() -> None:
    book = _book((1, Owner.USER, "sell", "100", "1"), (2, Owner.MARKET, "sell", "100", "1"))
    result = book.match("buy", D("1"), D("100"), taker_owner=Owner.USER, stp=Stp.CANCEL_MAKER)
    assert [m.maker.key for m in result.matches] == [2]
    assert [o.key for o in result.stp_cancelled] == [1]
    assert book.get(1) is None


def test_self_trade_prevention_cancel_taker_stops() -> None:
    book = _book((1, Owner.USER, "sell", "100", "1"), (2, Owner.MARKET, "sell", "100", "1"))
    result = book.match("buy", D("1"), D("100"), taker_owner=Owner.USER, stp=Stp.CANCEL_TAKER)
    assert result.taker_stopped and not result.matches
    assert book.get(1) is not None


def test_quote_budget_buys_whole_lots_only() -> None:
    book = _book((1, Owner.MARKET, "sell", "100", "1"), (2, Owner.MARKET, "sell", "200", "10"))
    result = book.match(
        "buy", None, None, taker_owner=Owner.USER, quote_budget=D("350"), lot_sz=D("0.01")
    )
    assert [(m.price, m.qty) for m in result.matches] == [(D("100"), D("1")), (D("200"), D("1.25"))]
    assert result.quote_spent == D("350")


def test_would_take_and_fillable() -> None:
    book = _book((1, Owner.MARKET, "sell", "100", "1"), (2, Owner.MARKET, "sell", "101", "1"))
    assert book.would_take("buy", D("100"))
    assert not book.would_take("buy", D("99.9"))
    assert not book.would_take("sell", D("1"))
    assert book.fillable("buy", D("100"), D("5")) == D("1")
    assert book.fillable("buy", None, D("1.5")) == D("1.5")
