"""PaperExecutor: fills against the live book, queue position, latency, fees, rejections."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from services.engine.adapters.base import NotSupported, OrderRejected, VenueError
from services.engine.core.book import L2Book
from services.engine.core.clock import ManualClock
from services.engine.core.types import FundingRate, MarkPrice, OrderIntent, TradeTick
from services.engine.paper.account import PaperAccount
from services.engine.paper.executor import PaperConfig, PaperExecutor
from services.engine.paper.latency import FixedLatency
from services.shared.generated.entities import Fill, Instrument
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    Liquidity,
    OrderSide,
    OrderType,
    TimeInForce,
)
from services.shared.generated.enums import OrderStatus as S
from tests.unit.engine.factories import book, instrument, intent, swap
from tests.unit.engine.paper.conftest import T0, PaperFactory

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def eth(
    side: OrderSide = BUY, size: str = "1", price: str | None = "100", **kw: object
) -> OrderIntent:
    return intent(side, size, price, symbol="ETH-USDT", **kw)  # type: ignore[arg-type]


def eth_book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> L2Book:
    return book(bids, asks, symbol="ETH-USDT")


def sell_print(price: str, size: str, n: int = 0) -> TradeTick:
    return TradeTick("okx", "ETH-USDT", f"t{n}", D(price), D(size), SELL, T0)


# -- taker fills ------------------------------------------------------------------
async def test_a_marketable_limit_walks_the_book_then_rests_the_remainder(
    make_paper: PaperFactory,
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("99", "3")], [("101", "1"), ("102", "2"), ("103", "5")]))

    order = await p.ex.place(eth(size="4", price="102"))

    assert [(f.price, f.size, f.liquidity) for f in p.rec.fills] == [
        (D(101), D(1), Liquidity.TAKER),
        (D(102), D(2), Liquidity.TAKER),
    ]
    assert order.status is S.PARTIALLY_FILLED
    assert order.filledSize == D(3)
    assert order.avgFillPrice == D(305) / 3
    # taker 0.05 %: 101 x 1 -> 0.0505 -> 0.06; 102 x 2 -> 0.102 -> 0.11
    assert [f.fee for f in p.rec.fills] == [D("0.06"), D("0.11")]
    assert order.fees == D("0.17")
    assert p.ex.queue_ahead("c1") == 0  # nobody else bids 102
    assert p.rec.statuses("c1") == [S.PENDING, S.PARTIALLY_FILLED]


async def test_a_market_order_fills_what_depth_there_is_and_cancels_the_rest(
    make_paper: PaperFactory,
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("99", "3")], [("101", "1.5")]))
    order = await p.ex.place(eth(size="3", price=None, type=OrderType.MARKET))
    assert order.status is S.CANCELLED
    assert order.filledSize == D("1.5")
    assert p.rec.statuses("c1") == [S.PENDING, S.PARTIALLY_FILLED, S.CANCELLED]
    assert order.timeline[-1].reason == "remainder of immediate-or-cancel order"


async def test_ioc_fills_at_or_better_and_cancels_the_rest(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([], [("101", "1"), ("102", "1")]))
    order = await p.ex.place(eth(size="3", price="101", tif=TimeInForce.IOC))
    assert (order.status, order.filledSize) == (S.CANCELLED, D(1))


async def test_fok_fills_everything_or_nothing(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([], [("101", "1"), ("102", "1")]))
    killed = await p.ex.place(eth(size="3", price="102", type=OrderType.FOK, coid="a"))
    assert (killed.status, killed.filledSize) == (S.CANCELLED, D(0))
    assert p.rec.fills == []
    filled = await p.ex.place(eth(size="2", price="102", type=OrderType.FOK, coid="b"))
    assert (filled.status, filled.filledSize) == (S.FILLED, D(2))


async def test_the_same_displayed_liquidity_is_never_taken_twice(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([], [("101", "1"), ("102", "5")]))
    await p.ex.place(eth(price=None, type=OrderType.MARKET, coid="a"))
    await p.ex.place(eth(price=None, type=OrderType.MARKET, coid="b"))
    assert [f.price for f in p.rec.fills] == [D(101), D(102)]


async def test_taker_fee_to_the_cent_and_balances_move(make_paper: PaperFactory) -> None:
    btc = instrument(maker="-0.0001", taker="0.0005")
    p = make_paper(btc, balances={"USDT": D(100000)})
    p.ex.on_book(book([("65432.0", "1")], [("65432.1", "2")]))

    await p.ex.place(intent(size="1.234", price=None, type=OrderType.MARKET))

    [f] = p.rec.fills
    # 1.234 x 65432.1 = 80743.2114; x 0.05 % = 40.3716057 -> 40.38 USDT
    assert (f.price, f.size, f.fee, f.feeCurrency) == (D("65432.1"), D("1.234"), D("40.38"), "USDT")
    assert p.account.total("USDT") == D(100000) - D("80743.2114") - D("40.38")
    assert p.account.total("BTC") == D("1.234")
    assert p.account.frozen("USDT") == 0


# -- resting orders and queue position ----------------------------------------------
async def test_an_order_behind_five_units_fills_only_after_five_trade_at_its_price(
    make_paper: PaperFactory,
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    order = await p.ex.place(eth(size="2", price="100"))
    assert order.status is S.OPEN
    assert p.ex.queue_ahead("c1") == D(5)

    p.ex.on_trade(sell_print("100", "3", 1))
    assert p.ex.queue_ahead("c1") == D(2) and p.rec.fills == []
    p.ex.on_trade(TradeTick("okx", "ETH-USDT", "t2", D(100), D(9), BUY, T0))  # buyer-initiated
    p.ex.on_trade(sell_print("100.5", "9", 3))  # above our bid
    assert p.ex.queue_ahead("c1") == D(2) and p.rec.fills == []

    p.ex.on_trade(sell_print("100", "3", 4))  # 2 more ahead of us, then 1 for us
    assert [(f.size, f.price, f.liquidity) for f in p.rec.fills] == [
        (D(1), D(100), Liquidity.MAKER)
    ]
    assert p.rec.fills[0].fee == D("0.02")  # maker 0.02 % of 100
    p.ex.on_trade(sell_print("100", "5", 5))
    assert p.ex.order("c1").status is S.FILLED  # type: ignore[union-attr]
    assert p.rec.statuses("c1") == [S.PENDING, S.OPEN, S.PARTIALLY_FILLED, S.FILLED]


async def test_a_trade_through_the_price_fills_the_order_whatever_the_queue(
    make_paper: PaperFactory,
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    await p.ex.place(eth(size="2", price="100"))
    p.ex.on_trade(sell_print("99.5", "1.5"))
    assert p.ex.order("c1").filledSize == D("1.5")  # type: ignore[union-attr]
    assert p.ex.queue_ahead("c1") == 0


async def test_a_shrinking_level_shortens_the_queue(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    await p.ex.place(eth(size="2", price="100"))
    p.ex.on_book(eth_book([("100", "1")], [("101", "5")]))  # 4 cancelled somewhere
    assert p.ex.queue_ahead("c1") == D(1)
    p.ex.on_book(eth_book([("100", "7")], [("101", "5")]))  # joiners queue behind us
    assert p.ex.queue_ahead("c1") == D(1)
    p.ex.on_trade(sell_print("100", "2"))
    assert p.ex.order("c1").filledSize == D(1)  # type: ignore[union-attr]


async def test_one_print_never_fills_more_than_it_traded(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("99", "1")], [("101", "5")]))
    await p.ex.place(eth(size="2", price="100", coid="a"))
    await p.ex.place(eth(size="2", price="100", coid="b"))
    p.ex.on_trade(sell_print("100", "3"))
    assert [(f.orderId, f.size) for f in p.rec.fills] == [("a", D(2)), ("b", D(1))]


async def test_a_resting_order_fills_when_the_other_side_reaches_it(
    make_paper: PaperFactory,
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    await p.ex.place(eth(size="2", price="100.5"))  # improves the bid: nobody ahead
    assert p.ex.queue_ahead("c1") == 0
    p.ex.on_book(eth_book([("100", "5")], [("100.4", "1"), ("101", "5")]))
    assert [(f.price, f.size, f.liquidity) for f in p.rec.fills] == [
        (D("100.5"), D(1), Liquidity.MAKER)
    ]
    p.ex.on_book(eth_book([("100", "5")], [("100.4", "1"), ("101", "5")]))  # same ask again
    assert len(p.rec.fills) == 1


async def test_book_cross_fills_can_be_switched_off(make_paper: PaperFactory) -> None:
    p = make_paper(config=PaperConfig(id_prefix="t", fill_on_book_cross=False))
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    await p.ex.place(eth(size="2", price="100.5"))
    p.ex.on_book(eth_book([("100", "5")], [("100.4", "1"), ("101", "5")]))
    assert p.rec.fills == []


# -- rejections ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"price": "100.005"}, "price 100.005 is not a multiple of the tick size 0.01"),
        ({"size": "0.015"}, "size 0.015 is not a multiple of the lot size 0.01"),
        ({"size": "0.04"}, "size 0.04 is below the minimum size 0.05"),
        (
            {"price": "101", "type": OrderType.POST_ONLY},
            "post-only buy at 101 would cross the best ask 101",
        ),
    ],
)
async def test_venue_rule_violations_are_rejected_with_a_clear_reason(
    make_paper: PaperFactory, kwargs: dict[str, object], reason: str
) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    with pytest.raises(OrderRejected, match=reason.replace(".", r"\.")):
        await p.ex.place(eth(**kwargs))
    rejected = p.rec.last("c1")
    assert rejected.status is S.REJECTED and rejected.error == reason
    assert p.rec.fills == []
    with pytest.raises(OrderRejected, match=r"multiple|minimum|post-only"):
        await p.ex.place(eth(**kwargs))  # same client order id: same answer
    assert len([o for o in p.rec.orders if o.id == "c1"]) == 1


async def test_a_post_only_that_would_cross_on_arrival_is_cancelled(
    make_paper: PaperFactory,
) -> None:
    p = make_paper(latency=FixedLatency(submit_ms=50))
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    order = await p.ex.place(eth(price="100.5", type=OrderType.POST_ONLY))
    assert order.status is S.PENDING
    p.ex.on_book(eth_book([("100", "5")], [("100.5", "5")]))
    p.clock.advance(50)
    p.ex.poll()
    final = p.ex.order("c1")
    assert final is not None and final.status is S.CANCELLED
    assert final.timeline[-1].reason == "post-only buy at 100.5 would cross 100.5"
    assert p.rec.fills == []


async def test_unknown_instruments_and_invalid_ids_are_rejected(make_paper: PaperFactory) -> None:
    p = make_paper()
    with pytest.raises(OrderRejected, match="unknown instrument"):
        await p.ex.place(intent(symbol="NOPE"))
    with pytest.raises(OrderRejected, match="invalid order"):
        await p.ex.place(eth(coid="has space"))


async def test_cash_orders_the_balance_cannot_pay_for_are_rejected(
    make_paper: PaperFactory,
) -> None:
    p = make_paper(balances={"USDT": D(150)})
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    with pytest.raises(
        OrderRejected, match=r"insufficient balance: need 200\.1 USDT, available 150$"
    ):
        await p.ex.place(eth(size="2", price="100", coid="a"))  # 2 x 100 x 1.0005
    with pytest.raises(OrderRejected, match="insufficient balance: need 1 ETH, available 0"):
        await p.ex.place(eth(SELL, size="1", price="102", coid="b"))
    await p.ex.place(eth(size="1", price="100", coid="c"))
    assert p.account.frozen("USDT") == D("100.05")
    with pytest.raises(OrderRejected, match="insufficient"):
        await p.ex.place(eth(size="1", price="100", coid="d"))  # the rest is frozen
    await p.ex.cancel("ETH-USDT", "c")
    assert p.account.frozen("USDT") == 0 and p.account.available("USDT") == D(150)


async def test_reduce_only_must_reduce(make_paper: PaperFactory) -> None:
    p = make_paper(swap(taker="0.0005"), balances={"USDT": D(10000)})
    with pytest.raises(OrderRejected, match="reduce-only"):
        await p.ex.place(intent(symbol="BTC-USDT-SWAP", size="1", reduce_only=True))


# -- latency, cancels, idempotency ------------------------------------------------------
async def test_orders_reach_the_book_only_after_the_latency(make_paper: PaperFactory) -> None:
    p = make_paper(latency=FixedLatency(submit_ms=50))
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))
    assert (await p.ex.place(eth(price="101"))).status is S.PENDING
    p.clock.advance(49)
    p.ex.poll()
    assert p.ex.order("c1").status is S.PENDING  # type: ignore[union-attr]
    p.clock.advance(1)
    p.ex.on_book(eth_book([("100", "5")], [("101", "5")]))  # feed calls poll first
    assert p.ex.order("c1").status is S.FILLED  # type: ignore[union-attr]
    assert p.rec.fills[0].ts == T0 + 50


async def test_a_fill_can_beat_a_slow_cancel_and_status_never_goes_back(
    make_paper: PaperFactory,
) -> None:
    p = make_paper(latency=FixedLatency(cancel_ms=20))
    p.ex.on_book(eth_book([("99", "5")], [("101", "5")]))
    await p.ex.place(eth(price="100"))
    assert (await p.ex.cancel("ETH-USDT", "c1")).status is S.OPEN
    p.clock.advance(10)
    p.ex.on_trade(sell_print("100", "1"))
    p.clock.advance(10)
    p.ex.poll()
    assert p.rec.statuses("c1") == [S.PENDING, S.OPEN, S.FILLED]


async def test_cancel_and_cancel_all(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("99", "5")], [("101", "5")]))
    await p.ex.place(eth(price="98", coid="a"))
    await p.ex.place(eth(price="97", coid="b"))
    assert [o.id for o in await p.ex.open_orders("ETH-USDT")] == ["a", "b"]
    assert (await p.ex.cancel("ETH-USDT", "a")).status is S.CANCELLED
    assert (await p.ex.cancel("ETH-USDT", "a")).status is S.CANCELLED  # idempotent
    assert [o.status for o in await p.ex.cancel_all()] == [S.CANCELLED]
    assert await p.ex.open_orders() == []
    with pytest.raises(VenueError, match="unknown order"):
        await p.ex.cancel("ETH-USDT", "zz")


async def test_place_is_idempotent_on_client_order_id(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([("99", "5")], [("101", "5")]))
    first = await p.ex.place(eth(price="101", size="1"))
    again = await p.ex.place(eth(price="101", size="1"))
    assert again == p.ex.order("c1") and again.id == first.id
    assert len(p.rec.fills) == 1


async def test_fill_ids_are_unique_and_fills_since_pages(make_paper: PaperFactory) -> None:
    p = make_paper()
    p.ex.on_book(eth_book([], [("101", "1"), ("102", "1"), ("103", "1")]))
    await p.ex.place(eth(size="2", price="103", coid="a"))
    await p.ex.place(eth(size="1", price="103", coid="b"))
    ids = [f.id for f in p.rec.fills]
    assert ids == ["t-f1", "t-f2", "t-f3"]
    page, cursor = await p.ex.fills_since(None)
    assert [f.id for f in page] == ids and cursor == "3"
    assert (await p.ex.fills_since(cursor)) == ([], "3")
    assert all(f.paper and f.botId == "bot-1" for f in p.rec.fills)


def test_executors_get_distinct_id_prefixes_by_default() -> None:
    a = PaperExecutor(Exchange.OKX, {}, clock=ManualClock())
    b = PaperExecutor(Exchange.OKX, {}, clock=ManualClock())
    assert a._prefix != b._prefix


async def test_start_polls_on_a_timer(make_paper: PaperFactory) -> None:
    p = make_paper(
        latency=FixedLatency(submit_ms=1),
        config=PaperConfig(id_prefix="t", poll_interval_secs=0.001),
    )
    p.ex.on_book(eth_book([("99", "5")], [("101", "5")]))
    await p.ex.place(eth(price="101"))
    p.clock.advance(1)
    await p.ex.start()
    try:
        for _ in range(100):
            if p.ex.order("c1").status is S.FILLED:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.001)
    finally:
        await p.ex.stop()
    assert p.ex.order("c1").status is S.FILLED  # type: ignore[union-attr]


# -- derivatives, hooks ---------------------------------------------------------------
async def test_derivative_fills_move_realized_pnl_and_fees_in_the_settle_currency(
    make_paper: PaperFactory,
) -> None:
    perp = swap(taker="0.0005")
    p = make_paper(perp, balances={"USDT": D(1000)})
    p.ex.on_book(book([("59999.9", "50")], [("60000", "50")], symbol=perp.symbol))
    await p.ex.place(intent(size="10", price=None, type=OrderType.MARKET, symbol=perp.symbol))
    p.ex.on_book(book([("61000", "50")], [("61000.1", "50")], symbol=perp.symbol))
    await p.ex.place(intent(SELL, "10", None, type=OrderType.MARKET, symbol=perp.symbol, coid="c2"))
    # fees: 10 x 0.01 x 60000 x 0.05 % = 3.00; 10 x 0.01 x 61000 x 0.05 % = 3.05
    assert [f.fee for f in p.rec.fills] == [D("3.00"), D("3.05")]
    assert p.account.total("USDT") == D(1000) + D(100) - D("6.05")
    assert await p.account.positions() == []


class RecordingHooks:
    """Venue hooks that log calls; refuses big orders, liquidates below a mark."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def check_order(
        self, intent: OrderIntent, instrument: Instrument, account: PaperAccount
    ) -> str | None:
        self.calls.append("check_order")
        return "insufficient margin" if intent.size > 50 else None

    def on_fill(self, fill: Fill, instrument: Instrument, account: PaperAccount) -> None:
        self.calls.append(f"on_fill:{fill.size}")

    def on_funding(
        self, funding: FundingRate, instrument: Instrument, account: PaperAccount
    ) -> None:
        self.calls.append(f"on_funding:{funding.rate}")
        account.credit("USDT", -D("1.5"))

    def on_mark(self, mark: MarkPrice, instrument: Instrument, account: PaperAccount) -> bool:
        self.calls.append(f"on_mark:{mark.mark}")
        return mark.mark < 50000

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        self.calls.append(f"on_settlement:{price}")


