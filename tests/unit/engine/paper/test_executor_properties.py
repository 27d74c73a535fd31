"""Whatever the market does, paper orders only move forward and money adds up."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from services.engine.adapters.base import OrderRejected
from services.engine.core.order_tracker import OrderBookkeeping
from services.engine.core.types import TradeTick
from services.engine.paper.latency import FixedLatency
from services.shared.generated.enums import OrderSide, OrderType
from services.shared.generated.tables import ORDER_STATUS_RANK
from tests.unit.engine.factories import book, intent
from tests.unit.engine.paper.conftest import T0, PaperFactory

D = Decimal
# Order and trade prices span the book built from `prices` (bids below, asks above).
prices = st.integers(9_950, 10_050).map(lambda c: D(c) / 100)
order_prices = st.integers(9_900, 10_100).map(lambda c: D(c) / 100)
sizes = st.integers(1, 40).map(lambda n: D(n) / 10)
sides = st.sampled_from([OrderSide.BUY, OrderSide.SELL])
types = st.sampled_from(
    [
        OrderType.LIMIT,
        OrderType.LIMIT,
        OrderType.IOC,
        OrderType.FOK,
        OrderType.POST_ONLY,
        OrderType.MARKET,
    ]
)
levels = st.lists(st.tuples(prices, sizes), max_size=4)
events = st.lists(
    st.one_of(
        st.tuples(st.just("book"), levels, levels),
        st.tuples(st.just("trade"), order_prices, sizes, sides),
        st.tuples(st.just("place"), sides, sizes, order_prices, types),
        st.tuples(st.just("place"), sides, sizes, order_prices, types),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("advance"), st.integers(0, 30)),
    ),
    min_size=5,
    max_size=40,
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(events, st.integers(0, 20), st.integers(0, 20))
def test_statuses_never_go_backwards_and_balances_reconcile(
    make_paper: PaperFactory, script: list[tuple[Any, ...]], submit_ms: int, cancel_ms: int
) -> None:
    start = {"USDT": D(1_000_000), "ETH": D(1_000)}
    p = make_paper(balances=start, latency=FixedLatency(submit_ms=submit_ms, cancel_ms=cancel_ms))
    placed: list[str] = []
    trade_ids = itertools.count()

    async def run() -> None:
        for ev in script:
            kind = ev[0]
            if kind == "book":
                bids = [(str(px - D("0.5")), str(sz)) for px, sz in ev[1]]
                asks = [(str(px + D("0.5")), str(sz)) for px, sz in ev[2]]
                p.ex.on_book(book(bids, asks, symbol="ETH-USDT"))
            elif kind == "trade":
                tid = f"t{next(trade_ids)}"
                p.ex.on_trade(TradeTick("okx", "ETH-USDT", tid, ev[1], ev[2], ev[3], T0))
            elif kind == "place":
                coid = f"c{len(placed)}"
                placed.append(coid)
                price = None if ev[4] is OrderType.MARKET else str(ev[3])
                with contextlib.suppress(OrderRejected):
                    await p.ex.place(
                        intent(ev[1], str(ev[2]), price, type=ev[4], symbol="ETH-USDT", coid=coid)
                    )
            elif kind == "cancel" and placed:
                await p.ex.cancel("ETH-USDT", placed[ev[1] % len(placed)])
            elif kind == "advance":
                p.clock.advance(ev[1])
                p.ex.poll()
        await p.ex.cancel_all()
        p.clock.advance(cancel_ms + submit_ms + 1)
        p.ex.poll()

    asyncio.run(run())

    tracker = OrderBookkeeping()
    fills = iter(p.rec.fills)
    for update in p.rec.orders:
        tracker.apply(update)
    for f in fills:
        tracker.apply_fill(f)
    assert tracker.stale_updates == 0 and tracker.duplicate_fills == 0

    for coid in placed:
        reports = [o for o in p.rec.orders if o.id == coid]
        ranks = [ORDER_STATUS_RANK[o.status] for o in reports]
        filled = [o.filledSize for o in reports]
        assert ranks == sorted(ranks)
        assert filled == sorted(filled)
        final = p.ex.order(coid)
        assert final is not None
        assert ORDER_STATUS_RANK[final.status] == 3  # everything ended
        assert final.filledSize <= final.size
        assert sum((f.size for f in p.rec.fills if f.orderId == coid), D(0)) == final.filledSize
        assert tracker.get(coid).filledSize == final.filledSize  # type: ignore[union-attr]

    event(f"fills: {min(len(p.rec.fills), 3)}")
    assert len({f.id for f in p.rec.fills}) == len(p.rec.fills)
    bought = sum((f.size for f in p.rec.fills if f.side is OrderSide.BUY), D(0))
    sold = sum((f.size for f in p.rec.fills if f.side is OrderSide.SELL), D(0))
    spent = sum(
        (f.price * f.size * (1 if f.side is OrderSide.BUY else -1) for f in p.rec.fills), D(0)
    )
    fees = sum((f.fee for f in p.rec.fills), D(0))
    assert p.account.total("ETH") == start["ETH"] + bought - sold
    assert p.account.total("USDT") == start["USDT"] - spent - fees
    assert p.account.frozen("USDT") == 0 and p.account.frozen("ETH") == 0
