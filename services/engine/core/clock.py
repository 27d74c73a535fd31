"""Time as a dependency: the engine reads epoch milliseconds through a `Clock`.

Risk windows (orders per minute, the trading day) and paper latency all ask a
clock instead of `time.time()`, so tests drive time by hand and never sleep.
"""

from __future__ import annotations

import time
from typing import Protocol

MS_PER_DAY = 86_400_000


class Clock(Protocol):
    """A source of the current time."""

    def now_ms(self) -> int:
        """Return Unix epoch milliseconds."""
        ...


class SystemClock:
    """The wall clock."""

    def now_ms(self) -> int:
        """Return the wall-clock time in epoch milliseconds."""
        return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to (tests, replays)."""

    def __init__(self, start_ms: int = 0) -> None:
        self._now_ms = start_ms

    def now_ms(self) -> int:
        """Return the time last set."""
        return self._now_ms

    def advance(self, ms: int) -> int:
        """Move time forward by `ms` and return the new time."""
        if ms < 0:
            raise ValueError("time never moves backwards")
        self._now_ms += ms
        return self._now_ms

    def set(self, now_ms: int) -> None:
        """Jump to `now_ms` (not earlier than the current time)."""
        if now_ms < self._now_ms:
            raise ValueError("time never moves backwards")
        self._now_ms = now_ms


def utc_day(ts_ms: int) -> int:
    """Return the UTC day number of a timestamp (days since the epoch)."""
    return ts_ms // MS_PER_DAY
