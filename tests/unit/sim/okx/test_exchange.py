"""The exchange core without any transport: order lifecycle, matching against the simulated
flow, balances, cancel-all-after, funding and liquidation, on a fake clock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.sim.okx import parse
from services.sim.okx.clock import SimClock
from services.sim.okx.exchange import Exchange
from services.sim.okx.instruments import default_instruments
from services.sim.okx.market import MarketModel
from tests.unit.sim.okx.factories import START_MS, FakeTime, make_exchange

D = Decimal


def _order(**fields: str) -> parse.PlaceOrder:
    body = {"instId": "BTC-USDT", "tdMode": "cash", "side": "buy", "ordType": "limit", "sz": "0.01"}
    body.update(fields)
    return parse.place_order(body)


def _future_id(exchange: Exchange) -> str:
    return next(
        i
        for i, inst in exchange.instruments.items()
        if inst.inst_type == "FUTURES" and i.startswith("BTC")
    )


def test_resting_limit_buy_freezes_its_quote_notional() -> None:
    exchange, _, sink = make_exchange()
    best_bid = exchange.book("BTC-USDT").best("buy")
    assert best_bid is not None
    px = best_bid - 100
    result = exchange.place(_order(px=str(px), sz="0.5"))
    assert result.s_code == "0"
    state = exchange.currency_state("USDT")
    assert state.ord_frozen == px * D("0.5")
    assert state.avail_bal == D(100000) - px * D("0.5")
    assert sink.orders[-1].state == "live" and sink.orders[-1].ord_id == result.ord_id


def test_marketable_spot_buy_pays_exactly_its_fills_and_fee_in_base() -> None:
    exchange, _, _ = make_exchange()
    book = exchange.book("BTC-USDT")
    levels = book.levels("sell", 3)
    take = levels[0][1] + levels[1][1] / 2
    result = exchange.place(_order(px=str(levels[1][0]), sz=str(take)))
    assert result.s_code == "0"
    cost = levels[0][0] * levels[0][1] + levels[1][0] * (levels[1][1] / 2)
    assert exchange.account.cash["USDT"] == D(100000) - cost
    assert exchange.account.cash["BTC"] == D(1) + take - take * D("0.001")
    order = exchange.orders[result.ord_id]
    assert order.state == "filled" and order.acc_fill_sz == take
    assert exchange.currency_state("USDT").ord_frozen == 0


def test_account_order_fills_after_older_synthetic_liquidity_at_its_price() -> None:
    exchange, _, sink = make_exchange()
    inst = exchange.instruments["BTC-USDT-SWAP"]
    book = exchange.book(inst.inst_id)
    ask_px, ask_sz, _ = book.levels("sell", 1)[0]
    result = exchange.place(
        _order(instId=inst.inst_id, tdMode="cross", side="sell", px=str(ask_px), sz="3")
    )
    order = exchange.orders[result.ord_id]
    exchange.synthetic_market(inst, "buy", ask_sz)  # exactly the older synthetic size
    assert order.acc_fill_sz == 0
    exchange.synthetic_market(inst, "buy", D(2))
    assert order.acc_fill_sz == 2 and order.state == "partially_filled"
    assert sink.orders[-1].exec_type == "M" and sink.orders[-1].fill_sz == "2"
    assert exchange.account.net_position(inst) == D(-2)


def test_post_only_that_would_take_is_accepted_then_cancelled_with_source_31() -> None:
    exchange, _, sink = make_exchange()
    best_ask = exchange.book("BTC-USDT").best("sell")
    result = exchange.place(_order(ordType="post_only", px=str(best_ask)))
    assert result.s_code == "0"
    assert exchange.orders[result.ord_id].state == "canceled"
    assert sink.orders[-1].cancel_source == "31"
    assert exchange.fills_query({}, 100) == []


def test_fok_that_cannot_fill_completely_does_not_fill_at_all() -> None:
    exchange, _, sink = make_exchange()
    best_ask, size, _ = exchange.book("BTC-USDT").levels("sell", 1)[0]
    result = exchange.place(_order(ordType="fok", px=str(best_ask), sz=str(size + D("0.0001"))))
    assert exchange.orders[result.ord_id].state == "canceled"
    assert sink.orders[-1].cancel_source == "13"
    assert exchange.account.cash["USDT"] == D(100000)


def test_insufficient_balance_and_size_rules() -> None:
    exchange, _, _ = make_exchange()
    assert exchange.place(_order(px="50000", sz="10")).s_code == "51008"
    assert exchange.place(_order(px="50000", sz="0.000001")).s_code == "51020"
    assert exchange.place(_order(px="50000", sz="0.000010001")).s_code == "51121"
    assert exchange.place(_order(px="50000.05")).s_code == "51000"
    assert (
        exchange.place(
            _order(instId="BTC-USDT-SWAP", tdMode="cross", reduceOnly="true", px="1")
        ).s_code
        == "51169"
    )
    assert exchange.place(_order(instId="NOPE-USDT", px="1")).s_code == "51001"


def test_amend_price_loses_priority_and_size_cut_keeps_it() -> None:
    exchange, _, _ = make_exchange()
    px = str(exchange.book("BTC-USDT").best("buy") - 50)  # type: ignore[operator]
    a = exchange.place(_order(px=px, sz="0.01", clOrdId="a")).ord_id
    b = exchange.place(_order(px=px, sz="0.01", clOrdId="b")).ord_id
    assert (
        exchange.amend(
            parse.amend_order({"instId": "BTC-USDT", "ordId": a, "newSz": "0.005"})
        ).s_code
        == "0"
    )
    queue = [o.key for o in exchange.book("BTC-USDT").orders("buy") if o.price == D(px)]
    assert queue == [int(a), int(b)]
    new_px = str(D(px) - 1)
    assert (
        exchange.amend(
            parse.amend_order({"instId": "BTC-USDT", "ordId": a, "newPx": new_px})
        ).s_code
        == "0"
    )
    assert (
        exchange.amend(parse.amend_order({"instId": "BTC-USDT", "ordId": a, "newPx": px})).s_code
        == "0"
    )
    queue = [o.key for o in exchange.book("BTC-USDT").orders("buy") if o.price == D(px)]
    assert queue == [int(b), int(a)]


def test_cancel_all_after_fires_at_its_deadline_on_simulated_time() -> None:
    exchange, clock, sink = make_exchange()
    px = str(exchange.book("BTC-USDT").best("buy") - 50)  # type: ignore[operator]
    ord_id = exchange.place(_order(px=px)).ord_id
    armed = exchange.cancel_all_after(parse.cancel_all_after({"timeOut": "10"}, 10, 120))
    assert int(armed.trigger_time) == int(armed.ts) + 10_000
    clock.advance(9.9)
    exchange.tick()
    assert exchange.orders[ord_id].is_live
    clock.advance(0.2)
    exchange.tick()
    assert exchange.orders[ord_id].state == "canceled"
    assert sink.orders[-1].cancel_source == "20"
    assert exchange.caa == {}


def test_funding_settles_every_eight_hours_with_longs_paying_a_positive_rate() -> None:
    exchange, clock, _ = make_exchange()
    inst = exchange.instruments["BTC-USDT-SWAP"]
    best_ask = exchange.book(inst.inst_id).best("sell")
    assert (
        exchange.place(
            _order(instId=inst.inst_id, tdMode="cross", px=str(best_ask), sz="10")
        ).s_code
        == "0"
    )
    exchange.market.pinned_mark[inst.inst_id] = D(60000)
    exchange.funding[inst.inst_id].pinned_rate = D("0.0002")
    cash = exchange.account.cash["USDT"]
    clock.advance(8 * 3600)  # crosses exactly one 8 h boundary after START_MS + 1 s
    exchange.tick()
    expected = -(D(10) * D("0.01") * D(60000) * D("0.0002"))  # -1.2 USDT
    assert exchange.account.cash["USDT"] - cash == expected
    position = exchange.account.position(inst, "cross")
    assert position is not None and position.funding_fee == expected
    assert exchange.funding[inst.inst_id].sett_rate == D("0.0002")
    clock.advance(16 * 3600)
    exchange.tick()
    assert exchange.account.cash["USDT"] - cash == 3 * expected


def test_inverse_future_round_trip_realises_pnl_in_coin() -> None:
    exchange, _, _ = make_exchange()
    inst_id = _future_id(exchange)
    inst = exchange.instruments[inst_id]
    book = exchange.book(inst_id)
    buy_px = book.best("sell")
    assert (
        exchange.place(
            _order(instId=inst_id, tdMode="cross", ordType="market", sz="10", px="")
        ).s_code
        == "0"
    )
    position = exchange.account.position(inst, "cross")
    assert position is not None and position.pos == 10 and position.avg_px == buy_px
    sell_px = book.best("buy")
    assert (
        exchange.place(
            _order(instId=inst_id, tdMode="cross", side="sell", ordType="market", sz="10", px="")
        ).s_code
        == "0"
    )
    assert exchange.account.position(inst, "cross") is None
    fills = exchange.fills_query({"instId": inst_id}, 10)
    assert fills[0].pnl == (D(10) * 100 * (1 / buy_px - 1 / sell_px)).quantize(D("1e-16"))  # type: ignore[operator]


def test_isolated_position_is_liquidated_when_mark_crosses_its_liquidation_price() -> None:
    exchange, _, sink = make_exchange()
    inst = exchange.instruments["BTC-USDT-SWAP"]
    assert (
        exchange.set_leverage(
            parse.set_leverage({"instId": inst.inst_id, "lever": "20", "mgnMode": "isolated"})
        ).lever
        == "20"
    )
    best_ask = exchange.book(inst.inst_id).best("sell")
    assert (
        exchange.place(
            _order(instId=inst.inst_id, tdMode="isolated", px=str(best_ask), sz="10")
        ).s_code
        == "0"
    )
    position = exchange.account.position(inst, "isolated")
    assert position is not None
    wire = exchange.position_wire(position)
    liq = D(wire.liq_px)
    cash_before = exchange.account.cash["USDT"]
    exchange.market.pinned_mark[inst.inst_id] = liq + 50
    exchange.tick()
    assert exchange.account.position(inst, "isolated") is not None
    exchange.market.pinned_mark[inst.inst_id] = liq - 1
    exchange.tick()
    assert exchange.account.position(inst, "isolated") is None
    assert sink.orders[-1].category == "full_liquidation" and sink.orders[-1].state == "filled"
    assert exchange.account.cash["USDT"] >= cash_before  # at most the posted margin was lost


def test_same_seed_same_market_path() -> None:
    first, _, sink_a = make_exchange(seed=11)
    second, _, sink_b = make_exchange(seed=11)
    other, _, _ = make_exchange(seed=12)
    for exchange in (first, second, other):
        exchange.market.paused = False
        for _ in range(50):
            exchange.step_market(0.1)
    assert (
        first.book_wire(first.instruments["BTC-USDT"], 50).bids
        == second.book_wire(second.instruments["BTC-USDT"], 50).bids
    )
    assert [t.px for t in sink_a.trades] == [t.px for t in sink_b.trades]
    assert first.market.index == second.market.index != other.market.index


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_synthetic_quotes_never_leave_the_book_crossed(side: str) -> None:
    exchange, _, _ = make_exchange(seed=3)
    exchange.market.paused = False
    inst = exchange.instruments["ETH-USDT-SWAP"]
    exchange.place(
        _order(
            instId=inst.inst_id,
            tdMode="cross",
            side=side,
            px=str(exchange.book(inst.inst_id).best("buy")),
            sz="1",
        )
    )
    for _ in range(200):
        exchange.step_market(1.0)
        bid, ask = exchange.book(inst.inst_id).best("buy"), exchange.book(inst.inst_id).best("sell")
        assert bid is not None and ask is not None and bid < ask


def test_cancel_all_after_ignores_the_time_scale_but_not_explicit_advances() -> None:
    time_source = FakeTime()
    clock = SimClock(time_scale=480.0, start_ms=START_MS, monotonic=time_source, wall=time_source)
    instruments = default_instruments(START_MS)
    market = MarketModel(instruments, 7)
    market.paused = True
    exchange = Exchange(
        instruments=instruments, clock=clock, market=market, balances={"USDT": D(100000)}, seed=7
    )
    px = str(exchange.book("BTC-USDT").best("buy") - 50)  # type: ignore[operator]
    ord_id = exchange.place(_order(px=px)).ord_id
    exchange.cancel_all_after(parse.cancel_all_after({"timeOut": "60"}, 10, 120))
    time_source.now += 30  # 30 real seconds = 4 simulated hours at 480x
    exchange.tick()
    assert exchange.orders[ord_id].is_live
    time_source.now += 31
    exchange.tick()
    assert exchange.orders[ord_id].state == "canceled"
