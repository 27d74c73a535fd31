"""A WebSocket relay between the adapter and the simulator that tests can steer.

Frames pass through unchanged unless a test installs a rule: drop the next
matching frame (a sequence gap), rewrite it (a corrupted checksum), or cut
every connection (what a dead network looks like to the adapter).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve

Rule = Callable[[bytes], bytes | None]  # frame -> frame to forward, or None to drop


@dataclass
class _Once:
    match: Callable[[bytes], bool]
    action: Rule
    done: asyncio.Event


class WsTap:
    def __init__(self, upstream_url: str) -> None:
        self.upstream_url = upstream_url
        self._server: Server | None = None
        self._rules: list[_Once] = []
        self._pairs: set[tuple[ServerConnection, ClientConnection]] = set()
        self.connections = 0
        self._connected = asyncio.Event()
        self._held = False
        self.refused = 0
        self.url = ""

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        port = next(iter(self._server.sockets)).getsockname()[1]
        path = self.upstream_url.split("://", 1)[1].split("/", 1)[1]
        self.url = f"ws://127.0.0.1:{port}/{path}"

    async def stop(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def once(self, match: Callable[[bytes], bool], action: Rule) -> asyncio.Event:
        """Apply `action` to the next downstream frame that `match`es; the event fires then."""
        rule = _Once(match, action, asyncio.Event())
        self._rules.append(rule)
        return rule.done

    async def cut(self) -> None:
        """Close every relayed connection (the adapter sees the server go away)."""
        for downstream, upstream in list(self._pairs):
            with contextlib.suppress(Exception):
                await upstream.close()
            with contextlib.suppress(Exception):
                await downstream.close(code=1011, reason="tap cut")

    def hold(self) -> None:
        """Refuse new connections (each is closed at once) until `release`."""
        self._held = True

    def release(self) -> None:
        self._held = False

    async def wait_connections(self, count: int, timeout: float = 20.0) -> None:
        """Wait until `count` connections have been relayed."""
        await self._wait(lambda: self.connections >= count, timeout)

    async def wait_refused(self, count: int, timeout: float = 20.0) -> None:
        """Wait until `count` connection attempts were refused while held."""
        await self._wait(lambda: self.refused >= count, timeout)

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._connected.clear()
                await self._connected.wait()

    async def _handle(self, downstream: ServerConnection) -> None:
        if self._held:
            self.refused += 1
            self._connected.set()
            await downstream.close(code=1013, reason="try again later")
            return
        async with connect(self.upstream_url, ping_interval=None) as upstream:
            pair = (downstream, upstream)
            self._pairs.add(pair)
            self.connections += 1
            self._connected.set()
            try:
                up = asyncio.create_task(self._pump_up(downstream, upstream))
                down = asyncio.create_task(self._pump_down(upstream, downstream))
                _done, pending = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task
            finally:
                self._pairs.discard(pair)

    @staticmethod
    async def _pump_up(downstream: ServerConnection, upstream: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for message in downstream:
                await upstream.send(message)

    async def _pump_down(self, upstream: ClientConnection, downstream: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            while True:
                frame = await upstream.recv(decode=False)
                out: bytes | None = frame
                for rule in list(self._rules):
                    if rule.match(frame):
                        self._rules.remove(rule)
                        out = rule.action(frame)
                        rule.done.set()
                        break
                if out is not None:
                    await downstream.send(out.decode())


def is_book_update(inst_id: str) -> Callable[[bytes], bool]:
    """Matches a `books` increment of `inst_id`."""
    needle = inst_id.encode()

    def match(frame: bytes) -> bool:
        return b'"action":"update"' in frame.replace(b" ", b"") and needle in frame

    return match


def corrupt_checksum(frame: bytes) -> bytes:
    """The same update with a checksum that cannot match (or a bogus one where it was 0)."""
    message = orjson.loads(frame)
    for data in message["data"]:
        data["checksum"] = (data.get("checksum") or 0) ^ 0x5A5A5A5A
    return orjson.dumps(message)
