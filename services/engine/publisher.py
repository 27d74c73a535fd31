"""Publish engine events on the engine's Pub/Sub channel.

Pub/Sub is at-most-once by design (DESIGN §2): a failed publish is counted and
logged, never retried here; consumers see the `seq` gap and reload. Events
that must persist additionally go through the durable path.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.engine import metrics
from services.shared.codec import dumps
from services.shared.generated.events import EventEnvelope
from services.shared.logs import get_logger
from services.shared.names import events_channel

log = get_logger(__name__)


class EventPublisher:
    """Publish envelopes for one engine."""

    def __init__(self, redis: Redis, engine_id: str) -> None:
        self._redis = redis
        self._channel = events_channel(engine_id)

    async def publish(self, event: EventEnvelope) -> bool:
        """Publish one envelope; False (and counted) when Redis is unreachable."""
        try:
            await self._redis.publish(self._channel, dumps(event))
        except (RedisError, OSError) as exc:
            metrics.EVENTS_PUBLISH_FAILED.labels(event.type.value).inc()
            log.warning(
                "publish failed", event_type=event.type.value, seq=event.seq, error=str(exc)
            )
            return False
        metrics.EVENTS_PUBLISHED.labels(event.type.value).inc()
        return True

    async def publish_many(self, events: Sequence[EventEnvelope]) -> bool:
        """Publish envelopes in order in one round trip; False (and counted) on failure."""
        if len(events) == 1:
            return await self.publish(events[0])
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.publish(self._channel, dumps(event))
                await pipe.execute()
        except (RedisError, OSError) as exc:
            for event in events:
                metrics.EVENTS_PUBLISH_FAILED.labels(event.type.value).inc()
            log.warning("publish failed", events=len(events), error=str(exc))
            return False
        for event in events:
            metrics.EVENTS_PUBLISHED.labels(event.type.value).inc()
        return True
