"""Error classification, the retry classifier, pure backoff and the retry runner."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.adapters.base import OrderRejected, VenueError
from services.engine.adapters.okx import errors as e


@pytest.mark.parametrize(
    ("code", "status", "cls", "retry"),
    [
        ("50011", 429, e.OkxRateLimitError, True),
        ("50061", 200, e.OkxRateLimitError, True),
        ("50001", 503, e.OkxServiceError, True),
        ("50013", 429, e.OkxRateLimitError, True),  # HTTP 429 wins: wait, then retry
        ("50026", 500, e.OkxServiceError, True),
        ("50004", 400, e.OkxTimeoutError, True),
        ("50113", 401, e.OkxAuthError, False),
        ("50102", 401, e.OkxAuthError, False),
        ("51000", 400, e.OkxRequestError, False),
        ("51001", 200, e.OkxRequestError, False),
        ("51400", 200, e.OkxOrderNotFound, False),
        ("51603", 200, e.OkxOrderNotFound, False),
    ],
)
def test_codes_map_to_classes_and_retryability(
    code: str, status: int, cls: type[e.OkxError], retry: bool
) -> None:
    err = e.error_from_code(code, "msg", http_status=status)
    assert type(err) is cls
    assert err.code == code and err.message == "msg" and err.http_status == status
    assert e.should_retry(err) is retry
    assert isinstance(err, VenueError)


def test_per_order_codes_reject_unless_transient_or_gone() -> None:
    rejected = e.order_error_from_code("51008", "Insufficient USDT balance")
    assert isinstance(rejected, OrderRejected) and isinstance(rejected, e.OkxError)
    assert rejected.code == "51008" and "Insufficient" in str(rejected)
    assert not e.should_retry(rejected)
    assert isinstance(e.order_error_from_code("50011", "rate"), e.OkxRateLimitError)
    assert isinstance(e.order_error_from_code("51503", "gone"), e.OkxOrderNotFound)


def test_transport_failures_and_os_errors_are_retryable_others_not() -> None:
    assert e.should_retry(e.OkxTransportError("reset"))
    assert e.should_retry(ConnectionResetError())
    assert e.should_retry(TimeoutError())
    assert not e.should_retry(ValueError("bug"))


def test_backoff_doubles_to_the_cap_without_jitter() -> None:
    delays = [
        e.backoff_delay(n, initial_secs=0.5, max_secs=8, jitter_ratio=0.0, rand=lambda: 0.9)
        for n in range(7)
    ]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_backoff_full_jitter_spans_zero_to_the_exponential() -> None:
    assert e.backoff_delay(3, initial_secs=1, max_secs=60, jitter_ratio=1, rand=lambda: 0) == 0
    assert e.backoff_delay(3, initial_secs=1, max_secs=60, jitter_ratio=1, rand=lambda: 0.5) == 4


@given(st.integers(0, 10_000), st.floats(0, 1), st.floats(0, 0.999999))
def test_backoff_stays_within_bounds(attempt: int, jitter: float, r: float) -> None:
    delay = e.backoff_delay(
        attempt, initial_secs=0.25, max_secs=30, jitter_ratio=jitter, rand=lambda: r
    )
    cap = min(30, 0.25 * 2.0 ** min(attempt, 62))
    assert cap * (1 - jitter) - 1e-9 <= delay <= cap + 1e-9


async def test_retry_runner_retries_retryable_errors_then_succeeds() -> None:
    calls: list[int] = []
    slept: list[float] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise e.OkxServiceError("50001", "busy", retryable=True)
        return "ok"

    async def fake_sleep(secs: float) -> None:
        slept.append(secs)

    result = await e.retry(flaky, max_attempts=5, delay=lambda n: float(n + 1), sleep=fake_sleep)
    assert result == "ok" and len(calls) == 3 and slept == [1.0, 2.0]


async def test_retry_runner_stops_at_once_on_a_permanent_error() -> None:
    calls: list[int] = []

    async def bad() -> None:
        calls.append(1)
        raise e.OkxRequestError("51000", "Parameter sz error")

    with pytest.raises(e.OkxRequestError):
        await e.retry(bad, max_attempts=5, delay=lambda n: 0.0, sleep=asyncio.sleep)
    assert len(calls) == 1


async def test_retry_runner_gives_up_after_max_attempts() -> None:
    calls: list[int] = []

    async def down() -> None:
        calls.append(1)
        raise e.OkxTransportError("refused")

    async def no_sleep(secs: float) -> None:
        return None

    with pytest.raises(e.OkxTransportError):
        await e.retry(down, max_attempts=3, delay=lambda n: 0.0, sleep=no_sleep)
    assert len(calls) == 3
