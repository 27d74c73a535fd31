"""The WebSocket side: connections, subscribe/login ops, and every push (§B.5).

Transport-free: the ASGI endpoint (app.py) feeds received text to `WsHub.handle_text` and
drains each `Connection.queue` to the socket. All methods are synchronous and run on the
simulator's event loop, so pushes keep the order in which the exchange produced them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import orjson

from services.sim.okx import auth, errors, parse
from services.sim.okx import constants as c
from services.sim.okx.auth import Credentials
from services.sim.okx.book import Side
from services.sim.okx.checksum import book_checksum
from services.sim.okx.config import ChecksumMode
from services.sim.okx.decimals import fmt
from services.sim.okx.errors import ErrorSpec, OkxError
from services.sim.okx.exchange import Exchange
from services.sim.okx.instruments import Instrument
from services.sim.okx.schemas import PositionWire, WsOrderWire, WsTradeWire, encode

PUBLIC_CHANNELS = frozenset(
    {"books", "books5", "bbo-tbt", "tickers", "trades", "funding-rate", "mark-price"}
)
VIP_BOOK_CHANNELS = frozenset({"books-l2-tbt", "books50-l2-tbt"})  # VIP4+ only (64003)
PRIVATE_CHANNELS = frozenset({"orders", "positions", "account"})
PRIVATE_INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION", "ANY"})
TRADE_OPS = frozenset(
    {
        "order",
        "batch-orders",
        "cancel-order",
        "batch-cancel-orders",
        "amend-order",
        "batch-amend-orders",
    }
)
FaultKind = Literal["checksum", "gap", "reset"]
Level = list[str]
Top = tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]  # (bids, asks) best first


@dataclass(frozen=True, slots=True)
class CloseFrame:
    """Ask the connection's writer to close the socket."""

    code: int
    reason: str


