"""Engine events reach Socket.IO clients; bad messages are dropped and counted."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import socketio
from redis.asyncio import Redis

from services.cli.local_servers import free_port, start_redis
from services.shared import names
from services.shared.codec import dumps
from services.shared.generated.constants import SOCKET_ENGINE_EVENT, SOCKET_PATH
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.settings import Settings
from tests.integration.cms_api.conftest import RunningApi
from tests.support.waiting import wait_until

RECEIVE_TIMEOUT_SECS = 5


def _envelope(engine_id: str, seq: int) -> EventEnvelope:
    return EventEnvelope(
        type=EventType.FILL,
        engineId=engine_id,
        exchange="polymarket",
        botId="bot-1",
        ts=1_700_000_000_000 + seq,
        seq=seq,
        payload={"price": "0.5300", "size": "10"},
    )


@asynccontextmanager
async def socket_client(base_url: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """A real python-socketio client; yields the queue of engine events it receives."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)

    async def on_event(data: dict[str, Any]) -> None:
        await received.put(data)

    client.on(SOCKET_ENGINE_EVENT, on_event)
    await client.connect(
        base_url, socketio_path=SOCKET_PATH.lstrip("/"), transports=["websocket"], wait_timeout=5
    )
    try:
        yield received
    finally:
        await client.disconnect()


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not exported"
    return float(match.group(1))


async def test_published_event_reaches_a_socket_client_and_malformed_ones_are_counted(
    api: RunningApi, redis: Redis, test_id: str
) -> None:
    engine = f"eng-{test_id}"
    async with socket_client(api.base_url) as received:
        await asyncio.wait_for(api.runtime.relay.subscribed.wait(), RECEIVE_TIMEOUT_SECS)
        channel = names.events_channel(engine)
        assert await redis.publish(channel, b"{not json") == 1
        bad = {**_envelope(engine, 1).model_dump(mode="json"), "seq": -4}
        assert await redis.publish(channel, dumps(bad)) == 1
        event = _envelope(engine, 2)
        assert await redis.publish(channel, dumps(event)) == 1

        data = await asyncio.wait_for(received.get(), RECEIVE_TIMEOUT_SECS)
        assert data == event.model_dump(mode="json")
        assert data["payload"]["price"] == "0.5300"  # decimals stay exact strings
        assert received.empty()

        metrics = (await api.client.get("/metrics")).text
        assert _metric(metrics, "cms_relay_malformed_events_total") == 2
        assert _metric(metrics, "cms_relay_events_total") == 1
        assert _metric(metrics, "cms_socket_clients") == 1


async def test_relay_resubscribes_after_redis_comes_back(
    settings: Settings,
    api_factory: Callable[[Settings], AbstractAsyncContextManager[RunningApi]],
    tmp_path: Path,
    test_id: str,
) -> None:
    port = free_port()
    server = start_redis(port, tmp_path)
    own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    engine = f"eng-{test_id}"
    try:
        async with api_factory(own) as api, socket_client(api.base_url) as received:
            relay = api.runtime.relay
            await asyncio.wait_for(relay.subscribed.wait(), RECEIVE_TIMEOUT_SECS)
            server.signal(signal.SIGKILL)
            assert server.proc is not None
            server.proc.wait(timeout=10)
            server = start_redis(port, tmp_path)

            async def resubscribed() -> bool:
                return relay.subscriptions >= 2 and relay.subscribed.is_set()

            await wait_until(resubscribed, timeout_secs=10, what="the relay to resubscribe")
            publisher = Redis(port=port)
            try:
                event = _envelope(engine, 7)
                assert await publisher.publish(names.events_channel(engine), dumps(event)) == 1
            finally:
                await publisher.aclose()
            data = await asyncio.wait_for(received.get(), RECEIVE_TIMEOUT_SECS)
            assert data["seq"] == 7
            metrics = (await api.client.get("/metrics")).text
            assert _metric(metrics, "cms_relay_subscription_losses_total") == 1
    finally:
        server.stop()
