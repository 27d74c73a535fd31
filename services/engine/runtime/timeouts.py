"""Deadlines that never swallow a cancellation.

Python 3.11's `asyncio.wait_for` can lose a `cancel()` that lands while the
awaited call completes (fixed in 3.12), which turns a loop into one that can
never be stopped. `asyncio.timeout` has no such race, so the runtime uses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], secs: float) -> T:
    """Await `awaitable`, raising TimeoutError after `secs`."""
    async with asyncio.timeout(secs):
        return await awaitable
