"""Demo bots `trading up` starts so a new user sees fills and PnL at once.

Bots reach an engine as a `start_bot` command (the CMS will do the same once
it manages bots). Each command is answered by a `command.reply` event; the
demo waits for it so a refusal is reported, not hidden.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import orjson
from redis import Redis

from services.shared.codec import dumps
from services.shared.envelope import now_ms
from services.shared.generated.commands import EngineCommand
from services.shared.generated.entities import BotConfig
from services.shared.names import commands_channel, events_channel

DEMO_BOTS: tuple[dict[str, Any], ...] = (
    {
        "id": "demo-okx-quoter",
        "name": "Demo quoter, OKX BTC-USDT-SWAP (paper)",
        "exchange": "okx",
        "mode": "paper",
        "strategy": "quoter",
        "params": {"size": "1", "spread_bps": "4", "requote_bps": "2", "max_position": "20"},
        "instruments": ["BTC-USDT-SWAP"],
        "tickIntervalMs": 1000,
        "tags": ["demo"],
        "riskLimits": {"maxOrderSize": "10", "maxOpenOrders": 10},
    },
)


class CommandFailed(RuntimeError):
    """An engine refused or did not answer a command."""


def send_command(
    redis: Redis, engine_id: str, command: EngineCommand, timeout_secs: float = 15.0
) -> dict[str, Any]:
    """Publish a command and wait for its reply; return the reply's result."""
    pubsub = redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    pubsub.subscribe(events_channel(engine_id))
    try:
        redis.publish(commands_channel(engine_id), dumps(command))
        deadline = time.monotonic() + timeout_secs
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.5)
            if message is None:
                continue
            event = orjson.loads(message["data"])
            payload = event.get("payload", {})
            if event.get("type") == "command.reply" and payload.get("commandId") == command.id:
                if not payload.get("ok"):
                    raise CommandFailed(f"{command.type.value}: {payload.get('error')}")
                result: dict[str, Any] = payload.get("result", {})
                return result
        raise CommandFailed(f"{command.type.value}: no reply from {engine_id} in {timeout_secs}s")
    finally:
        pubsub.close()


def start_demo_bots(redis_url: str, engine_id: str) -> list[str]:
    """Start every demo bot on `engine_id`; return their ids."""
    redis = Redis.from_url(redis_url)
    started = []
    try:
        for raw in DEMO_BOTS:
            config = BotConfig.model_validate(raw)
            command = EngineCommand(
                id=f"demo-{uuid.uuid4().hex[:12]}",
                type="start_bot",
                botId=config.id,
                ts=now_ms(),
                payload={"config": config.model_dump(mode="json")},
            )
            send_command(redis, engine_id, command)
            started.append(config.id)
    finally:
        redis.close()
    return started
