"""Relay engine events from Redis Pub/Sub to every Socket.IO client.

One pattern subscription on a dedicated connection covers every engine. The
relay is realtime and at-most-once (clients detect `seq` gaps and reload), so
on a lost connection it drops nothing it could have kept: it resubscribes with
backoff and carries on. It never exits on its own; only cancellation stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Any

import socketio
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from services.cms_api.metrics import ApiMetrics
from services.shared import names
from services.shared.codec import CodecError, decode_event
from services.shared.generated.constants import SOCKET_ENGINE_EVENT
from services.shared.logs import get_logger

log = get_logger(__name__)

# get_message's wait: bounds how long a cancelled relay takes to notice.
POLL_TIMEOUT_SECS = 1.0
RECONNECT_BASE_SECS = 0.1
# Small: a dashboard that misses events while Redis is back wastes the operator's time.
RECONNECT_CAP_SECS = 2.0


def reconnect_delay_secs(
    attempt: int,
    *,
    base_secs: float = RECONNECT_BASE_SECS,
    cap_secs: float = RECONNECT_CAP_SECS,
    rand: Callable[[], float] = random.random,
) -> float:
    """Full-jitter exponential backoff for the `attempt`-th reconnect (1-based)."""
    return rand() * min(cap_secs, base_secs * 2.0 ** max(0, attempt - 1))


class EventRelay:
    """Pattern-subscribe to every engine's events channel and emit each envelope."""

    def __init__(self, redis: Redis, sio: socketio.AsyncServer, metrics: ApiMetrics) -> None:
        self._redis = redis
        self._sio = sio
        self._metrics = metrics
        self.subscribed = asyncio.Event()
        """Set while the subscription is live (tests and readiness wait on it)."""
        self.subscriptions = 0
        """How many times the relay has (re)subscribed."""

    async def run(self) -> None:
        """Relay until cancelled, reconnecting after any failure."""
        attempt = 0
        while True:
            before = self.subscriptions
            try:
                await self._session()
            except (RedisError, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"[:200]
                if self.subscriptions > before:
                    self._metrics.relay_losses.inc()
                    log.warning("relay_redis_lost", error=error)
                else:
                    # Still down: one warning per outage is enough.
                    log.debug("relay_reconnect_failed", error=error, attempt=attempt)
            except Exception:
                # Never die: a bug in one message must not stop the dashboard's feed.
                log.exception("relay_failed")
            self.subscribed.clear()
            # A session that got as far as subscribing was a recovery: start over.
            attempt = 1 if self.subscriptions > before else attempt + 1
            await asyncio.sleep(reconnect_delay_secs(attempt))

    async def _session(self) -> None:
        pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(names.events_channel_pattern())
            self.subscriptions += 1
            self.subscribed.set()
            log.info("relay_subscribed", pattern=names.events_channel_pattern())
            while True:
                message = await pubsub.get_message(timeout=POLL_TIMEOUT_SECS)
                if message is not None and message.get("type") == "pmessage":
                    await self.relay(message["data"])
        finally:
            self.subscribed.clear()
            with contextlib.suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def relay(self, data: bytes | str) -> bool:
        """Decode one message and emit it to every client; return False if it was dropped."""
        try:
            envelope = decode_event(data)
        except CodecError as exc:
            self._metrics.malformed_events.inc()
            log.warning("relay_malformed_event", error=str(exc)[:200])
            return False
        body: dict[str, Any] = envelope.model_dump(mode="json")
        await self._sio.emit(SOCKET_ENGINE_EVENT, body)
        self._metrics.relayed_events.inc()
        return True
