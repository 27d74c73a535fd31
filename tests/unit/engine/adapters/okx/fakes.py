"""In-process stand-ins for the OKX sockets and REST: scripted, recording, no network."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from services.engine.adapters.okx.config import OkxConfig
from services.engine.core.book import L2Book
from services.engine.core.types import (
    FeedChannel,
    FeedState,
    FundingRate,
    MarkPrice,
    Ticker,
    TradeTick,
)
from services.shared.generated.entities import Fill, Order


def fast_config(**overrides: Any) -> OkxConfig:
    """A config whose reconnects and retries do not wait."""
    values: dict[str, Any] = {
        "rest_url": "http://okx.test",
        "ws_public_url": "ws://okx.test/ws/v5/public",
        "ws_private_url": "ws://okx.test/ws/v5/private",
        "reconnect_initial_delay_secs": 0.0,
        "http_retry_initial_delay_secs": 0.0,
        "login_timeout_secs": 5.0,
    }
    values.update(overrides)
    return OkxConfig(**values)


class Closed(Exception):
    """What `recv` raises once the fake socket is closed."""


class FakeConnection:
    """A socket: the test pushes frames in, the code under test sends frames out."""

    def __init__(self, on_send: Callable[[FakeConnection, bytes], None] | None = None) -> None:
        self._inbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.sent: list[bytes] = []
        self.closed = False
        self._on_send = on_send
        self._sent_event = asyncio.Event()

    def push(self, frame: bytes | str | dict[str, Any]) -> None:
        if isinstance(frame, dict):
            frame = orjson.dumps(frame)
        elif isinstance(frame, str):
            frame = frame.encode()
        self._inbox.put_nowait(frame)

    async def recv(self, decode: bool | None = None) -> bytes:
        frame = await self._inbox.get()
        if frame is None:
            raise Closed("connection closed")
        return frame

    async def send(self, payload: str | bytes) -> None:
        if self.closed:
            raise Closed("send on closed connection")
        data = payload.encode() if isinstance(payload, str) else payload
        self.sent.append(data)
        self._sent_event.set()
        if self._on_send is not None:
            self._on_send(self, data)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if not self.closed:
            self.closed = True
            self._inbox.put_nowait(None)

    def ops(self) -> list[dict[str, Any]]:
        """Sent JSON requests (the text ping excluded)."""
        return [orjson.loads(f) for f in self.sent if f != b"ping"]

    async def wait_sent(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the sent requests satisfy `predicate`."""
        async with asyncio.timeout(timeout):
            while True:
                ops = self.ops()
                if predicate(ops):
                    return ops
                self._sent_event.clear()
                await self._sent_event.wait()


class FakeConnector:
    """Hands out scripted FakeConnections, one per (re)connect."""

    def __init__(self, on_send: Callable[[FakeConnection, bytes], None] | None = None) -> None:
        self.connections: list[FakeConnection] = []
        self._on_send = on_send
        self._new = asyncio.Event()
        self.fail_next = 0

    async def __call__(self, url: str, config: OkxConfig) -> FakeConnection:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError("connection refused")
        conn = FakeConnection(self._on_send)
        self.connections.append(conn)
        self._new.set()
        return conn

    async def wait_connections(self, count: int, timeout: float = 5.0) -> FakeConnection:
        async with asyncio.timeout(timeout):
            while len(self.connections) < count:
                self._new.clear()
                await self._new.wait()
        return self.connections[count - 1]


def ops_of(ops: list[dict[str, Any]], op: str) -> list[dict[str, Any]]:
    return [o for o in ops if o.get("op") == op]


@dataclass
class RecordingHandler:
    """A FeedHandler that keeps everything it is given."""

    books: list[tuple[str, int | None, list[Any], list[Any]]] = field(default_factory=list)
    trades: list[TradeTick] = field(default_factory=list)
    tickers: list[Ticker] = field(default_factory=list)
    fundings: list[FundingRate] = field(default_factory=list)
    marks: list[MarkPrice] = field(default_factory=list)
    states: list[tuple[str, FeedChannel, FeedState, str | None]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_book(self, book: L2Book) -> None:
        self.books.append((book.instrument, book.seq, book.bids(), book.asks()))
        self.changed.set()

    def on_trade(self, trade: TradeTick) -> None:
        self.trades.append(trade)

    def on_ticker(self, ticker: Ticker) -> None:
        self.tickers.append(ticker)

    def on_funding(self, funding: FundingRate) -> None:
        self.fundings.append(funding)

    def on_mark(self, mark: MarkPrice) -> None:
        self.marks.append(mark)

    def on_feed_state(
        self, instrument: str, channel: FeedChannel, state: FeedState, reason: str | None
    ) -> None:
        self.states.append((instrument, channel, state, reason))
        self.changed.set()

    def state_list(self, channel: FeedChannel = FeedChannel.BOOK) -> list[FeedState]:
        return [s for _i, ch, s, _r in self.states if ch is channel]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class RecordingListener:
    """An ExecutionListener that keeps everything it is given."""

    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_order(self, order: Order) -> None:
        self.orders.append(order)
        self.changed.set()

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self.changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


Route = Callable[[httpx.Request], dict[str, Any] | tuple[int, Any]]


class FakeRest:
    """httpx.MockTransport routing by (method, path); records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[httpx.Request] = []

    def route(self, method: str, path: str, handler: Route) -> None:
        self.routes[(method, path)] = handler

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get((request.method, request.url.path))
        if handler is None:
            return httpx.Response(404, text="not found")
        result = handler(request)
        if isinstance(result, tuple):
            status, body = result
            if isinstance(body, str):
                return httpx.Response(status, text=body)
            return httpx.Response(status, content=orjson.dumps(body))
        return httpx.Response(200, content=orjson.dumps(result))

    def client(self, base_url: str = "http://okx.test") -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, transport=httpx.MockTransport(self.handle))

    def calls(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


def ok(data: list[Any]) -> dict[str, Any]:
    return {"code": "0", "msg": "", "data": data}
