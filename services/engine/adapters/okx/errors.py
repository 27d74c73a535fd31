"""OKX errors: one small hierarchy with the venue's code and message, a retry
classifier, a pure backoff and a generic retry runner.

Codes from the OKX V5 docs, "Error Code" (REST and WebSocket). OKX returns
HTTP 200 for most business errors, so the code decides, not the status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from services.engine.adapters.base import OrderRejected, VenueError

T = TypeVar("T")

# Success and batch outcomes (envelope `code`).
CODE_OK: Final = "0"
CODE_ALL_FAILED: Final = "1"
CODE_PARTIAL: Final = "2"

# Transient server states: retry after a pause.
SERVICE_CODES: Final = frozenset({"50001", "50013", "50026"})
# The request may or may not have been executed: query, or retry idempotently.
TIMEOUT_CODES: Final = frozenset({"50004"})
RATE_LIMIT_CODES: Final = frozenset({"50011", "50061"})
AUTH_CODES: Final = frozenset(
    {
        "50100",
        "50101",
        "50102",
        "50103",
        "50104",
        "50105",
        "50106",
        "50107",
        "50111",
        "50112",
        "50113",
        "50114",
    }
)
# Cancel/amend target is gone (filled, cancelled or never existed).
ORDER_GONE_CODES: Final = frozenset({"51400", "51401", "51503", "51509", "51510", "51603"})
# Place: "Duplicated clOrdId" -> the first attempt went through.
DUPLICATE_CL_ORD_ID: Final = "51016"
INSTRUMENT_UNKNOWN: Final = "51001"


class OkxError(VenueError):
    """An OKX request failed; `code` is OKX's (`sCode` for per-order results)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        http_status: int | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(f"okx {code}: {message}", code=code, retryable=retryable)
        self.message = message
        self.http_status = http_status


class OkxTransportError(OkxError):
    """No usable answer (connection refused, timeout, non-JSON body); retryable."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__("transport", message, http_status=http_status, retryable=True)


class OkxServiceError(OkxError):
    """Venue busy or down (50001, 50013, 50026, HTTP 5xx); retryable."""


class OkxTimeoutError(OkxError):
    """50004: the outcome is unknown; retry only what is idempotent."""


class OkxRateLimitError(OkxError):
    """50011 / 50061 / HTTP 429; retry after a pause."""


class OkxAuthError(OkxError):
    """Key, passphrase, signature or timestamp refused; never retryable."""


class OkxRequestError(OkxError):
    """The request itself is wrong (parameters, unknown instrument); never retryable."""


class OkxOrderNotFound(OkxError):
    """Cancel/amend target is filled, cancelled or unknown (51400, 51503, 51603, ...)."""


class OkxOrderRejected(OkxError, OrderRejected):
    """The venue refused an order; `code` is its `sCode`, message its `sMsg`."""


def error_from_code(code: str, message: str, *, http_status: int | None = None) -> OkxError:
    """Map an OKX code (and HTTP status) to the matching error class."""
    if code in RATE_LIMIT_CODES or http_status == 429:
        return OkxRateLimitError(code, message, http_status=http_status, retryable=True)
    if code in SERVICE_CODES or (http_status is not None and http_status >= 500):
        return OkxServiceError(code, message, http_status=http_status, retryable=True)
    if code in TIMEOUT_CODES:
        return OkxTimeoutError(code, message, http_status=http_status, retryable=True)
    if code in AUTH_CODES or http_status == 401:
        return OkxAuthError(code, message, http_status=http_status)
    if code in ORDER_GONE_CODES:
        return OkxOrderNotFound(code, message, http_status=http_status)
    return OkxRequestError(code, message, http_status=http_status)


def order_error_from_code(code: str, message: str) -> OkxError:
    """A per-order `sCode`: transient and gone codes keep their class, the rest reject."""
    err = error_from_code(code, message)
    if isinstance(err, OkxRequestError | OkxAuthError):
        return OkxOrderRejected(code, message)
    return err


def should_retry(exc: BaseException) -> bool:
    """True when the same request may succeed if sent again."""
    if isinstance(exc, OkxError):
        return exc.retryable
    return isinstance(exc, OSError | asyncio.TimeoutError)


def backoff_delay(
    attempt: int,
    *,
    initial_secs: float,
    max_secs: float,
    jitter_ratio: float,
    rand: Callable[[], float],
) -> float:
    """Exponential delay before retry `attempt` (0-based), capped, with jitter.

    The delay is `min(max, initial * 2**attempt)`, of which `jitter_ratio` is
    scaled by `rand()` in [0, 1): 0 gives a fixed schedule, 1 full jitter.
    """
    capped = min(max_secs, initial_secs * (2.0 ** min(attempt, 62)))
    return capped * (1.0 - jitter_ratio) + capped * jitter_ratio * rand()


async def retry(
    call: Callable[[], Awaitable[T]],
    *,
    max_attempts: int,
    delay: Callable[[int], float],
    classify: Callable[[BaseException], bool] = should_retry,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `call` until it succeeds, fails for good, or `max_attempts` are spent."""
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            attempt += 1
            if attempt >= max_attempts or not classify(exc):
                raise
            await sleep(delay(attempt - 1))
