"""Bot leases: a bot runs on exactly one engine (DESIGN §2).

A lease is `names.bot_lease_key(bot_id)` holding the owning engine's id, set
with `SET NX PX` (only if absent, with expiry). The owner renews every lease
at a third of its lifetime with a compare-and-extend script. A lease is valid
until `start of the last successful renewal + lease_ms`; if renewals keep
failing (Redis away) until less than `safety_ms` of that validity is left,
the engine stops the bot *before* the key can expire, so a second engine that
acquires it afterwards can never overlap with this one. An engine that dies
stops renewing and its leases expire by themselves: that is how its bots are
released for reassignment.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.timeouts import within
from services.shared.logs import get_logger
from services.shared.names import bot_lease_key

log = get_logger(__name__)

# Lease lifetime: long enough to ride out a Sentinel failover (a few seconds)
# without stopping bots, short enough that a dead engine's bots are free soon.
DEFAULT_LEASE_MS = 15_000

# Extend only if we still own it (KEYS[1] lease key; ARGV[1] owner, ARGV[2] ms).
RENEW_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""

# Take a lease that is free or already ours (an engine restarted under the same id).
ACQUIRE_SCRIPT = """
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# Delete only if still ours.
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

LeaseLost = Callable[[str, str], Awaitable[None]]
"""Called with (bot_id, reason) when a held lease is lost or at risk."""


class LeaseUnavailable(Exception):
    """Another engine holds the bot's lease."""

    def __init__(self, bot_id: str, owner: str | None) -> None:
        super().__init__(f"bot {bot_id} is leased by engine {owner or '?'}")
        self.bot_id = bot_id
        self.owner = owner


@dataclass(slots=True)
class Lease:
    """One held lease."""

    bot_id: str
    valid_until: float  # monotonic seconds
    renewed_at: float


class LeaseManager:
    """Acquire, renew and release this engine's bot leases."""

    def __init__(
        self,
        redis: Redis,
        engine_id: str,
        on_lost: LeaseLost,
        *,
        lease_ms: int = DEFAULT_LEASE_MS,
        safety_ms: int | None = None,
        retry_secs: float = 0.2,
    ) -> None:
        if lease_ms < 100:
            raise ValueError("lease_ms must be at least 100")
        self._redis = redis
        self.engine_id = engine_id
        self._on_lost = on_lost
        self.lease_ms = lease_ms
        # Stop with a third of the lease left: time to cancel orders and step down.
        self.safety_ms = lease_ms // 3 if safety_ms is None else safety_ms
        self.renew_every_secs = lease_ms / 3 / 1000
        self._retry_secs = min(retry_secs, self.renew_every_secs)
        self._leases: dict[str, Lease] = {}
        self._renew = redis.register_script(RENEW_SCRIPT)
        self._acquire = redis.register_script(ACQUIRE_SCRIPT)
        self._release = redis.register_script(RELEASE_SCRIPT)
        self._wake = asyncio.Event()
        self._stopping: set[asyncio.Task[None]] = set()

    @property
    def held(self) -> list[str]:
        """Bots whose lease this engine holds."""
        return list(self._leases)

    def holds(self, bot_id: str) -> bool:
        """True while this engine holds the bot's lease."""
        return bot_id in self._leases

    async def acquire(self, bot_id: str) -> None:
        """Take the bot's lease or raise LeaseUnavailable (RedisError when Redis is away)."""
        started = time.monotonic()
        key = bot_lease_key(bot_id)
        ok = await self._acquire(keys=[key], args=[self.engine_id, self.lease_ms])
        if not ok:
            owner = await self._redis.get(key)
            raise LeaseUnavailable(bot_id, owner.decode() if owner else None)
        self._leases[bot_id] = Lease(bot_id, started + self.lease_ms / 1000, started)
        rm.LEASES_HELD.set(len(self._leases))
        self._wake.set()

    async def release(self, bot_id: str) -> None:
        """Give the lease up (best effort: if Redis is away it simply expires)."""
        if self._leases.pop(bot_id, None) is None:
            return
        rm.LEASES_HELD.set(len(self._leases))
        try:
            await self._release(keys=[bot_lease_key(bot_id)], args=[self.engine_id])
        except (RedisError, OSError) as exc:
            log.warning("lease release failed; it will expire", botId=bot_id, error=str(exc))

    def forget(self, bot_id: str) -> None:
        """Drop a lease from the renewal set without touching Redis."""
        self._leases.pop(bot_id, None)
        rm.LEASES_HELD.set(len(self._leases))

    async def run(self) -> None:
        """Renew held leases until cancelled; stop bots whose lease is at risk."""
        while True:
            delay = self.renew_every_secs
            for bot_id, lease in list(self._leases.items()):
                if self._leases.get(bot_id) is not lease:
                    continue
                now = time.monotonic()
                if now - lease.renewed_at < self.renew_every_secs:
                    delay = min(delay, lease.renewed_at + self.renew_every_secs - now)
                    continue
                if not await self._renew_one(lease):
                    delay = self._retry_secs
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await within(self._wake.wait(), max(0.01, delay))

    async def _renew_one(self, lease: Lease) -> bool:
        started = time.monotonic()
        try:
            key = bot_lease_key(lease.bot_id)
            ok = await within(
                self._renew(keys=[key], args=[self.engine_id, self.lease_ms]),
                max(0.05, self._retry_secs),
            )
        except (RedisError, OSError, TimeoutError) as exc:
            rm.LEASE_RENEW_FAILURES.inc()
            left_ms = (lease.valid_until - time.monotonic()) * 1000
            if left_ms <= self.safety_ms:
                log.error(
                    "lease at risk; stopping bot",
                    botId=lease.bot_id,
                    left_ms=int(left_ms),
                    error=str(exc),
                )
                await self._lose(lease.bot_id, "lease could not be renewed (Redis unreachable)")
            return False
        if not ok:
            log.error("lease taken by another engine", botId=lease.bot_id)
            await self._lose(lease.bot_id, "lease lost to another engine")
            return False
        lease.renewed_at = started
        lease.valid_until = started + self.lease_ms / 1000
        return True

    async def _lose(self, bot_id: str, reason: str) -> None:
        # Stopping a bot waits for the venue; never hold up the other renewals.
        self.forget(bot_id)
        rm.LEASES_LOST.inc()
        task = asyncio.create_task(self._stop(bot_id, reason), name=f"lease-lost:{bot_id}")
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    async def _stop(self, bot_id: str, reason: str) -> None:
        try:
            await self._on_lost(bot_id, reason)
        except Exception:
            log.exception("stopping a bot after losing its lease failed", botId=bot_id)
