"""CPU and memory of this process, for the registry record (no psutil needed)."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field


def rss_mb() -> float:
    """Resident set size in MiB (current on Linux, peak elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class CpuMeter:
    """CPU use of this process between two calls, in percent of one core."""

    _wall: float = field(default_factory=time.monotonic)
    _cpu: float = field(default_factory=time.process_time)

    def sample(self) -> float:
        """Percent CPU since the previous sample."""
        wall, cpu = time.monotonic(), time.process_time()
        elapsed = wall - self._wall
        pct = 100.0 * (cpu - self._cpu) / elapsed if elapsed > 0 else 0.0
        self._wall, self._cpu = wall, cpu
        return round(pct, 1)
