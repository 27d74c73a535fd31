"""Dependency checks behind /health: bounded in time, never raising."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from services.cms_api.schemas import HealthResponse
from services.store import MongoStore

# A dependency that takes longer than this to answer a ping counts as down;
# the endpoint itself therefore answers within about this long.
CHECK_TIMEOUT_SECS = 1.0


def short_reason(exc: BaseException) -> str:
    """One short line naming what went wrong (no topology dumps)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return reason[:120]


async def probe(
    ping: Callable[[], Awaitable[object]], timeout_secs: float = CHECK_TIMEOUT_SECS
) -> str:
    """Run one ping; return `ok` or `error: <short reason>`."""
    try:
        async with asyncio.timeout(timeout_secs):
            await ping()
    except TimeoutError:
        return f"error: no answer within {timeout_secs:g} s"
    except Exception as exc:  # health must report, never raise
        return f"error: {short_reason(exc)}"
    return "ok"


async def check_dependencies(cache: Redis, store: MongoStore) -> HealthResponse:
    """Ping Redis and MongoDB concurrently and summarize."""
    redis_result, mongo_result = await asyncio.gather(probe(cache.ping), probe(store.ping))
    checks = {"redis": redis_result, "mongo": mongo_result}
    failed = [name for name, result in checks.items() if result != "ok"]
    return HealthResponse(status="fail" if failed else "ok", checks=checks, failed=failed or None)
