"""Simulated time: wall-clock start, scaled elapsed real time, plus explicit advances."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """The simulator's clock for market time (funding, order timestamps, cancel-all-after).

    Authentication is checked against the wall clock instead (`wall_ms`): clients sign with
    their own real time and must not be refused because simulated time has been sped up.
    """

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        start_ms: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._scale = time_scale
        self._monotonic = monotonic
        self._wall = wall
        self._origin_mono = monotonic()
        self._origin_ms = start_ms if start_ms is not None else int(wall() * 1000)
        self._offset_ms = 0

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second."""
        return self._scale

    def now_ms(self) -> int:
        """Current simulated time in Unix milliseconds."""
        elapsed = (self._monotonic() - self._origin_mono) * 1000 * self._scale
        return self._origin_ms + int(elapsed) + self._offset_ms

    def timer_ms(self) -> int:
        """Time for client-facing timers (cancel-all-after): real elapsed time plus explicit
        advances, never scaled -- a sped-up market must not fire a dead-man switch between the
        heartbeats a client sends in real time."""
        elapsed = (self._monotonic() - self._origin_mono) * 1000
        return self._origin_ms + int(elapsed) + self._offset_ms

    def advance(self, seconds: float) -> int:
        """Jump simulated time forward by `seconds` (>= 0); return the new time."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset_ms += int(seconds * 1000)
        return self.now_ms()

    def wall_ms(self) -> int:
        """Real Unix milliseconds, for request-signature freshness."""
        return int(self._wall() * 1000)

    def wall_us(self) -> int:
        """Real Unix microseconds, for `inTime` / `outTime`."""
        return int(self._wall() * 1_000_000)
