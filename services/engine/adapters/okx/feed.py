"""OKX market data: books (seqId/prevSeqId + checksum validated), trades, tickers,
funding and mark prices over the public WebSocket.

Book integrity (docs, "Order book channel"): every update's `prevSeqId` must be
the `seqId` of the message before it (heartbeats repeat it; a maintenance reset
may go down, and is fine while it chains). A non-zero `checksum` must equal the
CRC32 of the merged top 25 levels. On any break the instrument is resynced:
the handler hears RESYNCING, the book is cleared, the `books` subscription of
that instrument alone is unsubscribed and subscribed again, updates are
ignored until the fresh snapshot arrives, and then the handler hears LIVE.
A dropped connection does the same for every book on it after reconnecting.

Nothing the venue sends can raise out of the message handler: malformed JSON,
unknown events or channels and missing fields are logged and counted
(`adapter_feed_bad_messages_total{exchange="okx",reason=...}`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import InvalidOperation

import msgspec
import orjson

from services.engine.adapters.base import FeedHandler, FeedProvider, VenueError
from services.engine.adapters.metrics import FEED_BAD_MESSAGES, FEED_RESYNCS
from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.parse import (
    DecimalCache,
    ParseError,
    book_checksum,
    parse_funding,
    parse_mark,
    parse_ticker,
    parse_trade,
)
from services.engine.adapters.okx.providers import OkxInstrumentProvider
from services.engine.adapters.okx.ratelimit import TokenBucket
from services.engine.adapters.okx.ws import Connector, OkxWebSocket
from services.engine.core.book import L2Book, Level, SequenceGap
from services.engine.core.types import FeedChannel, FeedState
from services.shared.generated.entities import Instrument
from services.shared.generated.enums import Exchange
from services.shared.logs import get_logger

log = get_logger(__name__)

_ACTION = b'"action"'
_NO_LEVELS: tuple[()] = ()
_BAD_VALUE = (ParseError, InvalidOperation, IndexError, TypeError, ValueError)
# Subscribe errors that mean "this subscription can never work" (wrong channel
# or instrument, bad args, VIP-only channel (60029/60030 in the docs' table, 64003
# "VIP tier" elsewhere), channel moved to /business, channel conflict).
_FATAL_SUB_CODES = frozenset(
    {"60012", "60013", "60018", "60029", "60030", "64001", "64003", "64004"}
)
# How often the resync watchdog looks for books still waiting for a snapshot.
_WATCHDOG_INTERVAL_SECS = 1.0


@dataclass(slots=True)
class _Sub:
    """One (instrument, channel) subscription and the connection that carries it."""

    instrument: str
    channel: FeedChannel
    okx_channel: str
    conn: int
    live: bool = False
    announced: bool = False

    @property
    def arg(self) -> dict[str, str]:
        return {"channel": self.okx_channel, "instId": self.instrument}


@dataclass(slots=True)
class _BookState:
    sub: _Sub
    book: L2Book
    okx_channel: str
    # True until a snapshot arrives (after subscribe, resync or reconnect).
    awaiting: bool = True
    awaiting_since: float = 0.0
    dropped: int = 0


@dataclass(slots=True)
class _Conn:
    ws: OkxWebSocket
    # OKX allows 480 subscribe/unsubscribe/login ops per connection per hour.
    ops: TokenBucket
    subs: dict[tuple[str, str], _Sub] = field(default_factory=dict)


class OkxFeed(FeedProvider):
    """FeedProvider for OKX (public WebSocket + instruments over REST)."""

    exchange = Exchange.OKX

    def __init__(
        self,
        config: OkxConfig,
        instruments: OkxInstrumentProvider,
        *,
        rand: Callable[[], float] = random.random,
        connector: Connector | None = None,
    ) -> None:
        self._config = config
        self._instruments = instruments
        self._rand = rand
        self._connector = connector
        self._handler: FeedHandler | None = None
        self._conns: list[_Conn] = []
        self._subs: dict[tuple[str, str], _Sub] = {}  # (okx channel, instId) -> sub
        self._books: dict[str, _BookState] = {}
        self._decimals = DecimalCache(config.decimal_cache_max)
        self._memo = self._decimals.memo  # read-only view for the inlined hot path
        self._levels = self._decimals.levels
        self._verify_checksum = config.verify_checksum
        self._book_channel = config.book_channel
        self._book_decoder = msgspec.json.Decoder(w.WsBookPush, strict=False)
        self._book_data_decoder = msgspec.json.Decoder(list[w.WsBookData], strict=False)
        self._envelope_decoder = msgspec.json.Decoder(w.WsEnvelope)
        self._trades_decoder = msgspec.json.Decoder(list[w.WsTrade])
        self._tickers_decoder = msgspec.json.Decoder(list[w.WsTicker])
        self._funding_decoder = msgspec.json.Decoder(list[w.WsFundingRate])
        self._mark_decoder = msgspec.json.Decoder(list[w.WsMarkPrice])
        self._op_counter = 0
        self._pending_ops: dict[str, tuple[str, list[dict[str, str]]]] = {}
        self._watchdog: asyncio.Task[None] | None = None
        self._started = False
        # Plain counts for tests and `trading book`; Prometheus has the same.
        self.bad_messages: Counter[str] = Counter()
        self.resyncs: Counter[str] = Counter()

    # -- FeedProvider -------------------------------------------------------------------
    def bind(self, handler: FeedHandler) -> None:
        """Set the handler without connecting (replay, tests, benchmarks feed `on_raw`)."""
        self._handler = handler

    async def start(self, handler: FeedHandler) -> None:
        """Start the connections for existing subscriptions and the resync watchdog."""
        if self._started:
            return
        self._handler = handler
        self._started = True
        self._instruments.http.retain()
        for conn in self._conns:
            await conn.ws.start()
        if self._watchdog is None:
            self._watchdog = asyncio.create_task(self._resync_watchdog(), name="okx-feed-watchdog")

    async def stop(self) -> None:
        """Close every connection."""
        if not self._started:
            return
        self._started = False
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
        for conn in self._conns:
            await conn.ws.stop()
        await self._instruments.http.release()

    async def subscribe(self, instrument: str, channel: FeedChannel) -> None:
        """Subscribe `channel` for `instrument` (idempotent)."""
        okx_channel = self._okx_channel(channel)
        key = (okx_channel, instrument)
        if key in self._subs:
            return
        index = self._conn_with_room()
        sub = _Sub(instrument, channel, okx_channel, index)
        self._subs[key] = sub
        conn = self._conns[index]
        conn.subs[key] = sub
        if channel is FeedChannel.BOOK:
            loop = asyncio.get_running_loop()
            self._books[instrument] = _BookState(
                sub, L2Book(c.VENUE, instrument), okx_channel, awaiting_since=loop.time()
            )
        if self._started:
            await conn.ws.start()
            if conn.ws.has_socket:
                self._send_op(conn, "subscribe", [sub.arg])
                self._announce(sub)

    async def unsubscribe(self, instrument: str, channel: FeedChannel) -> None:
        """Stop `channel` for `instrument` (idempotent)."""
        key = (self._okx_channel(channel), instrument)
        sub = self._subs.pop(key, None)
        if sub is None:
            return
        conn = self._conns[sub.conn]
        conn.subs.pop(key, None)
        if channel is FeedChannel.BOOK:
            self._books.pop(instrument, None)
        if conn.ws.has_socket:
            self._send_op(conn, "unsubscribe", [sub.arg])
        self._state(sub, FeedState.UNSUBSCRIBED, None)

    def book(self, instrument: str) -> L2Book | None:
        """The book of a subscribed instrument (empty while resyncing)."""
        state = self._books.get(instrument)
        return state.book if state is not None else None

    def is_live(self, instrument: str) -> bool:
        """True when the instrument's book has a validated snapshot."""
        state = self._books.get(instrument)
        return state is not None and not state.awaiting

    async def instruments(self) -> list[Instrument]:
        """Every instrument of the configured OKX instrument types."""
        return await self._instruments.load_all()

    async def instrument(self, symbol: str) -> Instrument:
        """One instrument; VenueError (51001) when unknown."""
        return await self._instruments.get(symbol)

    # -- connections -------------------------------------------------------------------
    def _okx_channel(self, channel: FeedChannel) -> str:
        if channel is FeedChannel.BOOK:
            return self._book_channel
        try:
            return c.FEED_CHANNELS[channel]
        except KeyError:
            raise VenueError(f"okx: no channel for {channel}") from None

    def _conn_with_room(self) -> int:
        limit = self._config.ws_max_subscriptions_per_connection
        for index, conn in enumerate(self._conns):
            if len(conn.subs) < limit:
                return index
        index = len(self._conns)
        ws = OkxWebSocket(
            self._config.ws_public_url,
            name=f"public-{index}",
            config=self._config,
            handler=self.on_raw,
            on_open=lambda: self._on_open(index),
            on_close=lambda reason: self._on_close(index, reason),
            rand=self._rand,
            connector=self._connector,
        )
        ops = TokenBucket(c.WS_MAX_OPS_PER_HOUR, c.WS_MAX_OPS_PER_HOUR / 3600.0)
        self._conns.append(_Conn(ws, ops))
        return index

    async def _on_open(self, index: int) -> None:
        conn = self._conns[index]
        subs = list(conn.subs.values())
        for start in range(0, len(subs), c.WS_ARGS_PER_REQUEST):
            chunk = subs[start : start + c.WS_ARGS_PER_REQUEST]
            self._send_op(conn, "subscribe", [sub.arg for sub in chunk])
        for sub in subs:
            self._announce(sub)

    def _announce(self, sub: _Sub) -> None:
        # SUBSCRIBED when a subscribe request goes out; a book that is resyncing
        # after a reconnect stays RESYNCING until its snapshot makes it LIVE.
        if not sub.announced or sub.channel is not FeedChannel.BOOK:
            sub.announced = True
            self._state(sub, FeedState.SUBSCRIBED, None)

    def _on_close(self, index: int, reason: str) -> None:
        conn = self._conns[index]
        loop = asyncio.get_running_loop()
        for sub in conn.subs.values():
            sub.live = False
            if sub.channel is FeedChannel.BOOK:
                state = self._books.get(sub.instrument)
                if state is not None and not state.awaiting:
                    state.awaiting = True
                    state.awaiting_since = loop.time()
                    state.book.clear()
                    self._count_resync("reconnect")
                    self._state(sub, FeedState.RESYNCING, f"connection lost: {reason}")
            else:
                self._state(sub, FeedState.STALE, f"connection lost: {reason}")

    def _send_op(self, conn: _Conn, op: str, args: list[dict[str, str]]) -> None:
        wait = conn.ops.try_acquire()
        if wait > 0:
            # Out of the hourly op budget (a resync storm): send it when allowed
            # rather than be disconnected by the venue.
            log.warning("okx.feed.op_budget_exhausted", op=op, delay_secs=round(wait, 1))
            asyncio.get_running_loop().call_later(wait, self._send_op, conn, op, args)
            return
        self._op_counter += 1
        op_id = str(self._op_counter)
        if len(self._pending_ops) > 10_000:
            self._pending_ops.clear()
        self._pending_ops[op_id] = (op, args)
        conn.ws.send_nowait(orjson.dumps({"id": op_id, "op": op, "args": args}))

    # -- resync -------------------------------------------------------------------------
    def _resync(self, state: _BookState, reason: str, kind: str) -> None:
        state.awaiting = True
        state.awaiting_since = asyncio.get_running_loop().time()
        state.book.clear()
        self._count_resync(kind)
        log.warning("okx.book.resync", instrument=state.sub.instrument, reason=reason)
        self._state(state.sub, FeedState.RESYNCING, reason)
        self._resubscribe(state.sub)

    def _resubscribe(self, sub: _Sub) -> None:
        conn = self._conns[sub.conn]
        if conn.ws.has_socket:
            # Unsubscribe first: OKX sends a fresh snapshot only on a new subscription.
            self._send_op(conn, "unsubscribe", [sub.arg])
            self._send_op(conn, "subscribe", [sub.arg])

    async def _resync_watchdog(self) -> None:
        loop = asyncio.get_running_loop()
        timeout = self._config.resync_timeout_secs
        while True:
            await asyncio.sleep(_WATCHDOG_INTERVAL_SECS)
            now = loop.time()
            for state in list(self._books.values()):
                if state.awaiting and now - state.awaiting_since > timeout:
                    state.awaiting_since = now
                    log.warning("okx.book.resync_retry", instrument=state.sub.instrument)
                    self._resubscribe(state.sub)

    def _count_resync(self, kind: str) -> None:
        self.resyncs[kind] += 1
        FEED_RESYNCS.labels(exchange=c.VENUE, reason=kind).inc()

    def _state(self, sub: _Sub, state: FeedState, reason: str | None) -> None:
        handler = self._handler
        if handler is None:
            return
        try:
            handler.on_feed_state(sub.instrument, sub.channel, state, reason)
        except Exception:
            log.exception("okx.feed.handler_failed", callback="on_feed_state")

    def _bad(self, reason: str, detail: str, raw: bytes | None = None) -> None:
        self.bad_messages[reason] += 1
        FEED_BAD_MESSAGES.labels(exchange=c.VENUE, reason=reason).inc()
        log.warning(
            "okx.feed.bad_message",
            reason=reason,
            detail=detail[:300],
            raw=raw[:300] if raw is not None else None,
        )

    # -- messages --------------------------------------------------------------------------
    def on_raw(self, raw: bytes) -> None:
        """Handle one frame exactly as received; never raises."""
        try:
            if _ACTION in raw:
                # Only the incremental book channels carry `action`: decode straight
                # into the book struct (a failure falls through to the general path,
                # which names the problem).
                try:
                    push = self._book_decoder.decode(raw)
                except msgspec.DecodeError:
                    pass
                else:
                    # The hot path, inlined: one update for a live book. Everything
                    # else (snapshots, resyncing books, several items) goes to _on_book.
                    arg = push.arg
                    state = self._books.get(arg.instId)
                    if (
                        state is None
                        or state.awaiting
                        or push.action != "update"
                        or len(push.data) != 1
                        or state.okx_channel != arg.channel
                    ):
                        self._on_book(push)
                        return
                    data = push.data[0]
                    seq, prev_seq = data.seqId, data.prevSeqId
                    if seq is None or prev_seq is None:
                        self._on_book(push)
                        return
                    memo = self._memo
                    to_decimal = self._decimals
                    bids: list[Level] | tuple[()] = _NO_LEVELS
                    if data.bids:
                        bids = []
                        for level in data.bids:
                            px = memo.get(level[0])
                            sz = memo.get(level[1])
                            bids.append(
                                (
                                    px if px is not None else to_decimal(level[0]),
                                    sz if sz is not None else to_decimal(level[1]),
                                )
                            )
                    asks: list[Level] | tuple[()] = _NO_LEVELS
                    if data.asks:
                        asks = []
                        for level in data.asks:
                            px = memo.get(level[0])
                            sz = memo.get(level[1])
                            asks.append(
                                (
                                    px if px is not None else to_decimal(level[0]),
                                    sz if sz is not None else to_decimal(level[1]),
                                )
                            )
                    book = state.book
                    try:
                        book.apply_delta(bids, asks, seq=seq, prev_seq=prev_seq, ts_ms=data.ts)
                    except SequenceGap as gap:
                        self._resync(state, f"sequence gap: {gap}", "seq_gap")
                        return
                    if (
                        data.checksum
                        and self._verify_checksum
                        and not self._checksum_ok(state, data)
                    ):
                        return
                    handler = self._handler
                    if handler is not None:
                        handler.on_book(book)
                    return
            self._on_other(raw)
        except _BAD_VALUE as exc:
            self._bad("invalid", f"{type(exc).__name__}: {exc}", raw)
        except Exception as exc:
            self._bad("error", f"{type(exc).__name__}: {exc}", raw)

    def _on_book(self, push: w.WsBookPush) -> None:
        arg = push.arg
        state = self._books.get(arg.instId)
        if state is None or state.okx_channel != arg.channel:
            self._bad("unexpected", f"book push for unsubscribed {arg.channel}:{arg.instId}")
            return
        if push.action == "update":
            if state.awaiting:
                state.dropped += 1  # stale increment before the resync snapshot
                return
            levels = self._levels
            for data in push.data:
                prev_seq, seq = data.prevSeqId, data.seqId
                if prev_seq is None or seq is None:
                    self._bad("invalid", f"{arg.instId}: update without seqId/prevSeqId")
                    self._resync(state, "update without seqId/prevSeqId", "invalid")
                    return
                try:
                    state.book.apply_delta(
                        levels(data.bids),
                        levels(data.asks),
                        seq=seq,
                        prev_seq=prev_seq,
                        ts_ms=data.ts,
                    )
                except SequenceGap as gap:
                    self._resync(state, f"sequence gap: {gap}", "seq_gap")
                    return
                if data.checksum and self._verify_checksum and not self._checksum_ok(state, data):
                    return
            handler = self._handler
            if handler is not None:
                handler.on_book(state.book)
            return
        self._on_book_snapshot(state, push)

    def _on_book_snapshot(self, state: _BookState, push: w.WsBookPush) -> None:
        book = state.book
        levels = self._levels
        went_live = False
        for data in push.data:
            book.apply_snapshot(levels(data.bids), levels(data.asks), seq=data.seqId, ts_ms=data.ts)
            if state.awaiting:
                state.awaiting = False
                went_live = True
            if data.checksum and self._verify_checksum and not self._checksum_ok(state, data):
                return
        handler = self._handler
        if handler is None:
            return
        if went_live:
            state.sub.live = True
            self._state(state.sub, FeedState.LIVE, None)
        handler.on_book(book)

    def _checksum_ok(self, state: _BookState, data: w.WsBookData) -> bool:
        if book_checksum(state.book) == data.checksum:
            return True
        self._resync(state, f"checksum mismatch at seqId {data.seqId}", "checksum")
        return False

    def _on_other(self, raw: bytes) -> None:
        try:
            env = self._envelope_decoder.decode(raw)
        except msgspec.ValidationError as exc:
            self._bad("invalid", str(exc), raw)
            return
        except msgspec.DecodeError as exc:
            self._bad("malformed", str(exc), raw)
            return
        if env.event is not None:
            self._on_event(env, raw)
            return
        if env.arg is None or not env.data:
            self._bad("unknown", "neither event nor push", raw)
            return
        channel = env.arg.channel
        if channel in c.BOOK_CHANNELS:
            try:
                data = self._book_data_decoder.decode(env.data)
            except msgspec.DecodeError as exc:
                self._bad("invalid", f"{channel}: {exc}", raw)
                return
            self._on_book(w.WsBookPush(arg=env.arg, data=data, action=env.action or "snapshot"))
            return
        sub = self._subs.get((channel, env.arg.instId))
        if sub is None:
            reason = "unknown_channel" if channel not in _PUSH_CHANNELS else "unexpected"
            self._bad(reason, f"push for {channel}:{env.arg.instId}", raw)
            return
        try:
            self._on_push(sub, channel, env.data)
        except msgspec.DecodeError as exc:
            self._bad("invalid", f"{channel}: {exc}", raw)

    def _on_push(self, sub: _Sub, channel: str, data: msgspec.Raw) -> None:
        handler = self._handler
        if handler is None:
            return
        if not sub.live:
            sub.live = True
            self._state(sub, FeedState.LIVE, None)
        if channel == c.CH_TRADES:
            for trade in self._trades_decoder.decode(data):
                handler.on_trade(parse_trade(trade))
        elif channel == c.CH_TICKERS:
            for ticker in self._tickers_decoder.decode(data):
                handler.on_ticker(parse_ticker(ticker))
        elif channel == c.CH_FUNDING:
            for funding in self._funding_decoder.decode(data):
                handler.on_funding(parse_funding(funding))
        elif channel == c.CH_MARK:
            for mark in self._mark_decoder.decode(data):
                handler.on_mark(parse_mark(mark))

    def _on_event(self, env: w.WsEnvelope, raw: bytes) -> None:
        event = env.event
        pending = self._pending_ops.pop(env.id, None) if env.id else None
        if event in ("subscribe", "unsubscribe"):
            log.debug("okx.feed.ack", op=event, channel=env.arg.channel if env.arg else None)
        elif event == "error":
            code = str(env.code)
            self._bad("venue_error", f"{code} {env.msg}", raw)
            if pending is not None and pending[0] == "subscribe" and code in _FATAL_SUB_CODES:
                for arg in pending[1]:
                    self._drop_failed(arg, f"{code} {env.msg}")
        elif event == "notice":
            # 64008: the server closes this connection soon for an upgrade; move now.
            log.warning("okx.feed.notice", code=str(env.code), msg=env.msg)
            # The notice does not say which of our connections it is for: move them all.
            for conn in self._conns:
                conn.ws.drop("service upgrade notice")
        elif event in ("channel-conn-count", "channel-conn-count-error"):
            log.info("okx.feed.conn_count", kind=event, channel=env.channel, count=env.connCount)
        else:
            self._bad("unknown_event", f"event {event!r}", raw)

    def _drop_failed(self, arg: dict[str, str], reason: str) -> None:
        key = (arg.get("channel", ""), arg.get("instId", ""))
        sub = self._subs.pop(key, None)
        if sub is None:
            return
        self._conns[sub.conn].subs.pop(key, None)
        if sub.channel is FeedChannel.BOOK:
            self._books.pop(sub.instrument, None)
        log.error(
            "okx.feed.subscribe_failed",
            instrument=sub.instrument,
            channel=sub.okx_channel,
            reason=reason,
        )
        self._state(sub, FeedState.UNSUBSCRIBED, reason)


_PUSH_CHANNELS = frozenset({c.CH_TRADES, c.CH_TICKERS, c.CH_FUNDING, c.CH_MARK})
