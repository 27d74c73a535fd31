"""Executor: idempotent order entry, private-stream updates, reconciliation without doubles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from pydantic import SecretStr

from services.engine.adapters.base import NotSupported, OrderRejected
from services.engine.adapters.okx.auth import OkxCredentials
from services.engine.adapters.okx.constants import RateLimit
from services.engine.adapters.okx.errors import OkxAuthError
from services.engine.adapters.okx.executor import OkxExecutor
from services.engine.adapters.okx.http import OkxHttpClient
from services.engine.adapters.okx.parse import cl_ord_id
from services.engine.adapters.okx.ratelimit import RateLimiter
from services.engine.core.types import OrderIntent
from services.shared.generated.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from tests.unit.engine.adapters.okx.fakes import RecordingListener, fast_config, ops_of
from tests.unit.engine.adapters.okx.venue import INST, MiniVenue

D = Decimal
CREDS = OkxCredentials(SecretStr("key"), SecretStr("secret"), SecretStr("pass"))


@dataclass
class Rig:
    venue: MiniVenue
    executor: OkxExecutor
    listener: RecordingListener

    def fill_ids(self) -> list[str]:
        return [f.id for f in self.listener.fills]


def make(venue: MiniVenue, *, limiter: RateLimiter | None = None) -> Rig:
    config = fast_config()
    http = OkxHttpClient(config, CREDS, client=venue.rest.client(), limiter=limiter)
    executor = OkxExecutor(
        config, http, CREDS, connector=venue.connector, rand=lambda: 0.0, now_secs=lambda: 1e9
    )
    listener = RecordingListener()
    executor.set_listener(listener)
    return Rig(venue, executor, listener)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made = make(MiniVenue())
    await made.executor.start()
    yield made
    await made.executor.stop()


def intent(cid: str = "bot1-ord-1", **kw: object) -> OrderIntent:
    values: dict[str, object] = {
        "bot_id": "bot1",
        "exchange": "okx",
        "instrument": INST,
        "side": OrderSide.BUY,
        "type": OrderType.LIMIT,
        "size": D("1"),
        "price": D("100.5"),
        "client_order_id": cid,
    }
    values.update(kw)
    return OrderIntent(**values)  # type: ignore[arg-type]


async def test_start_logs_in_subscribes_then_reconciles_open_orders_and_fills() -> None:
    venue = MiniVenue()
    resting = venue.add_order("resting1")
    done = venue.add_order("done1", sz="2")
    venue.fill(done, "2")
    made = make(venue)
    await made.executor.start()
    try:
        conn = venue.connector.connections[0]
        login, subscribe = conn.ops()[:2]
        assert login["op"] == "login" and login["args"][0]["apiKey"] == "key"
        assert login["args"][0]["timestamp"] == "1000000000"
        assert subscribe["op"] == "subscribe"
        assert subscribe["args"] == [{"channel": "orders", "instType": "ANY"}]
        # The resting order, and the final state of the one whose fills are new.
        assert [(o.id, o.status) for o in made.listener.orders] == [
            ("resting1", OrderStatus.OPEN),
            ("done1", OrderStatus.FILLED),
        ]
        assert made.listener.orders[0].venueOrderId == resting["ordId"]
        assert made.fill_ids() == [f"{INST}:{venue.fills[0]['tradeId']}"]
        assert made.listener.fills[0].orderId == "done1"
        assert made.executor.reconciliations == 1
    finally:
        await made.executor.stop()


async def test_pushed_order_updates_and_fills_are_delivered_once(rig: Rig) -> None:
    order = rig.venue.add_order("c1", sz="3")
    conn = rig.venue.connector.connections[-1]
    rig.venue.push_order(conn, dict(order))
    pushed = rig.venue.fill(order, "1")
    rig.venue.push_order(conn, pushed)
    rig.venue.push_order(conn, pushed)  # a duplicate push
    rig.venue.push_order(conn, dict(order, state="live", uTime="1"))  # an older state
    final = rig.venue.fill(order, "2")
    rig.venue.push_order(conn, final)
    await rig.listener.wait_for(lambda: len(rig.listener.fills) == 2)
    statuses = [o.status for o in rig.listener.orders]
    assert statuses == [OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED]
    assert rig.listener.orders[-1].filledSize == D("3")
    assert len(set(rig.fill_ids())) == 2


async def test_reconnect_reconciles_what_was_missed_and_nothing_twice(rig: Rig) -> None:
    order = rig.venue.add_order("c2", sz="3")
    conn = rig.venue.connector.connections[-1]
    rig.venue.push_order(conn, rig.venue.fill(order, "1"))
    await rig.listener.wait_for(lambda: len(rig.listener.fills) == 1)
    await conn.close()
    # While the stream is down the order fills completely; no push reaches us.
    rig.venue.fill(order, "2")
    other = rig.venue.add_order("c3")
    await rig.venue.connector.wait_connections(2)
    await asyncio.wait_for(rig.executor.wait_reconciled(2), 5)
    assert len(rig.fill_ids()) == 2 and len(set(rig.fill_ids())) == 2
    by_id = {o.id: o for o in rig.listener.orders}
    assert by_id["c2"].status is OrderStatus.FILLED and by_id["c2"].filledSize == D("3")
    assert by_id["c3"].venueOrderId == other["ordId"]
    # A third reconcile with nothing new delivers nothing.
    delivered = (len(rig.listener.orders), len(rig.listener.fills))
    await rig.executor.reconcile()
    assert (len(rig.listener.orders), len(rig.listener.fills)) == delivered


async def test_place_sends_the_mapped_client_id_and_returns_a_pending_order(rig: Rig) -> None:
    order = await rig.executor.place(intent("bot1-ord-1"))
    [request] = rig.venue.rest.calls("/api/v5/trade/order")
    body = orjson.loads(request.content)
    assert body["clOrdId"] == cl_ord_id("bot1-ord-1") and body["clOrdId"].isalnum()
    assert (body["px"], body["sz"], body["ordType"], body["tdMode"]) == (
        "100.5",
        "1",
        "limit",
        "cross",
    )
    assert request.headers["OK-ACCESS-KEY"] == "key" and request.headers["OK-ACCESS-SIGN"]
    assert order.id == "bot1-ord-1" and order.status is OrderStatus.PENDING
    assert order.venueOrderId is not None
    # Updates for it come back under the engine's id.
    stored = rig.venue.orders[order.venueOrderId]
    rig.venue.push_order(rig.venue.connector.connections[-1], dict(stored))
    await rig.listener.wait_for(lambda: any(o.id == "bot1-ord-1" for o in rig.listener.orders))


async def test_retry_after_a_lost_response_returns_the_existing_order(rig: Rig) -> None:
    rig.venue.lose_next_place_response = True
    order = await rig.executor.place(intent("retry-1"))
    assert len(rig.venue.orders) == 1
    assert order.venueOrderId == next(iter(rig.venue.orders))
    assert order.status is OrderStatus.OPEN
    # Placing the same intent again is just as safe.
    again = await rig.executor.place(intent("retry-1"))
    assert again.venueOrderId == order.venueOrderId and len(rig.venue.orders) == 1


async def test_rejection_raises_order_rejected_with_the_venue_code(rig: Rig) -> None:
    rig.venue.reject_code = "51008"
    with pytest.raises(OrderRejected) as caught:
        await rig.executor.place(intent("poor-1"))
    assert caught.value.code == "51008" and "Insufficient" in str(caught.value)


async def test_gtd_is_not_supported(rig: Rig) -> None:
    with pytest.raises(NotSupported):
        await rig.executor.place(intent("gtd-1", time_in_force=TimeInForce.GTD))


async def test_cancel_and_amend_report_the_order_afterwards(rig: Rig) -> None:
    await rig.executor.place(intent("c-amend"))
    amended = await rig.executor.amend(INST, "c-amend", price=D("99"), size=D("2"))
    assert (amended.price, amended.size) == (D("99"), D("2"))
    cancelled = await rig.executor.cancel(INST, "c-amend")
    assert cancelled.status is OrderStatus.CANCELLED
    again = await rig.executor.cancel(INST, "c-amend")  # 51400: already gone
    assert again.status is OrderStatus.CANCELLED


async def test_cancel_all_cancels_in_batches_of_twenty(rig: Rig) -> None:
    for i in range(45):
        rig.venue.add_order(f"bulk{i}")
    cancelled = await rig.executor.cancel_all()
    assert rig.venue.batch_sizes == [20, 20, 5]
    assert len(cancelled) == 45 and {o.status for o in cancelled} == {OrderStatus.CANCELLED}
    assert await rig.executor.open_orders() == []


async def test_dead_man_switch_clamps_to_what_okx_accepts() -> None:
    # No rate limits here: cancel-all-after allows one call per second.
    made = make(MiniVenue(), limiter=RateLimiter(limits={}, default=RateLimit(100, 1.0)))
    for secs in (5, 60, 300, 0):
        assert await made.executor.arm_dead_man_switch(secs) is True
    assert made.venue.cancel_all_after == ["10", "60", "120", "0"]


async def test_fills_since_pages_back_to_the_cursor_oldest_first(rig: Rig) -> None:
    order = rig.venue.add_order("many", sz="1000")
    for _ in range(250):
        rig.venue.fill(order, "1")
    fills, cursor = await rig.executor.fills_since(None)
    assert len(fills) == 250 and fills[0].ts <= fills[-1].ts
    assert cursor == rig.venue.fills[-1]["billId"]
    assert await rig.executor.fills_since(cursor) == ([], cursor)
    for _ in range(3):
        rig.venue.fill(order, "1")
    newer, cursor2 = await rig.executor.fills_since(cursor)
    assert [f.id.split(":")[1] for f in newer] == [f["tradeId"] for f in rig.venue.fills[-3:]]
    assert cursor2 == rig.venue.fills[-1]["billId"]


async def test_a_failed_login_is_retried_on_a_new_connection() -> None:
    venue = MiniVenue()
    venue.login_failures = 1
    made = make(venue)
    await made.executor.start()
    try:
        assert len(venue.connector.connections) == 2
        assert made.executor.connects == 1
        assert ops_of(venue.connector.connections[1].ops(), "subscribe")
    finally:
        await made.executor.stop()


async def test_batch_placement_reports_each_order_and_chunks_by_twenty(rig: Rig) -> None:
    intents = [intent(f"batch-{i}") for i in range(23)]
    intents[5] = intent("batch-too-big", size=D("5000"))
    intents[7] = intent("batch-gtd", time_in_force=TimeInForce.GTD)
    results = await rig.executor.place_batch(intents)
    assert len(results) == 23
    assert isinstance(results[5], OrderRejected) and results[5].code == "51008"
    assert isinstance(results[7], NotSupported)
    placed = [r for r in results if not isinstance(r, Exception)]
    assert [o.id for o in placed] == [
        i.client_order_id for j, i in enumerate(intents) if j not in (5, 7)
    ]
    calls = rig.venue.rest.calls("/api/v5/trade/batch-orders")
    assert [len(orjson.loads(c.content)) for c in calls] == [19, 3]


async def test_start_fails_when_reconciliation_is_refused_for_good() -> None:
    venue = MiniVenue()
    venue.rest.route(
        "GET",
        "/api/v5/trade/orders-pending",
        lambda r: (401, {"code": "50113", "msg": "Invalid Sign", "data": []}),
    )
    made = make(venue)
    with pytest.raises(OkxAuthError):
        await made.executor.start()
    await made.executor.stop()


async def test_transient_reconciliation_failures_are_retried() -> None:
    venue = MiniVenue()
    original = venue.rest.routes[("GET", "/api/v5/trade/orders-pending")]
    failures = iter([True, True, True, True])  # more than one request's retry budget

    def flaky(request: httpx.Request) -> Any:
        if next(failures, False):
            return (503, "<html>busy</html>")
        return original(request)

    venue.rest.route("GET", "/api/v5/trade/orders-pending", flaky)
    made = make(venue)
    await made.executor.start()
    try:
        assert made.executor.reconciliations == 1 and made.executor.reconcile_error is None
    finally:
        await made.executor.stop()
