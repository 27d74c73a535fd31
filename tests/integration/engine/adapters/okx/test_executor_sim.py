"""The OKX executor and account against the simulator: idempotent placement,
stream updates, and reconnect reconciliation without doubles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from services.engine.adapters.base import AccountAdapter, OrderRejected
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.executor import OkxExecutor
from services.engine.adapters.okx.factory import build_adapter
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.core.types import FeedChannel, OrderIntent
from services.shared.generated.enums import MarginMode, OrderSide, OrderStatus, OrderType
from tests.integration.engine.adapters.okx.conftest import SimEndpoints
from tests.integration.engine.adapters.okx.simctl import SimControl
from tests.integration.engine.adapters.okx.tap import WsTap
from tests.unit.engine.adapters.okx.fakes import RecordingHandler, RecordingListener

pytestmark = pytest.mark.integration

D = Decimal
BTC = "BTC-USDT-SWAP"
_ids = iter(range(1, 1_000_000))


def new_id(prefix: str) -> str:
    return f"it-{prefix}-{next(_ids)}"


@dataclass
class ExecRig:
    feed: OkxFeed
    executor: OkxExecutor
    account: AccountAdapter
    listener: RecordingListener
    handler: RecordingHandler

    def top(self) -> tuple[Decimal, Decimal]:
        book = self.feed.book(BTC)
        assert book is not None
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is not None and ask is not None
        return bid[0], ask[0]

    def intent(
        self, cid: str, side: OrderSide, price: Decimal, size: str = "1", **kw: object
    ) -> OrderIntent:
        return OrderIntent(
            bot_id="it",
            exchange="okx",
            instrument=BTC,
            side=side,
            type=OrderType.LIMIT,
            size=D(size),
            price=price,
            client_order_id=cid,
            **kw,
        )  # type: ignore[arg-type]

    def fill_ids(self) -> list[str]:
        return [f.id for f in self.listener.fills]


@pytest.fixture
async def rig(sim: SimEndpoints, private_tap: WsTap) -> AsyncIterator[ExecRig]:
    config = OkxConfig(
        rest_url=sim.rest_url,
        ws_public_url=sim.ws_public_url,
        ws_private_url=private_tap.url,
        demo=True,
        reconnect_initial_delay_secs=0.05,
    )
    adapter = build_adapter(config, sim.credentials())
    assert isinstance(adapter.feed, OkxFeed) and isinstance(adapter.executor, OkxExecutor)
    assert adapter.account is not None
    listener, handler = RecordingListener(), RecordingHandler()
    adapter.executor.set_listener(listener)
    await adapter.feed.start(handler)
    await adapter.feed.subscribe(BTC, FeedChannel.BOOK)
    await handler.wait_for(lambda: adapter.feed.is_live(BTC), timeout=30)
    await adapter.executor.start()
    yield ExecRig(adapter.feed, adapter.executor, adapter.account, listener, handler)
    await adapter.executor.cancel_all()
    await adapter.executor.stop()
    await adapter.feed.stop()


async def test_place_amend_cancel_round_trip_with_stream_updates(rig: ExecRig) -> None:
    bid, _ask = rig.top()
    cid = new_id("rest")
    placed = await rig.executor.place(rig.intent(cid, OrderSide.BUY, bid - 200))
    assert placed.id == cid and placed.venueOrderId
    await rig.listener.wait_for(
        lambda: any(o.id == cid and o.status is OrderStatus.OPEN for o in rig.listener.orders)
    )
    assert [o.id for o in await rig.executor.open_orders(BTC)].count(cid) == 1
    amended = await rig.executor.amend(BTC, cid, price=bid - 150, size=D("2"))
    assert (amended.price, amended.size) == (bid - 150, D("2"))
    cancelled = await rig.executor.cancel(BTC, cid)
    assert cancelled.status is OrderStatus.CANCELLED
    await rig.listener.wait_for(lambda: rig.listener.orders[-1].status is OrderStatus.CANCELLED)
    statuses = [o.status for o in rig.listener.orders if o.id == cid]
    assert statuses[0] is OrderStatus.OPEN and statuses[-1] is OrderStatus.CANCELLED


async def test_placing_the_same_intent_twice_makes_one_order(rig: ExecRig) -> None:
    bid, _ask = rig.top()
    cid = "it-dup-" + "x" * 40  # long and not alphanumeric: exercises the clOrdId mapping
    intent = rig.intent(cid, OrderSide.BUY, bid - 300)
    first = await rig.executor.place(intent)
    second = await rig.executor.place(intent)
    assert second.venueOrderId == first.venueOrderId and second.id == cid
    resting = [o for o in await rig.executor.open_orders(BTC) if o.id == cid]
    assert len(resting) == 1


async def test_batch_placement(rig: ExecRig) -> None:
    bid, _ask = rig.top()
    intents = [rig.intent(new_id("batch"), OrderSide.BUY, bid - 600 - i) for i in range(3)]
    intents.append(rig.intent(new_id("batch-big"), OrderSide.BUY, bid - 600, size="10000000"))
    results = await rig.executor.place_batch(intents)
    assert [type(r).__name__ for r in results[:3]] == ["Order"] * 3
    assert isinstance(results[3], OrderRejected)
    resting = {o.id for o in await rig.executor.open_orders(BTC)}
    assert {i.client_order_id for i in intents[:3]} <= resting


async def test_a_rejection_carries_the_venue_code(rig: ExecRig) -> None:
    bid, _ask = rig.top()
    with pytest.raises(OrderRejected) as caught:
        await rig.executor.place(rig.intent(new_id("big"), OrderSide.BUY, bid, size="10000000"))
    assert caught.value.code is not None and caught.value.code.startswith("51")


async def test_fills_while_the_stream_is_down_are_reconciled_once(
    rig: ExecRig, private_tap: WsTap, control: SimControl
) -> None:
    async with control.paused():  # no synthetic flow: only our takers trade
        _bid, ask = rig.top()
        price = ask - D("0.1")  # the best bid, inside the spread
        cid = new_id("maker")
        await rig.executor.place(rig.intent(cid, OrderSide.BUY, price, size="3"))
        await control.trade(BTC, "sell", "1", str(price))
        await rig.listener.wait_for(lambda: any(f.orderId == cid for f in rig.listener.fills))

        # The private stream dies and stays down while the rest of the order fills.
        reconciled = rig.executor.reconciliations
        private_tap.hold()
        await private_tap.cut()
        await control.trade(BTC, "sell", "2", str(price))
        await private_tap.wait_refused(1)
        assert [f.size for f in rig.listener.fills if f.orderId == cid] == [D("1")]
        private_tap.release()

        await rig.listener.wait_for(
            lambda: sum(f.size for f in rig.listener.fills if f.orderId == cid) == D("3"),
            timeout=30,
        )
        await asyncio.wait_for(rig.executor.wait_reconciled(reconciled + 1), 30)
    ids = rig.fill_ids()
    assert len(ids) == len(set(ids))
    venue_fills, _cursor = await rig.executor.fills_since(None)
    assert {f.id for f in venue_fills if f.orderId == cid} == {
        f.id for f in rig.listener.fills if f.orderId == cid
    }
    final = [o for o in rig.listener.orders if o.id == cid][-1]
    assert final.status is OrderStatus.FILLED and final.filledSize == D("3")


async def test_a_dropped_connection_reconciles_without_doubles(
    rig: ExecRig, control: SimControl
) -> None:
    _bid, ask = rig.top()
    taker = new_id("take")
    await rig.executor.place(
        rig.intent(taker, OrderSide.BUY, ask + 50, leverage=D("5"), margin_mode=MarginMode.CROSS)
    )
    await rig.listener.wait_for(lambda: any(f.orderId == taker for f in rig.listener.fills))
    delivered = (len(rig.listener.orders), len(rig.fill_ids()))
    before = rig.executor.reconciliations
    await control.drop_ws()
    await asyncio.wait_for(rig.executor.wait_reconciled(before + 1), 30)
    assert (len(rig.listener.orders), len(rig.fill_ids())) == delivered
    positions = await rig.account.positions()
    [btc] = [p for p in positions if p.instrument == BTC]
    assert btc.size > 0 and btc.leverage == D("5") and btc.marginMode is MarginMode.CROSS


async def test_cancel_all_and_the_dead_man_switch(rig: ExecRig) -> None:
    bid, _ask = rig.top()
    cids = [new_id("bulk") for _ in range(3)]
    for i, cid in enumerate(cids):
        await rig.executor.place(rig.intent(cid, OrderSide.BUY, bid - 400 - i))
    cancelled = await rig.executor.cancel_all(BTC)
    assert set(cids) <= {o.id for o in cancelled}
    assert not [o for o in await rig.executor.open_orders(BTC) if o.id in cids]
    assert await rig.executor.arm_dead_man_switch(30) is True
    assert await rig.executor.arm_dead_man_switch(0) is True


async def test_balances_and_leverage(rig: ExecRig) -> None:
    balances = {b.currency: b for b in await rig.account.balances()}
    assert "USDT" in balances and balances["USDT"].total > 0
    await rig.account.set_leverage(BTC, D("3"), MarginMode.ISOLATED)
