"""Token buckets on a fake clock: no real waiting."""

from __future__ import annotations

import asyncio

import pytest

from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx.ratelimit import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, secs: float) -> None:
        self.slept.append(secs)
        self.now += secs


def test_bucket_spends_its_capacity_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, 30.0, clock=clock)  # 60 per 2 s
    assert all(bucket.try_acquire() == 0 for _ in range(60))
    assert bucket.try_acquire() == pytest.approx(1 / 30)
    clock.now += 1 / 30
    assert bucket.try_acquire() == 0


def test_bucket_refills_no_higher_than_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(5, 1.0, clock=clock)
    for _ in range(5):
        bucket.try_acquire()
    clock.now += 100
    assert bucket.tokens == 5


def test_cost_above_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds"):
        TokenBucket(2, 1.0, clock=FakeClock()).try_acquire(3)


async def test_acquire_waits_out_the_deficit_in_arrival_order() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, 1.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def take(i: int) -> None:
        await bucket.acquire()
        order.append(i)

    await asyncio.gather(*(take(i) for i in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert clock.now - 1000.0 == pytest.approx(3.0)  # 3 tokens beyond the burst of 2 at 1/s


async def test_limiter_counts_place_order_per_instrument_and_balance_per_account() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    place = limiter.bucket("POST", c.PATH_PLACE_ORDER, "BTC-USDT")
    assert place is not limiter.bucket("POST", c.PATH_PLACE_ORDER, "ETH-USDT")
    # GET /trade/order (order details) has its own budget, not per instrument.
    assert limiter.bucket("GET", c.PATH_ORDER_DETAILS, "BTC-USDT") is not place
    balance = limiter.bucket("GET", c.PATH_BALANCE, "BTC-USDT")
    assert balance is limiter.bucket("GET", c.PATH_BALANCE, None)
    for _ in range(10):  # balance: 10 per 2 s
        await limiter.acquire("GET", c.PATH_BALANCE)
    assert clock.slept == []
    await limiter.acquire("GET", c.PATH_BALANCE)
    assert clock.slept == [pytest.approx(0.2)]


async def test_batch_cost_counts_orders() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock, sleep=clock.sleep)
    await limiter.acquire("POST", c.PATH_CANCEL_BATCH, cost=300)
    await limiter.acquire("POST", c.PATH_CANCEL_BATCH, cost=20)
    assert clock.slept == [pytest.approx(20 / 150)]


def test_every_rate_limit_is_positive() -> None:
    for (method, path), limit in c.RATE_LIMITS.items():
        assert method in ("GET", "POST") and path.startswith("/api/v5/")
        assert limit.requests > 0 and limit.per_secs > 0
