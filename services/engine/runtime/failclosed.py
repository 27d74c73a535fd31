"""Fail closed when Redis is lost; resume only after reconciling with the venues.

`FailClosed.run()` pings Redis every `interval_secs` (each ping bounded by
`ping_timeout_secs`). Once no ping has succeeded for `grace_ms` it calls
`target.halt()`: no new orders, resting orders cancelled, running bots paused,
engine status HALTED (every step an event; Redis being away, the durable ones
wait in the outbox). When pings succeed again it calls `target.recover()`,
which reconciles open orders, positions and fills with each venue and only
then resumes the bots it paused; a failed recovery is retried and the engine
stays halted meanwhile.

New orders are refused from the first failed check (no new risk while Redis
is in doubt); if Redis answers again within the grace nothing else happens.
The worst case from the last good ping to the halt is `grace_ms +
interval_secs + ping_timeout_secs` when the connection hangs; when Redis is
down (connection refused) the halt happens `grace_ms` after the last good
ping, give or take one check.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from redis.exceptions import RedisError

from services.engine.adapters.base import OrderExecutor
from services.engine.runtime import runtime_metrics as rm
from services.shared.generated import constants as c
from services.shared.logs import get_logger

log = get_logger(__name__)

# Health checks: often enough that the halt lands well inside grace + 0.5 s.
DEFAULT_INTERVAL_SECS = 0.1
DEFAULT_PING_TIMEOUT_SECS = 0.25
# Between failed recovery attempts (a venue that does not answer yet).
RECOVER_RETRY_SECS = 0.5


class Health(enum.StrEnum):
    """Where the fail-closed loop is."""

    HEALTHY = "healthy"
    HALTED = "halted"


class FailClosedTarget(Protocol):
    """What the engine does when Redis goes and comes back."""

    def suspend(self, reason: str) -> None:
        """A health check failed: refuse new orders at once (the grace has started)."""
        ...

    def unsuspend(self) -> None:
        """Redis answered again within the grace: accept orders again."""
        ...

    async def halt(self, reason: str) -> None:
        """Stop opening risk and cancel resting orders."""
        ...

    async def recover(self) -> None:
        """Reconcile with every venue, then resume what `halt` paused; raise to retry."""
        ...


Ping = Callable[[], Awaitable[Any]]


class FailClosed:
    """The Redis health loop and the halt / recover sequence."""

    def __init__(
        self,
        ping: Ping,
        target: FailClosedTarget,
        *,
        grace_ms: int = c.REDIS_FAIL_CLOSED_GRACE_MS,
        interval_secs: float = DEFAULT_INTERVAL_SECS,
        ping_timeout_secs: float = DEFAULT_PING_TIMEOUT_SECS,
        recover_retry_secs: float = RECOVER_RETRY_SECS,
    ) -> None:
        self._ping = ping
        self._target = target
        self.grace_secs = grace_ms / 1000
        self.interval_secs = interval_secs
        self.ping_timeout_secs = ping_timeout_secs
        self.recover_retry_secs = recover_retry_secs
        self.health = Health.HEALTHY
        self.redis_up = True
        self.last_ok = time.monotonic()
        self.halts = 0
        self.recoveries = 0
        self.changed = asyncio.Condition()

    async def check(self) -> bool:
        """One bounded ping; True when Redis answered."""
        try:
            async with asyncio.timeout(self.ping_timeout_secs):
                await self._ping()
        except (RedisError, OSError, TimeoutError):
            return False
        return True

    async def run(self) -> None:
        """Watch Redis until cancelled."""
        self.last_ok = time.monotonic()
        while True:
            ok = await self.check()
            now = time.monotonic()
            if ok != self.redis_up:
                self.redis_up = ok
                rm.REDIS_UP.set(1 if ok else 0)
                log.warning("redis health changed", up=ok)
                if not ok:
                    # No new risk from the first failed check; the full halt waits for the grace.
                    self._target.suspend("redis unreachable")
                elif self.health is Health.HEALTHY:
                    self._target.unsuspend()
            if ok:
                self.last_ok = now
                if self.health is Health.HALTED:
                    await self._recover()
                    if self.health is Health.HALTED:
                        await asyncio.sleep(self.recover_retry_secs)
                        continue
                await asyncio.sleep(self.interval_secs)
                continue
            lost_for = now - self.last_ok
            if self.health is Health.HEALTHY and lost_for >= self.grace_secs:
                await self._halt(f"redis unreachable for {lost_for * 1000:.0f} ms")
                continue
            if self.health is Health.HEALTHY:
                # Check again right when the grace runs out, not up to a tick later.
                await asyncio.sleep(max(0.0, min(self.interval_secs, self.grace_secs - lost_for)))
            else:
                await asyncio.sleep(self.interval_secs)

    async def _halt(self, reason: str) -> None:
        log.error("failing closed", reason=reason)
        self.health = Health.HALTED
        self.halts += 1
        rm.HALTS.inc()
        rm.HALTED.set(1)
        try:
            await self._target.halt(reason)
        except Exception:
            log.exception("halt raised; the engine stays halted")
        await self._notify()

    async def _recover(self) -> None:
        log.info("redis back; reconciling before resuming")
        try:
            await self._target.recover()
        except Exception as exc:
            log.warning("recovery failed; staying halted", error=str(exc))
            return
        self.health = Health.HEALTHY
        self.recoveries += 1
        rm.HALTED.set(0)
        await self._notify()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()


class DeadManSwitches:
    """Arm each live venue's cancel-on-disconnect timer and refresh it at half its timeout."""

    def __init__(self, timeout_secs: float = 10.0) -> None:
        if timeout_secs <= 0:
            raise ValueError("timeout_secs must be positive")
        self.timeout_secs = timeout_secs
        self._executors: dict[str, OrderExecutor] = {}
        self._unsupported: set[str] = set()
        self.refreshes: dict[str, int] = {}

    @property
    def refresh_every_secs(self) -> float:
        """At most half the timeout, as the issue demands."""
        return self.timeout_secs / 2

    def add(self, name: str, executor: OrderExecutor) -> None:
        """Keep `executor`'s switch armed."""
        self._executors[name] = executor

    def remove(self, name: str) -> None:
        """Stop refreshing `name` (its switch then fires after the timeout)."""
        self._executors.pop(name, None)

    async def refresh_all(self) -> None:
        """Arm or refresh every switch once."""
        for name, executor in list(self._executors.items()):
            if name in self._unsupported:
                continue
            exchange = executor.exchange.value
            try:
                armed = await executor.arm_dead_man_switch(self.timeout_secs)
            except Exception as exc:
                rm.DEAD_MAN_REFRESHES.labels(exchange, "false").inc()
                log.warning("dead-man switch refresh failed", venue=exchange, error=str(exc))
                continue
            if not armed:
                # The venue has none (Kalshi): fail-closed cancels explicitly instead.
                self._unsupported.add(name)
                continue
            rm.DEAD_MAN_REFRESHES.labels(exchange, "true").inc()
            self.refreshes[name] = self.refreshes.get(name, 0) + 1

    async def run(self) -> None:
        """Refresh until cancelled."""
        while True:
            await self.refresh_all()
            await asyncio.sleep(self.refresh_every_secs)
