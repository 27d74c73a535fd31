"""The engine's record in the Redis registry: EngineInfo under a key with a TTL.

The key expires ENGINE_TTL_MS after the last heartbeat, so an engine that dies
without deregistering disappears from `/api/engines` by itself.
"""

from __future__ import annotations

from redis.asyncio import Redis

from services.shared.codec import dumps
from services.shared.generated import constants as c
from services.shared.generated.entities import EngineInfo
from services.shared.names import engine_key


class EngineRegistry:
    """Write and remove one engine's registry record."""

    def __init__(self, redis: Redis, engine_id: str, ttl_ms: int = c.ENGINE_TTL_MS) -> None:
        self._redis = redis
        self._key = engine_key(engine_id)
        self._ttl_ms = ttl_ms

    async def refresh(self, info: EngineInfo) -> None:
        """Write the record and push its expiry out by the TTL."""
        await self._redis.set(self._key, dumps(info), px=self._ttl_ms)

    async def deregister(self) -> None:
        """Remove the record now (clean shutdown)."""
        await self._redis.delete(self._key)