async def test_venue_hooks_are_called_at_their_points(make_paper: PaperFactory) -> None:
    perp = swap(taker="0.0005")
    hooks = RecordingHooks()
    p = make_paper(perp, balances={"USDT": D(1000)}, hooks=hooks)
    sym = perp.symbol
    p.ex.on_book(book([("59999.9", "50")], [("60000", "100")], symbol=sym))

    with pytest.raises(OrderRejected, match="insufficient margin"):
        await p.ex.place(intent(size="60", price="60000", symbol=sym, coid="big"))
    await p.ex.place(intent(size="10", price="60000", symbol=sym, coid="c1"))
    await p.ex.place(intent(size="5", price="59000", symbol=sym, coid="rest"))
    p.ex.on_funding(FundingRate("okx", sym, D("0.0001"), T0 + 1, T0))
    p.ex.on_mark(MarkPrice("okx", sym, D(55000), T0))
    assert p.account.total("USDT") == D(1000) - D("3.00") - D("1.5")

    p.ex.on_mark(MarkPrice("okx", sym, D(49000), T0))  # liquidation

    assert hooks.calls == [
        "check_order",
        "check_order",
        "on_fill:10",
        "check_order",
        "on_funding:0.0001",
        "on_mark:55000",
        "on_mark:49000",
        "on_fill:10",
    ]
    assert p.ex.order("rest").status is S.CANCELLED  # type: ignore[union-attr]
    liq = p.rec.fills[-1]
    assert (liq.side, liq.price, liq.size) == (SELL, D(49000), D(10))
    assert p.account.position_quantity(sym) == 0
    # -110 realized (10 x 0.01 x -11000), fees 3.00 + 2.45
    assert p.account.total("USDT") == D(1000) - D("1.5") - D(1100) - D("3.00") - D("2.45")


