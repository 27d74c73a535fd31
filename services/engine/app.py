"""The engine process: registry heartbeat, events, commands, metrics, clean shutdown.

`EngineApp.run()` is what `trading engine` runs. It registers the engine in
Redis (EngineInfo with a TTL), publishes a heartbeat event every
HEARTBEAT_INTERVAL_MS, answers commands on its command channel, serves
Prometheus metrics, and on SIGTERM/SIGINT publishes its final state,
deregisters and returns. Redis being away never kills the loop: writes fail,
are counted, and resume when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import structlog
from prometheus_client import start_http_server
from redis.exceptions import RedisError

from services.engine import metrics
from services.engine.commands import CommandDispatcher, CommandListener
from services.engine.durable import DurableShipper
from services.engine.outbox import Outbox
from services.engine.process_stats import CpuMeter, rss_mb
from services.engine.publisher import EventPublisher
from services.engine.registry import EngineRegistry
from services.shared.envelope import EventBuilder, now_ms
from services.shared.generated import constants as c
from services.shared.generated.commands import CommandReply, CommandType, EngineCommand
from services.shared.generated.entities import EngineInfo
from services.shared.generated.enums import EngineStatus, Exchange
from services.shared.generated.events import EngineStatePayload, EventEnvelope, EventType
from services.shared.generated.tables import DURABLE_EVENTS
from services.shared.logs import get_logger
from services.shared.redis_client import RedisFactory
from services.shared.sequencer import Sequencer
from services.shared.settings import Settings

log = get_logger(__name__)


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
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _cpu: CpuMeter = field(default_factory=CpuMeter)

    def __post_init__(self) -> None:
        self.engine_id = self.settings.engine_id
        self._redis = RedisFactory(self.settings)
        data_dir = self.settings.data_dir / "engines" / self.engine_id
        self.events = EventBuilder(self.engine_id, Sequencer(data_dir / "seq"))
        self._publisher = EventPublisher(self._redis.publisher(), self.engine_id)
        self.outbox = Outbox(data_dir / "outbox.jsonl")
        self.durable = DurableShipper(
            self.outbox, self._redis.arq(), self._redis.cache(), self.engine_id
        )
        self._registry = EngineRegistry(self._redis.cache(), self.engine_id)
        self.dispatcher = CommandDispatcher()
        self.dispatcher.register(CommandType.PING, self._on_ping)
        self._commands = CommandListener(
            self._redis.subscriber(), self.engine_id, self.dispatcher, self._send_reply
        )

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
            activeBots=0,
            host=socket.gethostname(),
            pid=os.getpid(),
            startedAt=self.started_at,
            lastHeartbeat=now,
            cpuPct=self._cpu.sample(),
            memoryMb=round(rss_mb(), 1),
            uptimeS=round((now - self.started_at) / 1000, 1),
            metricsPort=self.metrics_port,
        )

    async def emit(self, event: EventEnvelope) -> None:
        """Publish an event; durable types also go to the outbox first."""
        if event.type in DURABLE_EVENTS:
            self.durable.submit(event)
        await self._publisher.publish(event)

    async def run(self) -> None:
        """Run until `request_stop()`; deregister on the way out."""
        structlog.contextvars.bind_contextvars(engineId=self.engine_id)
        if self.metrics_port is not None:
            start_http_server(self.metrics_port, addr="127.0.0.1")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        tasks = [
            asyncio.create_task(self._commands.run(), name="commands"),
            asyncio.create_task(self._heartbeat_loop(), name="heartbeat"),
        ]
        shipper = asyncio.create_task(self.durable.run(), name="durable")
        await self._set_status(EngineStatus.RUNNING, "started")
        log.info("engine running", exchanges=[e.value for e in self.exchanges])
        try:
            await self._stop.wait()
        finally:
            await self._shutdown(tasks, shipper)

    # -- internals ------------------------------------------------------------
    async def _set_status(self, status: EngineStatus, reason: str) -> None:
        previous, self.status = self.status, status
        await self.emit(
            self.events.build(
                EventType.ENGINE_STATE,
                EngineStatePayload(status=status, previous=previous, reason=reason),
            )
        )

    async def _heartbeat_loop(self) -> None:
        interval = self.heartbeat_interval_ms / 1000
        due = time.monotonic()
        while True:
            metrics.LOOP_LAG.observe(max(0.0, time.monotonic() - due))
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
        self, tasks: list[asyncio.Task[None]], shipper: asyncio.Task[None]
    ) -> None:
        log.info("engine stopping")
        await self._set_status(EngineStatus.STOPPING, "shutdown requested")
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
