"""What the API holds open while it runs (built by the app's lifespan)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from services.cms_api.metrics import ApiMetrics
from services.cms_api.relay import EventRelay
from services.shared.redis_client import RedisFactory
from services.shared.settings import Settings
from services.store import MongoStore


@dataclass(frozen=True)
class Runtime:
    """Connections and long-lived tasks' objects of one running app."""

    settings: Settings
    redis_factory: RedisFactory
    cache: Redis
    store: MongoStore
    metrics: ApiMetrics
    relay: EventRelay
