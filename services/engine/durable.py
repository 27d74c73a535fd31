"""Ship the outbox to the workers and drop what they acknowledge.

The shipper never loses an event: entries stay in the outbox until the
per-engine persisted mark in Redis covers them. After any Redis error it
re-sends every unacknowledged entry once Redis answers again (a failover may
have lost queued jobs), and it also re-sends entries that stay unacknowledged
for `resend_after_secs` (a job lost in some way we did not see). Re-sends are
harmless: job ids are deterministic and the workers upsert idempotently.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.engine import metrics
from services.engine.outbox import Outbox
from services.shared.generated.events import EventEnvelope
from services.shared.jobs import enqueue_persist_events
from services.shared.logs import get_logger
from services.shared.names import persisted_seq_key

log = get_logger(__name__)

# Raise the mark to at least ARGV[1]; used after a failover lost the mark, for
# entries the engine already saw acknowledged (they are in MongoDB).
RAISE_MARK = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if floor > cur then redis.call('SET', KEYS[1], floor) return floor end
return cur
"""


class DurableShipper:
    """Move outbox entries into arq jobs; apply acknowledgements."""

    def __init__(
        self,
        outbox: Outbox,
        arq: ArqRedis,
        cache: Redis,
        engine_id: str,
        *,
        batch_size: int = 200,
        idle_poll_secs: float = 0.1,
        resend_after_secs: float = 30.0,
    ) -> None:
        self._outbox = outbox
        self._arq = arq
        self._cache = cache
        self._engine_id = engine_id
        self._mark_key = persisted_seq_key(engine_id)
        self._batch_size = batch_size
        self._idle_poll_secs = idle_poll_secs
        self._resend_after_secs = resend_after_secs
        self._raise_mark = cache.register_script(RAISE_MARK)
        self._wake = asyncio.Event()
        self.drained = asyncio.Event()
        """Set while every submitted event is acknowledged."""
        self._healthy = True
        self._last_progress = time.monotonic()
        self.mark = 0

    def submit(self, event: EventEnvelope) -> None:
        """Append a durable event to the outbox and wake the shipper."""
        self._outbox.append(event)
        self.drained.clear()
        metrics.OUTBOX_DEPTH.set(len(self._outbox))
        self._wake.set()

    @property
    def pending(self) -> int:
        """Entries not yet acknowledged."""
        return len(self._outbox)

    async def run(self) -> None:
        """Ship until cancelled."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._idle_poll_secs)
            self._wake.clear()
            try:
                await self.ship_once()
            except (RedisError, OSError) as exc:
                if self._healthy:
                    log.warning("durable path lost Redis; outbox keeps events", error=str(exc))
                self._healthy = False
                await asyncio.sleep(min(1.0, self._idle_poll_secs * 5))

    async def ship_once(self) -> None:
        """One round: read the mark, drop acknowledged entries, send new ones."""
        if not self._healthy:
            self._outbox.mark_all_unsent()
            self._healthy = True
            log.info("durable path back; re-sending unacknowledged events", n=len(self._outbox))
        raw = await self._cache.get(self._mark_key)
        mark = int(raw) if raw else 0
        if self._outbox.floor > mark:
            mark = int(await self._raise_mark(keys=[self._mark_key], args=[self._outbox.floor]))
        if mark > self.mark:
            self._last_progress = time.monotonic()
        self.mark = mark
        if self._outbox.ack(mark):
            metrics.OUTBOX_DEPTH.set(len(self._outbox))
        if len(self._outbox) and time.monotonic() - self._last_progress > self._resend_after_secs:
            self._outbox.mark_all_unsent()
            self._last_progress = time.monotonic()
        while batch := self._outbox.unsent(self._batch_size):
            await enqueue_persist_events(
                self._arq, self._engine_id, batch[0].prev, [e.event for e in batch]
            )
            for entry in batch:
                entry.sent = True
        self._outbox.sync()
        if not len(self._outbox):
            self.drained.set()