async def test_settlement_cancels_open_orders_and_calls_the_hook(make_paper: PaperFactory) -> None:
    hooks = RecordingHooks()
    p = make_paper(hooks=hooks)
    p.ex.on_book(eth_book([("99", "5")], [("101", "5")]))
    await p.ex.place(eth(price="98"))
    p.ex.settle("ETH-USDT", D(1))
    assert p.ex.order("c1").status is S.CANCELLED  # type: ignore[union-attr]
    assert hooks.calls[-1] == "on_settlement:1"
    with pytest.raises(VenueError):
        p.ex.settle("NOPE", D(1))


async def test_account_reports_balances_and_positions_as_models(make_paper: PaperFactory) -> None:
    yes = instrument(
        "tok-yes",
        kind=InstrumentKind.BINARY_OUTCOME,
        base="TOK-YES",
        quote="USDC",
        tick="0.01",
        lot="1",
        min_size="5",
    )
    p = make_paper(yes, balances={"USDC": D(100)})
    p.ex.on_book(book([("0.39", "100")], [("0.40", "100")], symbol="tok-yes"))
    await p.ex.place(intent(size="50", price="0.40", symbol="tok-yes"))
    balances = {b.currency: (b.total, b.available, b.frozen) for b in await p.account.balances()}
    assert balances == {"USDC": (D(80), D(80), D(0)), "TOK-YES": (D(50), D(50), D(0))}
    [pos] = await p.account.positions()
    assert (pos.instrument, pos.size, pos.entryPrice, pos.paper) == (
        "tok-yes",
        D(50),
        D("0.40"),
        True,
    )
    with pytest.raises(OrderRejected, match="need 60 TOK-YES"):
        await p.ex.place(intent(SELL, "60", "0.45", symbol="tok-yes", coid="s"))


async def test_amend_is_not_supported(make_paper: PaperFactory) -> None:
    with pytest.raises(NotSupported):
        await make_paper().ex.amend("ETH-USDT", "c1", price=D(1))
