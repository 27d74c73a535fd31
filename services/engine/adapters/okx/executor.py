"""OKX order entry over signed REST, order updates from the private WS `orders`
channel, and REST reconciliation after every (re)connect.

Idempotency: every order carries a clOrdId derived from the intent's
`client_order_id` (`parse.cl_ord_id`), so a retried placement can never make a
second order: OKX answers 51016 "duplicated clOrdId" and the executor returns
the order that exists.

Delivery: each order update goes to the listener at most once per
(uTime, state, filled size) step, never older than one already delivered, and
each fill (`<instId>:<tradeId>`) once; pushes and reconciliation share that
memory, so a reconnect delivers what was missed and nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import msgspec
import orjson

from services.engine.adapters.base import (
    ExecutionListener,
    NotSupported,
    OrderExecutor,
    VenueError,
)
from services.engine.adapters.metrics import EXEC_RECONCILED, FEED_BAD_MESSAGES
from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.account import set_leverage
from services.engine.adapters.okx.auth import OkxCredentials, ws_login_args
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.errors import (
    DUPLICATE_CL_ORD_ID,
    OkxAuthError,
    OkxOrderNotFound,
    backoff_delay,
    error_from_code,
    order_error_from_code,
    should_retry,
)
from services.engine.adapters.okx.http import OkxHttpClient, decode_data
from services.engine.adapters.okx.parse import (
    ParseError,
    cl_ord_id,
    decimal_text,
    order_id_for,
    order_request,
    parse_fill,
    parse_order,
    parse_order_fill,
    td_mode_for,
)
from services.engine.adapters.okx.ws import Connector, OkxWebSocket
from services.engine.core.order_factory import order_from_intent
from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Fill, Order
from services.shared.generated.enums import Exchange, MarginMode, OrderStatus
from services.shared.logs import get_logger

log = get_logger(__name__)

_RANK = {"live": 1, "partially_filled": 2, "filled": 3, "canceled": 3, "mmp_canceled": 3}
_OPEN_STATES = frozenset({"live", "partially_filled"})
_FINAL_RANK = 3
_ORDERS_SUB_ID = "orders"


def _bill_key(bill_id: str) -> tuple[int, str]:
    # billIds are numeric strings; compare numerically, fall back to text.
    return (int(bill_id), "") if bill_id.isdigit() else (-1, bill_id)


class OkxExecutor(OrderExecutor):
    """OrderExecutor for one OKX account (live)."""

    exchange = Exchange.OKX

    def __init__(
        self,
        config: OkxConfig,
        http: OkxHttpClient,
        credentials: OkxCredentials,
        *,
        rand: Callable[[], float] = random.random,
        connector: Connector | None = None,
        now_secs: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._http = http
        self._creds = credentials
        self._now_secs = now_secs
        self._rand = rand
        self._listener: ExecutionListener | None = None
        self._ws = OkxWebSocket(
            config.ws_private_url,
            name="private",
            config=config,
            handler=self.on_raw,
            on_open=self._on_open,
            on_close=self._on_close,
            rand=rand,
            connector=connector,
        )
        self._orders_decoder = msgspec.json.Decoder(list[w.Order])
        self._envelope_decoder = msgspec.json.Decoder(w.WsEnvelope)
        # clOrdId -> engine client order id
        self._engine_ids: dict[str, str] = {}
        # ordId -> (uTime, rank, accFillSz) of the last update delivered
        self._delivered: dict[str, tuple[int, int, Decimal]] = {}
        # ordId -> (instId, clOrdId) of orders last seen open
        self._open: dict[str, tuple[str, str]] = {}
        self._seen_fills: OrderedDict[str, None] = OrderedDict()
        self._fill_cursor: str | None = None
        self._login: asyncio.Future[None] | None = None
        self._subscribed: asyncio.Future[None] | None = None
        self._reconcile_task: asyncio.Task[None] | None = None
        self._leverage: dict[tuple[str, str], Decimal] = {}
        self._started = False
        self._reconciled = asyncio.Condition()
        self.reconciliations = 0
        # Set when a reconciliation failed for good (not retryable); None after a success.
        self.reconcile_error: Exception | None = None

    # -- lifecycle ------------------------------------------------------------------------
    def set_listener(self, listener: ExecutionListener) -> None:
        """Where order updates and fills go."""
        self._listener = listener

    def remember(self, client_order_ids: Iterable[str]) -> None:
        """Teach the executor engine ids it placed earlier (after a restart)."""
        for cid in client_order_ids:
            self._engine_ids[cl_ord_id(cid)] = cid

    async def start(self) -> None:
        """Log in, subscribe to `orders`, and reconcile open orders and recent fills."""
        if self._started:
            return
        self._started = True
        self._http.retain()
        await self._ws.start()
        timeout = self._config.ws_open_timeout_secs + 2 * self._config.login_timeout_secs
        await self._ws.wait_open(timeout)
        task = self._reconcile_task
        if task is not None:
            await asyncio.shield(task)
        if self.reconcile_error is not None:
            raise self.reconcile_error

    async def stop(self) -> None:
        """Disconnect (resting orders stay)."""
        if not self._started:
            return
        self._started = False
        await self._ws.stop()
        task, self._reconcile_task = self._reconcile_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        await self._http.release()

    async def wait_reconciled(self, count: int) -> None:
        """Wait until `count` reconciliations have completed (one per (re)connect)."""
        async with self._reconciled:
            await self._reconciled.wait_for(lambda: self.reconciliations >= count)

    @property
    def connects(self) -> int:
        """How many times the private stream has been (re)established."""
        return self._ws.connects

    # -- private stream ----------------------------------------------------------------------
    async def _on_open(self) -> None:
        loop = asyncio.get_running_loop()
        timeout = self._config.login_timeout_secs
        self._login = loop.create_future()
        login = {
            "op": "login",
            "args": [ws_login_args(self._creds, timestamp_secs=int(self._now_secs()))],
        }
        await self._ws.send(orjson.dumps(login))
        async with asyncio.timeout(timeout):
            await self._login
        self._subscribed = loop.create_future()
        subscribe = {
            "id": _ORDERS_SUB_ID,
            "op": "subscribe",
            "args": [{"channel": c.CH_ORDERS, "instType": "ANY"}],
        }
        await self._ws.send(orjson.dumps(subscribe))
        async with asyncio.timeout(timeout):
            await self._subscribed
        # Subscribed first, then reconciled: nothing can fall between the two.
        self._reconcile_task = asyncio.create_task(self._reconcile_until_done())

    def _on_close(self, reason: str) -> None:
        for waiter in (self._login, self._subscribed):
            if waiter is not None and not waiter.done():
                waiter.set_exception(ConnectionError(reason))
        task = self._reconcile_task
        if task is not None and not task.done():
            task.cancel()

    async def _reconcile_until_done(self) -> None:
        attempt = 0
        while True:
            try:
                await self.reconcile()
                self.reconcile_error = None
                return
            except Exception as exc:
                if not should_retry(exc):
                    # Keys refused, a bug, ...: retrying will not help; say so and stop.
                    self.reconcile_error = exc
                    log.error("okx.exec.reconcile_gave_up", error=f"{type(exc).__name__}: {exc}")
                    return
                delay = backoff_delay(
                    attempt,
                    initial_secs=self._config.reconnect_initial_delay_secs,
                    max_secs=self._config.reconnect_max_delay_secs,
                    jitter_ratio=self._config.reconnect_jitter_ratio,
                    rand=self._rand,
                )
                attempt += 1
                log.warning("okx.exec.reconcile_failed", error=str(exc), retry_in_secs=delay)
                await asyncio.sleep(delay)

    def on_raw(self, raw: bytes) -> None:
        """Handle one private-stream frame; never raises."""
        try:
            env = self._envelope_decoder.decode(raw)
        except msgspec.DecodeError as exc:
            self._bad("malformed", str(exc), raw)
            return
        try:
            if env.event is not None:
                self._on_event(env, raw)
            elif env.arg is not None and env.arg.channel == c.CH_ORDERS and env.data:
                for wire in self._orders_decoder.decode(env.data):
                    self._on_order_wire(wire, from_stream=True)
            else:
                self._bad("unknown", "unexpected private message", raw)
        except (msgspec.DecodeError, ParseError, ValueError, ArithmeticError) as exc:
            self._bad("invalid", f"{type(exc).__name__}: {exc}", raw)
        except Exception as exc:
            self._bad("error", f"{type(exc).__name__}: {exc}", raw)

    def _on_event(self, env: w.WsEnvelope, raw: bytes) -> None:
        event, code = env.event, str(env.code)
        if event == "login":
            if self._login is not None and not self._login.done():
                if code in ("", "0"):
                    self._login.set_result(None)
                else:
                    self._login.set_exception(OkxAuthError(code, env.msg))
        elif event == "subscribe":
            if self._subscribed is not None and not self._subscribed.done():
                self._subscribed.set_result(None)
        elif event == "error":
            self._bad("venue_error", f"{code} {env.msg}", raw)
            err = error_from_code(code, env.msg)
            for waiter in (self._login, self._subscribed):
                if waiter is not None and not waiter.done():
                    waiter.set_exception(err)
                    break
        elif event in ("notice",):
            log.warning("okx.exec.notice", code=code, msg=env.msg)
            self._ws.drop("service upgrade notice")
        elif event not in ("unsubscribe", "channel-conn-count", "channel-conn-count-error"):
            self._bad("unknown_event", f"event {event!r}", raw)

    def _bad(self, reason: str, detail: str, raw: bytes) -> None:
        FEED_BAD_MESSAGES.labels(exchange=c.VENUE, reason=f"private_{reason}").inc()
        log.warning("okx.exec.bad_message", reason=reason, detail=detail[:300], raw=raw[:300])

    # -- delivery -----------------------------------------------------------------------------
    def _engine_id(self, cl_id: str, ord_id: str) -> str:
        return order_id_for(ord_id, cl_id, self._engine_ids)

    def _on_order_wire(self, wire: w.Order, *, from_stream: bool) -> Order | None:
        """Deliver an order (and the fill a push carries) unless already delivered."""
        order = parse_order(wire, order_id=self._engine_id(wire.clOrdId, wire.ordId))
        if wire.state in _OPEN_STATES:
            self._open[wire.ordId] = (wire.instId, wire.clOrdId)
        else:
            self._open.pop(wire.ordId, None)
        listener = self._listener
        if listener is None:
            return order
        key = (order.updatedTs, _RANK.get(wire.state, 0), order.filledSize)
        last = self._delivered.get(wire.ordId)
        if last is None or key > last:
            self._delivered[wire.ordId] = key
            if not from_stream:
                EXEC_RECONCILED.labels(exchange=c.VENUE, kind="order").inc()
            listener.on_order(order)
        fill = parse_order_fill(wire, order_id=order.id) if from_stream else None
        if fill is not None:
            self._deliver_fill(fill, from_stream=True)
        return order

    def _deliver_fill(self, fill: Fill, *, from_stream: bool) -> None:
        listener = self._listener
        if listener is None or fill.id in self._seen_fills:
            return
        self._seen_fills[fill.id] = None
        while len(self._seen_fills) > self._config.seen_fills_max:
            self._seen_fills.popitem(last=False)
        if not from_stream:
            EXEC_RECONCILED.labels(exchange=c.VENUE, kind="fill").inc()
        listener.on_fill(fill)

    async def reconcile(self) -> None:
        """Deliver what the stream may have missed: open orders, orders that ended
        unseen (tracked as open, or with new fills), and fills since the last cursor."""
        pending = await self._pending_wire(None)
        still_open = set()
        for wire in pending:
            still_open.add(wire.ordId)
            self._reconcile_order(wire)
        fills, cursor = await self.fills_since(self._fill_cursor)
        to_check = {ord_id: inst for ord_id, (inst, _cl) in self._open.items()}
        for fill in fills:
            venue_id = fill.venueOrderId or ""
            last = self._delivered.get(venue_id)
            if venue_id and (last is None or last[1] < _FINAL_RANK):
                to_check.setdefault(venue_id, fill.instrument)
        for ord_id, inst_id in to_check.items():
            if ord_id in still_open:
                continue
            ended = await self._order_wire(inst_id, ord_id=ord_id)
            if ended is not None:
                self._reconcile_order(ended)
            else:
                self._open.pop(ord_id, None)
        for fill in fills:
            self._deliver_fill(fill, from_stream=False)
        self._fill_cursor = cursor
        self.reconciliations += 1
        async with self._reconciled:
            self._reconciled.notify_all()
        log.info("okx.exec.reconciled", open_orders=len(pending), fills=len(fills), cursor=cursor)

    def _reconcile_order(self, wire: w.Order) -> None:
        try:
            self._on_order_wire(wire, from_stream=False)
        except ParseError as exc:
            # An order type this adapter does not model (e.g. mmp): skip, do not stall.
            self._open.pop(wire.ordId, None)
            log.warning("okx.exec.order_skipped", ord_id=wire.ordId, reason=str(exc))

    # -- REST reads ------------------------------------------------------------------------------
    async def _pending_wire(self, instrument: str | None) -> list[w.Order]:
        out: list[w.Order] = []
        after: str | None = None
        while True:
            envelope = await self._http.get(
                c.PATH_ORDERS_PENDING,
                {"instId": instrument, "after": after, "limit": c.PAGE_LIMIT},
                signed=True,
            )
            page = decode_data(envelope, w.Order)
            out.extend(page)
            if len(page) < c.PAGE_LIMIT:
                return out
            after = page[-1].ordId

    async def _order_wire(
        self, instrument: str, *, ord_id: str | None = None, cl_id: str | None = None
    ) -> w.Order | None:
        try:
            envelope = await self._http.get(
                c.PATH_ORDER_DETAILS,
                {"instId": instrument, "ordId": ord_id, "clOrdId": cl_id},
                signed=True,
            )
        except OkxOrderNotFound:
            return None
        items = decode_data(envelope, w.Order)
        return items[0] if items else None

    async def _fetch(self, instrument: str, cl_id: str) -> Order:
        wire = await self._order_wire(instrument, cl_id=cl_id)
        if wire is None:
            raise OkxOrderNotFound("51603", f"order {cl_id} does not exist")
        order = self._on_order_wire(wire, from_stream=False)
        assert order is not None
        return order

    async def open_orders(self, instrument: str | None = None) -> list[Order]:
        """Orders resting at OKX now (all pages)."""
        out = []
        for wire in await self._pending_wire(instrument):
            try:
                out.append(parse_order(wire, order_id=self._engine_id(wire.clOrdId, wire.ordId)))
            except ParseError as exc:
                log.warning("okx.exec.order_skipped", ord_id=wire.ordId, reason=str(exc))
        return out

    async def fills_since(self, cursor: str | None) -> tuple[list[Fill], str | None]:
        """Fills with a billId after `cursor`, oldest first, and the newest billId.

        Pages backwards from the newest fill (`after` = older than) until the
        cursor is reached; without a cursor, at most `fills_max_pages` pages.
        """
        collected: list[w.Fill] = []
        newest: str | None = None
        after: str | None = None
        stop_key = _bill_key(cursor) if cursor else None
        for _ in range(self._config.fills_max_pages):
            envelope = await self._http.get(
                c.PATH_FILLS, {"after": after, "limit": c.PAGE_LIMIT}, signed=True
            )
            page = sorted(
                decode_data(envelope, w.Fill), key=lambda f: _bill_key(f.billId), reverse=True
            )
            if not page:
                break
            if newest is None:
                newest = page[0].billId
            reached = False
            for item in page:
                if stop_key is not None and _bill_key(item.billId) <= stop_key:
                    reached = True
                    break
                collected.append(item)
            if reached or len(page) < c.PAGE_LIMIT:
                break
            after = page[-1].billId
        fills = []
        for item in reversed(collected):
            try:
                fills.append(parse_fill(item, order_id=self._engine_id(item.clOrdId, item.ordId)))
            except (ParseError, ValueError) as exc:
                log.warning("okx.exec.fill_skipped", trade_id=item.tradeId, reason=str(exc))
        return fills, newest or cursor

    # -- REST writes -----------------------------------------------------------------------------
    async def place(self, intent: OrderIntent) -> Order:
        """Place an order; a retry of the same intent returns the existing order."""
        body, td_mode = await self._prepare(intent)
        envelope = await self._http.post(c.PATH_PLACE_ORDER, body, inst_id=intent.instrument)
        result = await self._placed(intent, td_mode, self._single_ack(envelope), envelope.msg)
        if isinstance(result, Exception):
            raise result
        return result

    async def place_batch(self, intents: list[OrderIntent]) -> list[Order | VenueError]:
        """Place several orders (POST batch-orders, 20 per request), each as `place` would.

        Returns one result per intent, in order: the Order, or the error that
        refused it (a refusal of one order does not stop the others).
        """
        results: list[Order | VenueError] = []
        for start in range(0, len(intents), c.BATCH_MAX_ORDERS):
            chunk = intents[start : start + c.BATCH_MAX_ORDERS]
            prepared: list[tuple[int, OrderIntent, dict[str, Any], str]] = []
            outcome: dict[int, Order | VenueError] = {}
            for i, intent in enumerate(chunk):
                try:
                    body, td_mode = await self._prepare(intent)
                except VenueError as exc:
                    outcome[i] = exc
                    continue
                prepared.append((i, intent, body, td_mode))
            if prepared:
                envelope = await self._http.post(
                    c.PATH_BATCH_ORDERS, [p[2] for p in prepared], cost=len(prepared)
                )
                acks = {a.clOrdId: a for a in decode_data(envelope, w.OrderAck)}
                for index, intent, body, td_mode in prepared:
                    ack = acks.get(body["clOrdId"])
                    if ack is None:
                        outcome[index] = VenueError(
                            f"okx {envelope.code}: no result for {intent.client_order_id}",
                            code=str(envelope.code),
                        )
                        continue
                    outcome[index] = await self._placed(intent, td_mode, ack, envelope.msg)
            results.extend(outcome[i] for i in range(len(chunk)))
        return results

    async def _prepare(self, intent: OrderIntent) -> tuple[dict[str, Any], str]:
        cl_id = cl_ord_id(intent.client_order_id)
        self._engine_ids[cl_id] = intent.client_order_id
        td_mode = td_mode_for(intent, default_derivatives=self._config.default_td_mode)
        try:
            body = order_request(intent, cl_id=cl_id, td_mode=td_mode)
        except ParseError as exc:
            raise NotSupported(f"okx: {exc}") from exc
        if intent.leverage is not None and td_mode != "cash":
            await self._ensure_leverage(intent.instrument, intent.leverage, td_mode)
        return body, td_mode

    async def _placed(
        self, intent: OrderIntent, td_mode: str, ack: w.OrderAck, envelope_msg: str
    ) -> Order | VenueError:
        cl_id = cl_ord_id(intent.client_order_id)
        code = str(ack.sCode)
        if code == DUPLICATE_CL_ORD_ID:
            # An earlier attempt of this intent went through: return that order.
            log.info("okx.exec.place_duplicate", client_order_id=intent.client_order_id)
            return await self._fetch(intent.instrument, cl_id)
        if code != "0":
            return order_error_from_code(code, ack.sMsg or envelope_msg)
        if ack.ordId:
            # Tracked as open until a report says otherwise: if it ends while the
            # stream is down, reconciliation fetches its final state.
            self._open[ack.ordId] = (intent.instrument, cl_id)
        ts = int(ack.ts) if ack.ts.isdigit() else int(self._now_secs() * 1000)
        return order_from_intent(
            intent,
            exchange=Exchange.OKX,
            paper=False,
            ts_ms=ts,
            venue_order_id=ack.ordId or None,
            margin_mode=MarginMode(td_mode),
        )

    async def cancel(self, instrument: str, client_order_id: str) -> Order:
        """Cancel by client order id; returns the order as OKX reports it afterwards."""
        cl_id = cl_ord_id(client_order_id)
        envelope = await self._http.post(
            c.PATH_CANCEL_ORDER, {"instId": instrument, "clOrdId": cl_id}, inst_id=instrument
        )
        ack = self._single_ack(envelope)
        code = str(ack.sCode)
        if code != "0":
            err = order_error_from_code(code, ack.sMsg or envelope.msg)
            if not isinstance(err, OkxOrderNotFound):
                raise err
            # Already filled or cancelled: report what it is (or raise if unknown).
        return await self._fetch(instrument, cl_id)

    async def amend(
        self,
        instrument: str,
        client_order_id: str,
        *,
        price: Decimal | None = None,
        size: Decimal | None = None,
    ) -> Order:
        """Change price and/or size in place (OKX amend-order)."""
        if price is None and size is None:
            raise ValueError("amend needs a new price or a new size")
        cl_id = cl_ord_id(client_order_id)
        body: dict[str, Any] = {"instId": instrument, "clOrdId": cl_id}
        if price is not None:
            body["newPx"] = decimal_text(price)
        if size is not None:
            body["newSz"] = decimal_text(size)
        envelope = await self._http.post(c.PATH_AMEND_ORDER, body, inst_id=instrument)
        ack = self._single_ack(envelope)
        code = str(ack.sCode)
        if code != "0":
            raise order_error_from_code(code, ack.sMsg or envelope.msg)
        return await self._fetch(instrument, cl_id)

    async def cancel_all(self, instrument: str | None = None) -> list[Order]:
        """Cancel every pending order (batches of 20); return those OKX accepted to cancel."""
        pending = await self._pending_wire(instrument)
        cancelled: list[Order] = []
        for start in range(0, len(pending), c.BATCH_MAX_ORDERS):
            chunk = pending[start : start + c.BATCH_MAX_ORDERS]
            body = [{"instId": o.instId, "ordId": o.ordId} for o in chunk]
            envelope = await self._http.post(c.PATH_CANCEL_BATCH, body, cost=len(body))
            acks = {a.ordId: a for a in decode_data(envelope, w.OrderAck)}
            for wire in chunk:
                ack = acks.get(wire.ordId)
                if ack is None or str(ack.sCode) != "0":
                    if ack is not None:
                        log.info(
                            "okx.exec.cancel_all_skip",
                            ord_id=wire.ordId,
                            code=str(ack.sCode),
                            msg=ack.sMsg,
                        )
                    continue
                try:
                    order = parse_order(wire, order_id=self._engine_id(wire.clOrdId, wire.ordId))
                except ParseError:
                    continue
                cancelled.append(order.model_copy(update={"status": OrderStatus.CANCELLED}))
        return cancelled

    async def arm_dead_man_switch(self, timeout_secs: float) -> bool:
        """Arm (or refresh) cancel-all-after; 0 disarms. OKX accepts 10..120 s."""
        if timeout_secs <= 0:
            seconds = 0
        else:
            seconds = min(
                c.CANCEL_ALL_AFTER_MAX_SECS, max(c.CANCEL_ALL_AFTER_MIN_SECS, round(timeout_secs))
            )
        envelope = await self._http.post(c.PATH_CANCEL_ALL_AFTER, {"timeOut": str(seconds)})
        decode_data(envelope, w.CancelAllAfterAck)
        return True

    async def _ensure_leverage(self, instrument: str, leverage: Decimal, td_mode: str) -> None:
        key = (instrument, td_mode)
        if self._leverage.get(key) == leverage:
            return
        await set_leverage(self._http, instrument, leverage, MarginMode(td_mode))
        self._leverage[key] = leverage

    @staticmethod
    def _single_ack(envelope: w.RestEnvelope) -> w.OrderAck:
        acks = decode_data(envelope, w.OrderAck)
        if not acks:
            raise VenueError(
                f"okx {envelope.code}: {envelope.msg or 'empty order response'}",
                code=str(envelope.code),
            )
        return acks[0]
