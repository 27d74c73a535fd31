"""Run an EngineApp in-process against real Redis and talk to it like the CMS does."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from redis.asyncio import Redis

from services.engine.app import EngineApp
from services.engine.runtime.engine import RuntimeConfig
from services.engine.strategies.registry import StrategyCatalog
from services.shared.codec import decode_event, dumps
from services.shared.envelope import now_ms
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.names import commands_channel, events_channel
from services.shared.settings import Settings

_ids = itertools.count(1)


class EventTap:
    """Every event an engine publishes on Pub/Sub, in arrival order."""

    def __init__(self, redis: Redis, engine_id: str) -> None:
        self._redis = redis
        self._channel = events_channel(engine_id)
        self.events: list[EventEnvelope] = []
        self._changed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventTap:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._task = asyncio.create_task(self._pump(pubsub))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _pump(self, pubsub: Any) -> None:
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                event = decode_event(message["data"])
                async with self._changed:
                    self.events.append(event)
                    self._changed.notify_all()
        finally:
            await pubsub.aclose()

    async def wait_for(
        self,
        predicate: Callable[[EventEnvelope], bool],
        *,
        timeout_secs: float = 5.0,
        what: str = "event",
    ) -> EventEnvelope:
        """The first event (already seen or future) matching `predicate`."""
        async with asyncio.timeout(timeout_secs):
            async with self._changed:
                while True:
                    for event in self.events:
                        if predicate(event):
                            return event
                    await self._changed.wait()
        raise AssertionError(f"no {what}")  # pragma: no cover - timeout raises first

    def of_type(self, event_type: EventType, bot_id: str | None = None) -> list[EventEnvelope]:
        """Events of one type (and bot)."""
        return [
            e for e in self.events if e.type is event_type and (bot_id is None or e.botId == bot_id)
        ]

    def bot_states(self, bot_id: str) -> list[str]:
        """The `state` of every bot.state event of `bot_id`, in order."""
        return [e.payload["state"] for e in self.of_type(EventType.BOT_STATE, bot_id)]


async def send_command(
    redis: Redis,
    tap: EventTap,
    engine_id: str,
    command_type: CommandType,
    *,
    bot_id: str | None = None,
    payload: dict[str, Any] | None = None,
    timeout_secs: float = 10.0,
) -> dict[str, Any]:
    """Publish a command and return its reply payload (CommandReply as a dict)."""
    command_id = f"c{next(_ids)}-{now_ms()}"
    body = {
        "id": command_id,
        "type": command_type.value,
        "botId": bot_id,
        "ts": now_ms(),
        "payload": payload or {},
    }
    await redis.publish(commands_channel(engine_id), dumps(body))
    reply = await tap.wait_for(
        lambda e: e.type is EventType.COMMAND_REPLY and e.payload.get("commandId") == command_id,
        timeout_secs=timeout_secs,
        what=f"reply to {command_type.value}",
    )
    return reply.payload


def assert_gapless(events: Iterable[EventEnvelope]) -> list[int]:
    """Assert consecutive seq numbers; return them."""
    seqs = [e.seq for e in events]
    assert seqs, "no events"
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), f"seq gaps: {seqs}"
    return seqs


@contextlib.asynccontextmanager
async def running_engine(
    settings: Settings,
    exchanges: list[Exchange],
    *,
    runtime_config: RuntimeConfig | None = None,
    catalog: StrategyCatalog | None = None,
    ready_timeout_secs: float = 10.0,
    shutdown_flush_secs: float = 0.2,
) -> AsyncIterator[EngineApp]:
    """Start an EngineApp task; stop it (SIGTERM path) on exit."""
    app = EngineApp(
        settings,
        exchanges,
        metrics_port=None,
        runtime_config=runtime_config,
        catalog=catalog,
        shutdown_flush_secs=shutdown_flush_secs,
    )
    task = asyncio.create_task(app.run(), name="engine")
    try:
        deadline = time.monotonic() + ready_timeout_secs
        while not app.commands_ready.is_set():
            if task.done():
                task.result()
            if time.monotonic() > deadline:
                raise AssertionError("engine did not subscribe to its command channel")
            await asyncio.sleep(0.01)
        yield app
    finally:
        app.request_stop()
        async with asyncio.timeout(30):
            await task


def bot_config(
    bot_id: str,
    exchange: Exchange,
    *,
    strategy: str = "noop",
    instruments: list[str] | None = None,
    params: dict[str, Any] | None = None,
    mode: str = "live",
    tick_ms: int = 1000,
    risk: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A BotConfig as the CMS would send it."""
    return {
        "id": bot_id,
        "name": f"bot {bot_id}",
        "exchange": exchange.value,
        "mode": mode,
        "strategy": strategy,
        "params": params or {},
        "instruments": instruments or ["BTC-USD"],
        "tickIntervalMs": tick_ms,
        "riskLimits": risk or {},
    }


async def persist_with_worker(
    settings: Settings, engine_id: str, upto_seq: int, *, timeout_secs: float = 20.0
) -> int:
    """Run the real worker (burst) until the engine's persisted mark reaches `upto_seq`."""
    from services.workers.ack import read_mark
    from services.workers.runner import build_worker, close_worker

    redis = Redis.from_url(settings.redis_url)
    try:
        deadline = time.monotonic() + timeout_secs
        while True:
            worker = build_worker(settings, burst=True)
            try:
                await worker.async_run()
            finally:
                await close_worker(worker)
            mark = await read_mark(redis, engine_id)
            if mark >= upto_seq:
                return mark
            if time.monotonic() > deadline:
                raise AssertionError(f"persisted mark {mark} never reached {upto_seq}")
            await asyncio.sleep(0.1)
    finally:
        await redis.aclose()
