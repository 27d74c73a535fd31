"""Wait for something another task or process does, with a deadline instead of a sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    check: Callable[[], Awaitable[bool]],
    *,
    timeout_secs: float,
    interval_secs: float = 0.05,
    what: str = "condition",
) -> float:
    """Poll `check` until it returns True; return the seconds waited or fail the test."""
    start = time.monotonic()
    deadline = start + timeout_secs
    while True:
        if await check():
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_secs} s waiting for {what}")
        await asyncio.sleep(interval_secs)
