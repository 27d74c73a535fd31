"""OKX WebSocket transport: connect, keep alive, reconnect. It never parses.

One `OkxWebSocket` is one logical connection that survives drops: each time it
(re)connects it calls `on_open` (login, subscribe), then hands every received
frame to `handler` as bytes, exactly as received. OKX's keepalive is the text
`ping` -> `pong` exchange (docs, "WebSocket / Overview"): after
`ws_ping_interval_secs` of silence it sends `ping`; if nothing at all arrives
within `ws_pong_timeout_secs` more, the connection is declared dead and
replaced. Reconnects wait `errors.backoff_delay` (exponential + jitter).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from services.engine.adapters.metrics import WS_RECONNECTS
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.constants import VENUE
from services.engine.adapters.okx.errors import backoff_delay
from services.shared.logs import get_logger

log = get_logger(__name__)

MessageHandler = Callable[[bytes], None]
Connector = Callable[..., Awaitable[ClientConnection]]

_PONG = b"pong"


class WsNotConnected(ConnectionError):
    """A send was attempted while the connection is down."""


class OkxWebSocket:
    """A self-healing OKX WebSocket connection (transport only)."""

    def __init__(
        self,
        url: str,
        *,
        name: str,
        config: OkxConfig,
        handler: MessageHandler,
        on_open: Callable[[], Awaitable[None]] | None = None,
        on_close: Callable[[str], None] | None = None,
        rand: Callable[[], float] = random.random,
        connector: Connector | None = None,
    ) -> None:
        self.url = url
        self.name = name
        self._config = config
        self._handler = handler
        self._on_open = on_open
        self._on_close = on_close
        self._rand = rand
        self._connector: Connector = connector or _default_connector
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str | bytes] = asyncio.Queue()
        self._open = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_rx = 0.0
        self._closing: set[asyncio.Task[None]] = set()
        self.connects = 0  # successful opens, including reconnects

    # -- lifecycle -------------------------------------------------------------------
    async def start(self) -> None:
        """Start connecting in the background (returns at once)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"okx-ws-{self.name}")

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        self._stopping = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def has_socket(self) -> bool:
        """A socket exists (frames queued now are sent on it, even during `on_open`)."""
        return self._ws is not None

    @property
    def is_open(self) -> bool:
        """Connected and `on_open` has completed."""
        return self._open.is_set()

    async def wait_open(self, timeout_secs: float | None = None) -> None:
        """Wait until the connection is open (raises TimeoutError)."""
        async with asyncio.timeout(timeout_secs):
            await self._open.wait()

    def drop(self, reason: str) -> None:
        """Close the current socket so the connection is re-established."""
        ws = self._ws
        if ws is not None:
            log.info("okx.ws.drop", conn=self.name, reason=reason)
            task = asyncio.get_running_loop().create_task(ws.close(code=1000, reason=reason[:100]))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    # -- sending ----------------------------------------------------------------------
    async def send(self, payload: str | bytes) -> None:
        """Send now on the current socket (raises WsNotConnected)."""
        ws = self._ws
        if ws is None:
            raise WsNotConnected(f"{self.name}: not connected")
        await ws.send(payload)

    def send_nowait(self, payload: str | bytes) -> None:
        """Queue a frame for the current socket; frames queued before a drop are discarded."""
        self._outbox.put_nowait(payload)

    # -- internals --------------------------------------------------------------------
    async def _run(self) -> None:
        attempt = 0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            opened_at: float | None = None
            reason = "closed"
            try:
                ws = await self._connector(self.url, self._config)
            except Exception as exc:
                reason = f"connect failed: {type(exc).__name__}: {exc}"
                log.warning("okx.ws.connect_failed", conn=self.name, url=self.url, error=str(exc))
            else:
                self._ws = ws
                self._last_rx = loop.time()
                self._outbox = asyncio.Queue()
                reader = asyncio.create_task(self._read(ws))
                helpers = [
                    asyncio.create_task(self._write(ws)),
                    asyncio.create_task(self._keepalive(ws)),
                ]
                try:
                    if self._on_open is not None:
                        await self._on_open()
                    opened_at = loop.time()
                    self.connects += 1
                    self._open.set()
                    log.info("okx.ws.open", conn=self.name, url=self.url, connects=self.connects)
                    reason = await reader
                except Exception as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                    log.warning("okx.ws.session_failed", conn=self.name, error=reason)
                finally:
                    self._open.clear()
                    for task in (reader, *helpers):
                        task.cancel()
                    for task in (reader, *helpers):
                        with contextlib.suppress(BaseException):
                            await task
                    with contextlib.suppress(Exception):
                        await ws.close()
                    self._ws = None
                if self._on_close is not None:
                    try:
                        self._on_close(reason)
                    except Exception:
                        log.exception("okx.ws.on_close_failed", conn=self.name)
            if self._stopping:
                break
            WS_RECONNECTS.labels(exchange=VENUE, stream=self.name).inc()
            # A connection that stayed up a while resets the backoff; one that
            # the server keeps dropping at once backs off further each time.
            lived = loop.time() - opened_at if opened_at is not None else 0.0
            if lived >= self._config.ws_ping_interval_secs:
                attempt = 0
            delay = backoff_delay(
                attempt,
                initial_secs=self._config.reconnect_initial_delay_secs,
                max_secs=self._config.reconnect_max_delay_secs,
                jitter_ratio=self._config.reconnect_jitter_ratio,
                rand=self._rand,
            )
            attempt += 1
            log.info("okx.ws.reconnecting", conn=self.name, reason=reason, delay_secs=delay)
            await asyncio.sleep(delay)

    async def _read(self, ws: ClientConnection) -> str:
        loop = asyncio.get_running_loop()
        handler = self._handler
        try:
            while True:
                raw = await ws.recv(decode=False)
                self._last_rx = loop.time()
                if raw == _PONG:
                    continue
                try:
                    handler(raw)
                except Exception:
                    # The handler is meant to swallow its own errors; this is the backstop.
                    log.exception("okx.ws.handler_failed", conn=self.name)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"

    async def _write(self, ws: ClientConnection) -> None:
        outbox = self._outbox
        while True:
            payload = await outbox.get()
            await ws.send(payload)

    async def _keepalive(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        interval = self._config.ws_ping_interval_secs
        while True:
            idle = loop.time() - self._last_rx
            if idle < interval:
                await asyncio.sleep(interval - idle)
                continue
            pinged_at = loop.time()
            await ws.send("ping")
            await asyncio.sleep(self._config.ws_pong_timeout_secs)
            if self._last_rx < pinged_at:
                log.warning("okx.ws.pong_timeout", conn=self.name)
                await ws.close(code=1000, reason="pong timeout")
                return


async def _default_connector(url: str, config: OkxConfig) -> ClientConnection:
    kwargs: dict[str, Any] = {
        # OKX keepalive is the text ping; protocol pings are left off.
        "ping_interval": None,
        "ping_timeout": None,
        "open_timeout": config.ws_open_timeout_secs,
        "max_size": config.ws_max_message_bytes,
        "close_timeout": 2,
    }
    return await connect(url, **kwargs)