@dataclass(eq=False)
class Connection:
    """One client socket: its outgoing queue, login state and subscriptions."""

    conn_id: str
    private: bool
    queue: asyncio.Queue[str | CloseFrame]
    subs: dict[str, dict[str, str]] = field(default_factory=dict)
    logged_in: bool = False
    closing: bool = False
    last_sent: float = field(default_factory=time.monotonic)

    def send(self, text: str) -> None:
        """Queue one text frame; a client that stops reading is cut off (close 4005)."""
        if self.closing:
            return
        if self.queue.qsize() >= c.WS_SEND_QUEUE_MAX:
            self.close(c.WS_BUFFER_FULL_CLOSE_CODE, "Buffer is full, cannot write data")
            return
        self.queue.put_nowait(text)
        self.last_sent = time.monotonic()

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame after whatever is already queued."""
        if self.closing:
            return
        self.closing = True
        self.queue.put_nowait(CloseFrame(code, reason))


@dataclass(slots=True)
class PublishedBook:
    """What `books` subscribers have been sent for one instrument: their view of the book."""

    bids: dict[Decimal, Level]
    asks: dict[Decimal, Level]
    seq_id: int
    ts: int
    checksum: int
    last_change: float
    top5: Top | None = None  # what `books5` last sent
    bbo: Top | None = None  # what `bbo-tbt` last sent
    faults: deque[FaultKind] = field(default_factory=deque)

    def sorted_levels(self) -> tuple[list[Level], list[Level]]:
        """Published bids (descending) and asks (ascending)."""
        bids = [self.bids[p] for p in sorted(self.bids, reverse=True)]
        asks = [self.asks[p] for p in sorted(self.asks)]
        return bids, asks


def _text(obj: object) -> str:
    return encode(obj).decode("utf-8")


def _sub_key(arg: dict[str, str]) -> str:
    return "|".join(f"{k}={arg[k]}" for k in sorted(arg))


class WsHub:
    """All WebSocket connections of one simulator and everything pushed to them."""

    def __init__(
        self,
        exchange: Exchange,
        credentials: Credentials,
        *,
        seed: int,
        checksum_mode: ChecksumMode,
        idle_timeout_secs: float,
        auth_window_secs: int,
        wall_secs: Callable[[], float] = time.time,
    ) -> None:
        self.exchange = exchange
        self.credentials = credentials
        self.checksum_mode: ChecksumMode = checksum_mode
        self.idle_timeout_secs = idle_timeout_secs
        self.auth_window_secs = auth_window_secs
        self._wall_secs = wall_secs
        self._rng = random.Random(f"{seed}:ws")
        self.connections: set[Connection] = set()
        self._pending_positions: dict[str, tuple[Instrument, PositionWire]] = {}
        self._dirty_ccys: set[str] = set()
        self._last_ticker: dict[str, tuple[str, ...]] = {}
        self._last_mark: dict[str, str] = {}
        self._last_funding_push = time.monotonic()
        self.books: dict[str, PublishedBook] = {}
        now = exchange.clock.now_ms()
        for inst_id in sorted(exchange.instruments):
            self.books[inst_id] = PublishedBook(
                bids={},
                asks={},
                seq_id=self._rng.randrange(10**9, 2 * 10**9),
                ts=now,
                checksum=0,
                last_change=time.monotonic(),
            )
            self._publish_book(exchange.instruments[inst_id], send=False)

    # =============================================================================================
    # connections
    # =============================================================================================
    def connect(self, *, private: bool) -> Connection:
        """Register a new socket."""
        conn = Connection(
            conn_id=f"{self._rng.getrandbits(32):08x}",
            private=private,
            queue=asyncio.Queue(),
        )
        self.connections.add(conn)
        return conn

    def disconnect(self, conn: Connection) -> None:
        """Forget a socket."""
        conn.closing = True
        self.connections.discard(conn)

    def drop_all(self, code: int = c.WS_DROP_CLOSE_CODE, reason: str = "") -> int:
        """Close every connection (fault injection); return how many were open."""
        count = 0
        for conn in list(self.connections):
            if not conn.closing:
                conn.close(code, reason)
                count += 1
        return count

    # =============================================================================================
    # inbound
    # =============================================================================================
    def handle_text(self, conn: Connection, text: str) -> None:
        """Process one text frame from a client."""
        if text == "ping":
            conn.send("pong")
            return
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            self._error(conn, errors.WS_INVALID_REQUEST, None, text)
            return
        if not isinstance(message, dict):
            self._error(conn, errors.WS_INVALID_REQUEST, None, text)
            return
        raw_id = message.get("id")
        req_id = raw_id if isinstance(raw_id, str) else None
        op = message.get("op")
        args = message.get("args")
        if not isinstance(op, str) or not op:
            self._error(conn, errors.WS_INVALID_REQUEST, req_id, text)
            return
        if op == "login":
            self._login(conn, args, req_id)
        elif op in ("subscribe", "unsubscribe"):
            if not isinstance(args, list) or not args or not all(isinstance(a, dict) for a in args):
                self._error(conn, errors.WS_INVALID_REQUEST, req_id, text)
                return
            for arg in args:
                self._subscription(conn, op, arg, req_id, text)
        elif op in TRADE_OPS:
            self._trade_op(conn, op, args, req_id)
        else:
            self._error(conn, errors.WS_INVALID_OP, req_id, op)

    def _error(
        self, conn: Connection, spec: ErrorSpec, req_id: str | None, *params: object
    ) -> None:
        out: dict[str, object] = {}
        if req_id is not None:
            out["id"] = req_id
        out.update(
            {
                "event": "error",
                "code": spec.code,
                "msg": spec.format(*params),
                "connId": conn.conn_id,
            }
        )
        conn.send(_text(out))

    def _login(self, conn: Connection, args: object, req_id: str | None) -> None:
        if not conn.private:
            self._error(conn, errors.WS_OP_WRONG_URL, req_id)
            return
        if conn.logged_in:
            self._error(conn, errors.WS_REPEATED_LOGIN, req_id)
            return
        if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], dict):
            self._error(conn, errors.WS_INVALID_ARGS, req_id)
            return
        failure = auth.check_ws_login(
            args[0], self.credentials, now_secs=self._wall_secs(), window_secs=self.auth_window_secs
        )
        if failure is not None:
            self._error(conn, failure, req_id)
            return
        conn.logged_in = True
        out: dict[str, object] = {}
        if req_id is not None:
            out["id"] = req_id
        out.update({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id})
        conn.send(_text(out))

    def _subscription(
        self, conn: Connection, op: str, raw: dict[str, object], req_id: str | None, text: str
    ) -> None:
        arg = {k: v for k, v in raw.items() if isinstance(v, str)}
        channel = arg.get("channel", "")
        if not channel:
            self._error(conn, errors.WS_INVALID_REQUEST, req_id, text)
            return
        if op == "subscribe":
            failure = self._validate(conn, arg)
            if failure is not None:
                spec, detail = failure
                self._error(conn, spec, req_id, detail)
                return
        ack: dict[str, object] = {}
        if req_id is not None:
            ack["id"] = req_id
        ack.update({"event": op, "arg": arg, "connId": conn.conn_id})
        key = _sub_key(arg)
        if op == "unsubscribe":
            conn.subs.pop(key, None)
            conn.send(_text(ack))
            return
        conn.subs[key] = arg
        conn.send(_text(ack))
        self._initial_push(conn, arg)

    def _validate(self, conn: Connection, arg: dict[str, str]) -> tuple[ErrorSpec, str] | None:
        """Return (error, formatted detail) for a subscription OKX would refuse."""
        channel = arg["channel"]
        described = ",".join(f"{k}:{v}" for k, v in arg.items())
        if conn.private and not conn.logged_in:
            return errors.WS_LOGIN_REQUIRED, ""
        if channel in VIP_BOOK_CHANNELS and not conn.private:
            return errors.WS_VIP_REQUIRED, ""
        if not conn.private and channel in PUBLIC_CHANNELS:
            inst = self.exchange.instruments.get(arg.get("instId", ""))
            if inst is None:
                return errors.WS_CHANNEL_UNKNOWN, described
            if channel == "funding-rate" and inst.inst_type != "SWAP":
                return errors.WS_CHANNEL_UNKNOWN, described
            return None
        if conn.private and channel in PRIVATE_CHANNELS:
            if channel == "account":
                return None
            if arg.get("instType", "") not in PRIVATE_INST_TYPES:
                return errors.WS_CHANNEL_UNKNOWN, described
            return None
        return errors.WS_CHANNEL_UNKNOWN, described

    def _initial_push(self, conn: Connection, arg: dict[str, str]) -> None:
        channel = arg["channel"]
        inst = self.exchange.instruments.get(arg.get("instId", ""))
        if channel == "books" and inst is not None:
            conn.send(self._books_message(inst, "snapshot"))
        elif channel == "books5" and inst is not None:
            conn.send(self._top_message(inst, "books5", c.BOOKS5_DEPTH))
        elif channel == "bbo-tbt" and inst is not None:
            conn.send(self._top_message(inst, "bbo-tbt", 1))
        elif channel == "tickers" and inst is not None:
            conn.send(
                _text({"arg": _public_arg("tickers", inst), "data": [self.exchange.ticker(inst)]})
            )
        elif channel == "mark-price" and inst is not None:
            inst_type = inst.inst_type if inst.is_derivative else "MARGIN"
            mark = self.exchange.mark_wire(inst, inst_type)
            conn.send(_text({"arg": _public_arg("mark-price", inst), "data": [mark]}))
        elif channel == "funding-rate" and inst is not None:
            funding = self.exchange.funding_wire(inst)
            conn.send(_text({"arg": _public_arg("funding-rate", inst), "data": [funding]}))
        elif channel == "positions":
            rows = [
                w for w in self.exchange.positions() if _private_match(arg, w.inst_type, w.inst_id)
            ]
            conn.send(self._paged(arg, "snapshot", rows))
        elif channel == "account":
            ccys = [arg["ccy"]] if arg.get("ccy") else None
            conn.send(self._paged(arg, "snapshot", [self.exchange.balance_wire(ccys)]))

    def _paged(self, arg: dict[str, str], event_type: str, data: list[Any]) -> str:
        out: dict[str, object] = {"arg": self._private_arg(arg), "eventType": event_type}
        if event_type == "snapshot":
            out.update({"curPage": 1, "lastPage": True})
        out["data"] = data
        return _text(out)

    def _private_arg(self, arg: dict[str, str]) -> dict[str, str]:
        out = {k: v for k, v in arg.items() if k != "extraParams"}
        out["uid"] = self.exchange.uid
        return out

    def _trade_op(self, conn: Connection, op: str, args: object, req_id: str | None) -> None:
        """WS order entry (§B.5.6): same rules and results as REST, answered on the socket."""
        if not conn.private:
            self._error(conn, errors.WS_OP_WRONG_URL, req_id)
            return
        if not conn.logged_in:
            self._error(conn, errors.WS_LOGIN_REQUIRED, req_id)
            return
        in_time = str(self.exchange.clock.wall_us())
        code, msg, data = "0", "", []
        try:
            items = parse.as_list(args, c.MAX_BATCH_ORDERS, errors.MAX_BATCH)
            if not op.startswith("batch") and len(items) != 1:
                raise OkxError(errors.PARAM_ERROR, "args")
            results: list[Any] = []
            for item in items:
                try:
                    if op in ("order", "batch-orders"):
                        results.append(self.exchange.place(parse.place_order(item)))
                    elif op in ("cancel-order", "batch-cancel-orders"):
                        results.append(self.exchange.cancel(parse.order_ref(item)))
                    else:
                        results.append(self.exchange.amend(parse.amend_order(item)))
                except OkxError as exc:
                    results.append(
                        {
                            "clOrdId": "",
                            "ordId": "",
                            "ts": str(self.exchange.clock.now_ms()),
                            "sCode": exc.code,
                            "sMsg": exc.msg,
                        }
                    )
            data = results
            failed = sum(1 for r in results if _s_code(r) != "0")
            if failed == len(results):
                code, msg = errors.ALL_FAILED.code, errors.ALL_FAILED.msg
            elif failed:
                code, msg = errors.PARTIAL.code, errors.PARTIAL.msg
        except OkxError as exc:
            code, msg, data = exc.code, exc.msg, []
        conn.send(
            _text(
                {
                    "id": req_id or "",
                    "op": op,
                    "code": code,
                    "msg": msg,
                    "data": data,
                    "inTime": in_time,
                    "outTime": str(self.exchange.clock.wall_us()),
                }
            )
        )

    # =============================================================================================
    # EventSink (called by the exchange)
    # =============================================================================================
    def order_update(self, inst: Instrument, wire: WsOrderWire) -> None:
        """Push an order update to matching `orders` subscriptions."""
        text: str | None = None
        for conn, arg in self._private_subs("orders"):
            if _private_match(arg, inst.inst_type, inst.inst_id):
                text = text or _text({"arg": self._private_arg(arg), "data": [wire]})
                conn.send(text)

    def position_update(self, inst: Instrument, wire: PositionWire) -> None:
        """Coalesce a position change until `flush`."""
        self._pending_positions[wire.pos_id] = (inst, wire)

    def account_dirty(self, ccys: Iterable[str]) -> None:
        """Remember changed currencies until `flush`."""
        self._dirty_ccys.update(ccy for ccy in ccys if ccy)

    def public_trades(self, inst: Instrument, trades: list[WsTradeWire]) -> None:
        """Push prints to `trades` subscribers, one message per aggregated trade."""
        conns = self._public_subs("trades", inst.inst_id)
        for trade in trades:
            text = _text({"arg": _public_arg("trades", inst), "data": [trade]})
            for conn in conns:
                conn.send(text)

    def funding_changed(self, inst: Instrument) -> None:
        """Push the new funding state to `funding-rate` subscribers."""
        self._push_funding(inst)

    def flush(self) -> None:
        """Deliver coalesced `positions` and `account` updates."""
        if self._pending_positions:
            pending = list(self._pending_positions.values())
            self._pending_positions.clear()
            for conn, arg in self._private_subs("positions"):
                rows = [
                    w for inst, w in pending if _private_match(arg, inst.inst_type, inst.inst_id)
                ]
                if rows:
                    conn.send(self._paged(arg, "event_update", rows))
        if self._dirty_ccys:
            dirty = self._dirty_ccys
            self._dirty_ccys = set()
            for conn, arg in self._private_subs("account"):
                if arg.get("ccy") and arg["ccy"] not in dirty:
                    continue
                ccys = [arg["ccy"]] if arg.get("ccy") else None
                conn.send(self._paged(arg, "event_update", [self.exchange.balance_wire(ccys)]))

    def _private_subs(self, channel: str) -> list[tuple[Connection, dict[str, str]]]:
        return [
            (conn, arg)
            for conn in self.connections
            if conn.private and conn.logged_in and not conn.closing
            for arg in conn.subs.values()
            if arg.get("channel") == channel
        ]

    def _public_subs(self, channel: str, inst_id: str) -> list[Connection]:
        return [
            conn
            for conn in self.connections
            if not conn.private
            and not conn.closing
            and any(
                a.get("channel") == channel and a.get("instId") == inst_id
                for a in conn.subs.values()
            )
        ]

    # =============================================================================================
    # periodic publishing
    # =============================================================================================
    def tick(self) -> None:
        """Publish book changes, tickers, marks and funding; close idle sockets."""
        exchange = self.exchange
        for inst_id in sorted(exchange.instruments):
            inst = exchange.instruments[inst_id]
            self._publish_book(inst, send=True)
            if self._public_subs("tickers", inst_id):
                ticker = exchange.ticker(inst)
                state = (ticker.last, ticker.bid_px, ticker.bid_sz, ticker.ask_px, ticker.ask_sz)
                if self._last_ticker.get(inst_id) != state:
                    self._last_ticker[inst_id] = state
                    text = _text({"arg": _public_arg("tickers", inst), "data": [ticker]})
                    for conn in self._public_subs("tickers", inst_id):
                        conn.send(text)
            mark_subs = self._public_subs("mark-price", inst_id)
            if mark_subs:
                inst_type = inst.inst_type if inst.is_derivative else "MARGIN"
                wire = exchange.mark_wire(inst, inst_type)
                if self._last_mark.get(inst_id) != wire.mark_px:
                    self._last_mark[inst_id] = wire.mark_px
                    text = _text({"arg": _public_arg("mark-price", inst), "data": [wire]})
                    for conn in mark_subs:
                        conn.send(text)
        now = time.monotonic()
        if now - self._last_funding_push >= c.FUNDING_PUSH_INTERVAL_SECS:
            self._last_funding_push = now
            for inst_id in exchange.funding:
                self._push_funding(exchange.instruments[inst_id])
        if self.idle_timeout_secs > 0:
            for conn in list(self.connections):
                if not conn.closing and now - conn.last_sent > self.idle_timeout_secs:
                    conn.close(c.WS_IDLE_CLOSE_CODE, c.WS_IDLE_CLOSE_REASON)

    def _push_funding(self, inst: Instrument) -> None:
        conns = self._public_subs("funding-rate", inst.inst_id)
        if conns:
            text = _text(
                {
                    "arg": _public_arg("funding-rate", inst),
                    "data": [self.exchange.funding_wire(inst)],
                }
            )
            for conn in conns:
                conn.send(text)

    def inject_fault(self, inst_id: str, kind: FaultKind) -> None:
        """Make the next `books` update of `inst_id` faulty (see README, fault injection)."""
        self.books[inst_id].faults.append(kind)

    def _publish_book(self, inst: Instrument, *, send: bool) -> None:
        """Diff the live book against what was published; push `bbo-tbt`, `books`, `books5`.

        With `send=False` (start-up) only the published state is initialised.
        """
        published = self.books[inst.inst_id]
        fault = published.faults.popleft() if published.faults else None
        if fault is not None:
            with self.exchange.operation():
                self.exchange.market.perturb(self.exchange, inst)  # guarantee a change to carry it
        now_mono = time.monotonic()
        bids_diff, asks_diff = self._apply_diff(inst, published)
        messages: list[str] = []
        if bids_diff or asks_diff:
            prev = published.seq_id
            published.seq_id = prev + self._rng.randint(1, 3)
            if fault == "gap":
                # The message for (prev -> seq) is "lost": the next one arrives with a prevSeqId
                # the client never saw, and its book misses this update's levels.
                with self.exchange.operation():
                    self.exchange.market.perturb(self.exchange, inst)
                lost_seq = published.seq_id
                bids_diff, asks_diff = self._apply_diff(inst, published)
                published.seq_id = lost_seq + self._rng.randint(1, 3)
                prev = lost_seq
            elif fault == "reset":
                # Maintenance reset (§B.5.3): seqId drops below prevSeqId, then continues.
                published.seq_id = self._rng.randint(1, 9)
            published.ts = self.exchange.clock.now_ms()
            published.last_change = now_mono
            published.checksum = self._checksum(published)
            sent_checksum = published.checksum
            if fault == "checksum":
                # Any value but the true CRC, and never 0 (which clients read as "not provided").
                sent_checksum = (published.checksum ^ 0x2F5A_0001) or 1
            update = {
                "asks": _sorted_levels(asks_diff, ascending=True),
                "bids": _sorted_levels(bids_diff, ascending=False),
                "ts": str(published.ts),
                "checksum": sent_checksum,
                "prevSeqId": prev,
                "seqId": published.seq_id,
            }
            messages.append(
                _text({"arg": _public_arg("books", inst), "action": "update", "data": [update]})
            )
        elif now_mono - published.last_change >= c.BOOK_HEARTBEAT_SECS:
            # No depth change for ~60 s: an empty update with prevSeqId == seqId (§B.5.3).
            published.last_change = now_mono
            heartbeat = {
                "asks": [],
                "bids": [],
                "ts": str(self.exchange.clock.now_ms()),
                "checksum": published.checksum,
                "prevSeqId": published.seq_id,
                "seqId": published.seq_id,
            }
            messages.append(
                _text({"arg": _public_arg("books", inst), "action": "update", "data": [heartbeat]})
            )
            published.top5 = None  # snapshot channels resend their latest snapshot instead
            published.bbo = None
        bids, asks = published.sorted_levels()
        if not send:
            published.top5 = _top(bids, asks, c.BOOKS5_DEPTH)
            published.bbo = _top(bids, asks, 1)
            published.checksum = self._checksum(published)
            return
        bbo = _top(bids, asks, 1)
        if bbo != published.bbo:
            published.bbo = bbo
            text = self._top_message(inst, "bbo-tbt", 1)
            for conn in self._public_subs("bbo-tbt", inst.inst_id):
                conn.send(text)
        for text in messages:
            for conn in self._public_subs("books", inst.inst_id):
                conn.send(text)
        top5 = _top(bids, asks, c.BOOKS5_DEPTH)
        if top5 != published.top5:
            published.top5 = top5
            text = self._top_message(inst, "books5", c.BOOKS5_DEPTH)
            for conn in self._public_subs("books5", inst.inst_id):
                conn.send(text)

    def _apply_diff(
        self, inst: Instrument, published: PublishedBook
    ) -> tuple[list[Level], list[Level]]:
        """Bring `published` to the live top 400 levels; return the changed levels per side."""
        book = self.exchange.books[inst.inst_id]
        out: list[list[Level]] = []
        sides: tuple[tuple[Side, dict[Decimal, Level]], ...] = (
            ("buy", published.bids),
            ("sell", published.asks),
        )
        for side, view in sides:
            live = {px: _wire_level(px, sz, n) for px, sz, n in book.levels(side, c.BOOKS_DEPTH)}
            changed: list[Level] = []
            for px in list(view):
                if px not in live:
                    changed.append([view[px][0], "0", "0", "0"])
                    del view[px]
            for px, level in live.items():
                if view.get(px) != level:
                    changed.append(level)
                    view[px] = level
            out.append(changed)
        return out[0], out[1]

    def _checksum(self, published: PublishedBook) -> int:
        if self.checksum_mode == "zero":
            return 0
        bids, asks = published.sorted_levels()
        return book_checksum(bids, asks)

    def _books_message(self, inst: Instrument, action: str) -> str:
        published = self.books[inst.inst_id]
        bids, asks = published.sorted_levels()
        data = {
            "asks": asks,
            "bids": bids,
            "ts": str(published.ts),
            "checksum": published.checksum,
            "prevSeqId": -1,
            "seqId": published.seq_id,
        }
        return _text({"arg": _public_arg("books", inst), "action": action, "data": [data]})

    def _top_message(self, inst: Instrument, channel: str, depth: int) -> str:
        published = self.books[inst.inst_id]
        bids, asks = published.sorted_levels()
        data: dict[str, object] = {"asks": asks[:depth], "bids": bids[:depth]}
        if channel == "books5":
            data["instId"] = inst.inst_id
        data.update({"ts": str(published.ts), "seqId": published.seq_id})
        return _text({"arg": _public_arg(channel, inst), "data": [data]})

    def published_book(self, inst_id: str) -> dict[str, object]:
        """What `books` subscribers should hold for `inst_id` right now (for /sim/book)."""
        published = self.books[inst_id]
        bids, asks = published.sorted_levels()
        return {
            "instId": inst_id,
            "seqId": published.seq_id,
            "ts": str(published.ts),
            "checksum": published.checksum,
            "bids": bids,
            "asks": asks,
        }


def _top(bids: list[Level], asks: list[Level], depth: int) -> Top:
    return tuple(tuple(lv) for lv in bids[:depth]), tuple(tuple(lv) for lv in asks[:depth])


def _public_arg(channel: str, inst: Instrument) -> dict[str, str]:
    return {"channel": channel, "instId": inst.inst_id}


def _private_match(arg: dict[str, str], inst_type: str, inst_id: str) -> bool:
    wanted_type = arg.get("instType", "ANY")
    if wanted_type not in ("ANY", inst_type):
        return False
    if arg.get("instId") and arg["instId"] != inst_id:
        return False
    family = arg.get("instFamily")
    return not family or "-".join(inst_id.split("-")[:2]) == family


def _wire_level(px: Decimal, sz: Decimal, count: int) -> Level:
    return [fmt(px), fmt(sz), "0", str(count)]


def _sorted_levels(levels: list[Level], *, ascending: bool) -> list[Level]:
    return sorted(levels, key=lambda lv: Decimal(lv[0]), reverse=not ascending)


def _s_code(result: object) -> str:
    if isinstance(result, dict):
        return str(result.get("sCode", ""))
    return str(getattr(result, "s_code", ""))
