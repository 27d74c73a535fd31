"""Per-engine event sequence numbers that never repeat, even across restarts.

Every event an engine emits carries `seq`, one more than the previous event's,
so consumers can spot gaps. Uniqueness across restarts matters because the
workers deduplicate on (engineId, seq): a reused number would silently drop a
new event as a "duplicate". Writing the counter to disk per event would cost
an fsync each; instead the sequencer reserves blocks: it persists the end of
the current block before handing out its first number, and a restart starts
from the last reserved end. A restart therefore skips at most one block (a
visible gap, which consumers treat as "reload"), and never repeats a number.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_BLOCK = 10_000


class Sequencer:
    """Hand out strictly increasing integers, persisted by block reservation."""

    def __init__(self, path: Path, *, block: int = DEFAULT_BLOCK) -> None:
        if block < 1:
            raise ValueError("block must be positive")
        self._path = path
        self._block = block
        path.parent.mkdir(parents=True, exist_ok=True)
        self._last = self._read_reserved()
        self._reserved = self._last

    def _read_reserved(self) -> int:
        try:
            text = self._path.read_text().strip()
        except FileNotFoundError:
            return 0
        if not text.isdigit():
            raise ValueError(f"corrupt sequence file {self._path}: {text!r}")
        return int(text)

    def _reserve(self, upto: int) -> None:
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "w") as fh:
            fh.write(str(upto))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)
        self._reserved = upto

    @property
    def last(self) -> int:
        """The last number handed out (0 before the first)."""
        return self._last

    def next(self) -> int:
        """Return the next number."""
        value = self._last + 1
        if value > self._reserved:
            self._reserve(self._reserved + self._block)
        self._last = value
        return value
