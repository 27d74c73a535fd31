"""The engine process against real Redis: registry, heartbeats, ping, clean exit."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from services.engine.app import EngineApp
from services.shared.codec import decode_event, dumps
from services.shared.generated.entities import EngineInfo
from services.shared.generated.enums import EngineStatus, Exchange
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.names import commands_channel, engine_key, events_channel
from services.shared.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


async def _next_event(pubsub: PubSub, event_type: EventType, timeout: float = 5.0) -> EventEnvelope:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message is None:
            continue
        event = decode_event(message["data"])
        if event.type == event_type:
            return event
    raise AssertionError(f"no {event_type} within {timeout}s")


async def test_engine_registers_heartbeats_and_answers_ping(
    settings: Settings, redis: Redis
) -> None:
    app = EngineApp(settings, [Exchange.OKX, Exchange.KALSHI], heartbeat_interval_ms=200)
    pubsub = redis.pubsub()
    await pubsub.subscribe(events_channel(app.engine_id))
    task = asyncio.create_task(app.run())
    try:
        first = await _next_event(pubsub, EventType.ENGINE_HEARTBEAT)
        second = await _next_event(pubsub, EventType.ENGINE_HEARTBEAT)
        assert second.seq > first.seq
        assert second.payload["lastHeartbeat"] >= first.payload["lastHeartbeat"]
        record = EngineInfo.model_validate_json(await redis.get(engine_key(app.engine_id)))
        assert record.engineId == app.engine_id
        assert record.exchanges == [Exchange.OKX, Exchange.KALSHI]
        assert record.status == EngineStatus.RUNNING
        assert 0 < await redis.pttl(engine_key(app.engine_id)) <= 5000

        await asyncio.wait_for(app.commands_ready.wait(), 5)
        command = {"id": "ping-1", "type": "ping", "ts": 1}
        await redis.publish(commands_channel(app.engine_id), dumps(command))
        await redis.publish(commands_channel(app.engine_id), b"{not json")
        reply = await _next_event(pubsub, EventType.COMMAND_REPLY)
        assert reply.payload["commandId"] == "ping-1"
        assert reply.payload["ok"] is True
        assert reply.payload["result"]["engineId"] == app.engine_id
    finally:
        app.request_stop()
        await asyncio.wait_for(task, 10)
        await pubsub.aclose()
    assert await redis.exists(engine_key(app.engine_id)) == 0


async def test_engine_process_deregisters_on_sigterm(settings: Settings, redis: Redis) -> None:
    env = {
        **os.environ,
        "REDIS_URL": settings.redis_url,
        "MONGO_URL": settings.mongo_url,
        "TRADING_DATA_DIR": str(settings.data_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "engine", "--engine-id", settings.engine_id,
         "--metrics-port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not await redis.exists(engine_key(settings.engine_id)):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "engine never registered"
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 15) == 0
        assert await redis.exists(engine_key(settings.engine_id)) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        if proc.stdout:
            proc.stdout.close()
