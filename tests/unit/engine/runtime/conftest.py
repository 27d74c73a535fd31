"""An EngineRuntime without Redis: a recording host and a fake venue (no network at all)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from redis.asyncio import Redis

from services.engine.runtime.engine import EngineRuntime, RuntimeConfig
from services.engine.strategies.registry import default_catalog
from services.shared.generated.entities import BotConfig
from services.shared.generated.enums import EngineStatus, Exchange
from services.shared.generated.events import EventType
from services.shared.settings import Settings
from tests.support.engine_harness import bot_config
from tests.support.fake_venue import FakeVenue, registered


class RecordingHost:
    """RuntimeHost that keeps every event as (type, payload dict, bot id)."""

    engine_id = "unit-engine"

    def __init__(self) -> None:
        self.exchanges = [Exchange.KALSHI]
        self.events: list[tuple[EventType, dict[str, Any], str | None]] = []
        self.statuses: list[EngineStatus] = []

    def publish(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        self.events.append((event_type, body, bot_id))

    async def set_status(self, status: EngineStatus, reason: str) -> None:
        self.statuses.append(status)

    def states(self, bot_id: str) -> list[str]:
        return [p["state"] for t, p, b in self.events if t is EventType.BOT_STATE and b == bot_id]

    def of_type(self, event_type: EventType) -> list[dict[str, Any]]:
        return [p for t, p, _ in self.events if t is event_type]


@pytest.fixture
def venue() -> Iterator[FakeVenue]:
    with registered(FakeVenue(Exchange.KALSHI)) as fake:
        yield fake


@pytest.fixture
def host() -> RecordingHost:
    return RecordingHost()


@pytest.fixture
async def runtime(host: RecordingHost, venue: FakeVenue) -> AsyncIterator[EngineRuntime]:
    # A client that is never used: nothing here touches leases or health checks.
    cache = Redis.from_url("redis://127.0.0.1:9/0")
    rt = EngineRuntime(
        host,
        Settings(),
        cache,
        config=RuntimeConfig(feed_linger_secs=0.05),
        catalog=default_catalog(),
    )
    yield rt
    await rt.shutdown()
    await cache.aclose()


def config(bot_id: str = "b1", **kwargs: Any) -> BotConfig:
    """A BotConfig on the fake Kalshi."""
    return BotConfig.model_validate(bot_config(bot_id, Exchange.KALSHI, **kwargs))
