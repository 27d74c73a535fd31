"""The engine process: registry heartbeat, events, commands, metrics, clean shutdown.

`EngineApp.run()` is what `trading engine` runs. It registers the engine in
Redis (EngineInfo with a TTL), publishes a heartbeat event every
HEARTBEAT_INTERVAL_MS, answers commands on its command channel, runs the
trading runtime (bots, venues, risk, fail-closed, leases; see
`services.engine.runtime`), serves Prometheus metrics, and on SIGTERM/SIGINT
stops its bots, publishes its final state, deregisters and returns. Redis
being away never kills the loop: writes fail, are counted, and resume when
Redis is back.

Emitting never waits for Redis: `publish()` stamps the envelope (gapless
`seq`), appends durable types to the outbox, and queues the envelope for the
publisher task, which sends queued events in order (pipelined) and drops them
when Redis is away (Pub/Sub is at-most-once; the outbox is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import structlog
from prometheus_client import start_http_server
from pydantic import BaseModel
from redis.exceptions import RedisError

from services.engine import metrics
from services.engine.commands import CommandDispatcher, CommandListener
from services.engine.durable import DurableShipper
from services.engine.outbox import Outbox
from services.engine.process_stats import CpuMeter, rss_mb
from services.engine.publisher import EventPublisher
from services.engine.registry import EngineRegistry
from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.engine import EngineRuntime, PaperFactory, RuntimeConfig
from services.engine.strategies.registry import StrategyCatalog
from services.shared.envelope import EventBuilder, now_ms
from services.shared.generated import constants as c
from services.shared.generated.commands import CommandReply, CommandType, EngineCommand
from services.shared.generated.entities import EngineInfo
from services.shared.generated.enums import EngineStatus, Exchange, ExchangeScope
from services.shared.generated.events import EngineStatePayload, EventEnvelope, EventType
from services.shared.generated.tables import DURABLE_EVENTS
from services.shared.logs import get_logger
from services.shared.redis_client import RedisFactory
from services.shared.sequencer import Sequencer
from services.shared.settings import Settings

log = get_logger(__name__)

# Events waiting for Pub/Sub beyond this are dropped oldest first (counted):
# Pub/Sub is at-most-once and durable events are safe in the outbox.
PUBLISH_QUEUE_MAX = 50_000
# Events sent per pipeline round trip.
PUBLISH_BATCH = 500
# How often the event-loop lag is sampled.
LOOP_LAG_INTERVAL_SECS = 0.1


def package_version() -> str:
    """The installed platform version."""
    try:
        return version("trading-platform")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


@dataclass
class EngineApp:
    """One engine process."""

    settings: Settings
    exchanges: list[Exchange]
    metrics_port: int | None = None
    heartbeat_interval_ms: int = c.HEARTBEAT_INTERVAL_MS
    shutdown_flush_secs: float = 2.0
    status: EngineStatus = EngineStatus.STARTING
    started_at: int = field(default_factory=now_ms)
    runtime_config: RuntimeConfig | None = None
    catalog: StrategyCatalog | None = None
    paper_factory: PaperFactory | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _cpu: CpuMeter = field(default_factory=CpuMeter)

    def __post_init__(self) -> None:
        self.engine_id = self.settings.engine_id
        self._redis = RedisFactory(self.settings)
        data_dir = self.settings.data_dir / "engines" / self.engine_id
        self.events = EventBuilder(self.engine_id, Sequencer(data_dir / "seq"))
        self._pub_redis = self._redis.publisher()
        self._publisher = EventPublisher(self._pub_redis, self.engine_id)
        self._pub_queue: deque[EventEnvelope] = deque()
        self._pub_wake = asyncio.Event()
        self.published = asyncio.Event()
        """Set whenever the publish queue is empty."""
        self.outbox = Outbox(data_dir / "outbox.jsonl")
        self.durable = DurableShipper(
            self.outbox, self._redis.arq(), self._redis.cache(), self.engine_id
        )
        cache = self._redis.cache()
        self._registry = EngineRegistry(cache, self.engine_id)
        self.dispatcher = CommandDispatcher()
        self.dispatcher.register(CommandType.PING, self._on_ping)
        self._commands = CommandListener(
            self._redis.subscriber(), self.engine_id, self.dispatcher, self._send_reply
        )
        self.runtime = EngineRuntime(
            self,
            self.settings,
            cache,
            config=self.runtime_config,
            catalog=self.catalog,
            paper_factory=self.paper_factory,
        )
        self.runtime.register_commands(self.dispatcher)
        self.emitted: list[Callable[[EventEnvelope], None]] = []
        """Observers of every emitted envelope (tests, diagnostics)."""

    # -- public ---------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask the engine to shut down (signal handlers call this)."""
        self._stop.set()

    @property
    def commands_ready(self) -> asyncio.Event:
        """Set while the command channel is subscribed."""
        return self._commands.subscribed

    def info(self) -> EngineInfo:
        """The registry record as of now."""
        now = now_ms()
        return EngineInfo(
            engineId=self.engine_id,
            exchanges=self.exchanges,
            status=self.status,
            version=package_version(),
            activeBots=self.runtime.active_bots,
            host=socket.gethostname(),
            pid=os.getpid(),
            startedAt=self.started_at,
            lastHeartbeat=now,
            cpuPct=self._cpu.sample(),
            memoryMb=round(rss_mb(), 1),
            uptimeS=round((now - self.started_at) / 1000, 1),
            metricsPort=self.metrics_port,
        )

    def publish(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """Build the next envelope and emit it (never blocks)."""
        self.emit_nowait(
            self.events.build(
                event_type, payload, exchange=exchange or ExchangeScope.ALL, bot_id=bot_id
            )
        )

    def emit_nowait(self, event: EventEnvelope) -> None:
        """Durable types to the outbox first; then queue for Pub/Sub."""
        if event.type in DURABLE_EVENTS:
            self.durable.submit(event)
        queue = self._pub_queue
        if len(queue) >= PUBLISH_QUEUE_MAX:
            queue.popleft()
            rm.EVENTS_DROPPED.inc()
        queue.append(event)
        self.published.clear()
        self._pub_wake.set()
        for observer in self.emitted:
            observer(event)

    async def emit(self, event: EventEnvelope) -> None:
        """Emit an event (kept for callers that await)."""
        self.emit_nowait(event)

    async def set_status(self, status: EngineStatus, reason: str) -> None:
        """Change the engine status; every change is an engine.state event."""
        await self._set_status(status, reason)

    async def run(self) -> None:
        """Run until `request_stop()`; deregister on the way out."""
        structlog.contextvars.bind_contextvars(engineId=self.engine_id)
        if self.metrics_port is not None:
            start_http_server(self.metrics_port, addr="127.0.0.1")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        shipper = asyncio.create_task(self.durable.run(), name="durable")
        publisher = asyncio.create_task(self._publish_loop(), name="publisher")
        tasks = [
            asyncio.create_task(self._commands.run(), name="commands"),
            asyncio.create_task(self._heartbeat_loop(), name="heartbeat"),
            asyncio.create_task(self._loop_lag_loop(), name="loop-lag"),
        ]
        tasks += [
            asyncio.create_task(_supervised(fn), name=getattr(fn, "__name__", "runtime"))
            for fn in self.runtime.background_tasks()
        ]
        await self._set_status(EngineStatus.RUNNING, "started")
        log.info("engine running", exchanges=[e.value for e in self.exchanges])
        try:
            await self._stop.wait()
        finally:
            await self._shutdown(tasks, shipper, publisher)

    # -- internals ------------------------------------------------------------
    async def _set_status(self, status: EngineStatus, reason: str) -> None:
        previous, self.status = self.status, status
        await self.emit(
            self.events.build(
                EventType.ENGINE_STATE,
                EngineStatePayload(status=status, previous=previous, reason=reason),
            )
        )

    async def _publish_loop(self) -> None:
        queue = self._pub_queue
        while True:
            if not queue:
                self.published.set()
                self._pub_wake.clear()
                await self._pub_wake.wait()
                continue
            batch = [queue.popleft() for _ in range(min(len(queue), PUBLISH_BATCH))]
            await self._publisher.publish_many(batch)

    async def _loop_lag_loop(self) -> None:
        interval = LOOP_LAG_INTERVAL_SECS
        while True:
            due = time.monotonic() + interval
            await asyncio.sleep(interval)
            metrics.LOOP_LAG.observe(max(0.0, time.monotonic() - due))

    async def _heartbeat_loop(self) -> None:
        interval = self.heartbeat_interval_ms / 1000
        due = time.monotonic()
        while True:
            info = self.info()
            try:
                await self._registry.refresh(info)
                metrics.HEARTBEATS.inc()
            except (RedisError, OSError) as exc:
                metrics.HEARTBEAT_FAILURES.inc()
                log.warning("heartbeat failed", error=str(exc))
            await self.emit(self.events.build(EventType.ENGINE_HEARTBEAT, info))
            due += interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))

    async def _on_ping(self, command: EngineCommand) -> dict[str, object]:
        return {"pong": now_ms(), "engineId": self.engine_id, "status": self.status.value}

    async def _send_reply(self, reply: CommandReply, command: EngineCommand) -> None:
        await self.emit(self.events.build(EventType.COMMAND_REPLY, reply, bot_id=command.botId))

    async def _shutdown(
        self,
        tasks: list[asyncio.Task[None]],
        shipper: asyncio.Task[None],
        publisher: asyncio.Task[None],
    ) -> None:
        log.info("engine stopping")
        await self._set_status(EngineStatus.STOPPING, "shutdown requested")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.runtime.shutdown()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.published.wait(), self.shutdown_flush_secs)
        publisher.cancel()
        await asyncio.gather(publisher, return_exceptions=True)
        # Give the workers a moment to acknowledge; anything left stays in the
        # outbox and is re-sent by the next start.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.durable.drained.wait(), self.shutdown_flush_secs)
        shipper.cancel()
        await asyncio.gather(shipper, return_exceptions=True)
        self.outbox.close()
        try:
            await self._registry.deregister()
        except (RedisError, OSError) as exc:
            log.warning("deregister failed; the registry key will expire", error=str(exc))
        await self._redis.close()
        log.info("engine stopped")


async def _supervised(fn: Callable[[], Awaitable[None]]) -> None:
    """Run a background loop; log and restart it if it ever raises."""
    while True:
        try:
            await fn()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task failed; restarting", task=getattr(fn, "__name__", "?"))
            await asyncio.sleep(0.5)
