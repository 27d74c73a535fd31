"""A small async token bucket, and one bucket per OKX endpoint (and instrument).

The budgets are data (`constants.RATE_LIMITS`); the bucket refills
continuously at `requests / per_secs` and holds at most `requests` tokens.
Waiters are served in arrival order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from services.engine.adapters.okx.constants import DEFAULT_RATE_LIMIT, RATE_LIMITS, RateLimit

_EPSILON = 1e-9


class TokenBucket:
    """`capacity` tokens refilled at `refill_per_sec`; `acquire` waits for enough."""

    def __init__(
        self,
        capacity: float,
        refill_per_sec: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if capacity <= 0 or refill_per_sec <= 0:
            raise ValueError("capacity and refill_per_sec must be positive")
        self.capacity = float(capacity)
        self.refill_per_sec = float(refill_per_sec)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.refill_per_sec)

    @property
    def tokens(self) -> float:
        """Tokens available now."""
        self._refill()
        return self._tokens

    def try_acquire(self, cost: float = 1.0) -> float:
        """Take `cost` tokens and return 0, or take nothing and return the wait in seconds."""
        if cost > self.capacity:
            raise ValueError(f"cost {cost} exceeds bucket capacity {self.capacity}")
        self._refill()
        # The epsilon absorbs float error: after sleeping exactly the deficit the
        # refill may come out a hair short, and waiting 1e-15 s more never ends.
        if self._tokens >= cost - _EPSILON:
            self._tokens = max(0.0, self._tokens - cost)
            return 0.0
        return (cost - self._tokens) / self.refill_per_sec

    async def acquire(self, cost: float = 1.0) -> None:
        """Wait until `cost` tokens are available, then take them."""
        async with self._lock:
            while (wait := self.try_acquire(cost)) > 0:
                await self._sleep(wait)


class RateLimiter:
    """One bucket per endpoint, or per (endpoint, instId) where OKX counts per instrument."""

    def __init__(
        self,
        limits: dict[tuple[str, str], RateLimit] | None = None,
        *,
        default: RateLimit = DEFAULT_RATE_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits = RATE_LIMITS if limits is None else limits
        self._default = default
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def bucket(self, method: str, path: str, inst_id: str | None = None) -> TokenBucket:
        """The bucket that `method path` (for `inst_id`) draws from."""
        limit = self._limits.get((method, path), self._default)
        key = (method, path, (inst_id or "") if limit.per_instrument else "")
        found = self._buckets.get(key)
        if found is None:
            found = TokenBucket(
                limit.requests,
                limit.requests / limit.per_secs,
                clock=self._clock,
                sleep=self._sleep,
            )
            self._buckets[key] = found
        return found

    async def acquire(
        self, method: str, path: str, *, inst_id: str | None = None, cost: int = 1
    ) -> None:
        """Wait for the endpoint's budget; `cost` counts orders on batch endpoints."""
        bucket = self.bucket(method, path, inst_id)
        await bucket.acquire(min(float(cost), bucket.capacity))
