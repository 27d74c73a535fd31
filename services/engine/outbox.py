"""The engine's local on-disk outbox for durable events (DESIGN §2).

Every durable event is appended here *before* anything else happens to it, so
neither a Redis outage nor a failover that loses unreplicated writes can drop
it. Each entry records `prev`, the seq of the durable event before it; the
workers use (prev, last) of each batch to advance the per-engine
"persisted up to seq" mark only across contiguous coverage. An entry leaves
the outbox once that mark reaches its seq.

File format: one JSON line per entry, `{"prev": int, "event": {...}}`, written
with a single `write()` so a killed process leaves at most one torn last line
(ignored on load). The file is rewritten without acknowledged entries when
they make up most of it.
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from services.shared.codec import dumps
from services.shared.generated.events import EventEnvelope
from services.shared.logs import get_logger

log = get_logger(__name__)

# Rewrite the file once this many acknowledged entries sit at its head.
COMPACT_AFTER = 5_000


@dataclass(slots=True)
class OutboxEntry:
    """One durable event awaiting acknowledgement."""

    seq: int
    prev: int
    event: dict[str, Any]
    sent: bool = False


class Outbox:
    """Append-only durable queue of one engine's events, acknowledged by seq."""

    def __init__(self, path: Path) -> None:
        self._path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._entries: deque[OutboxEntry] = deque()
        self._last_seq = 0
        self._dead_lines = 0
        # Highest acknowledged seq seen by this process; 0 after a restart with an
        # empty outbox, which is safe: everything before it was already persisted.
        self._acked_floor = 0
        self._dirty = False
        self._load()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def _load(self) -> None:
        try:
            raw = self._path.read_bytes()
        except FileNotFoundError:
            return
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
                entry = OutboxEntry(int(item["event"]["seq"]), int(item["prev"]), item["event"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                # Only the last line can be torn (single write per entry); skip it.
                log.warning("outbox: skipping unreadable line", path=str(self._path))
                continue
            if entry.seq <= self._last_seq:
                self._dead_lines += 1
                continue
            self._entries.append(entry)
            self._last_seq = entry.seq

    # -- producer side --------------------------------------------------------
    def append(self, event: EventEnvelope) -> OutboxEntry:
        """Persist one durable event locally; return its entry."""
        if event.seq <= self._last_seq:
            raise ValueError(f"outbox: seq {event.seq} not after {self._last_seq}")
        body = event.model_dump(mode="json")
        entry = OutboxEntry(event.seq, self._prev_seq(), body)
        os.write(self._fd, dumps({"prev": entry.prev, "event": body}) + b"\n")
        self._dirty = True
        self._entries.append(entry)
        self._last_seq = event.seq
        return entry

    def _prev_seq(self) -> int:
        return self._entries[-1].seq if self._entries else self._acked_floor

    def sync(self) -> None:
        """fsync new writes (survives power loss, not just a killed process)."""
        if self._dirty:
            os.fsync(self._fd)
            self._dirty = False

    # -- shipper side ---------------------------------------------------------
    def __len__(self) -> int:
        return len(self._entries)

    @property
    def floor(self) -> int:
        """Everything at or below this seq has been acknowledged."""
        return self._entries[0].prev if self._entries else self._acked_floor

    def unsent(self, limit: int) -> list[OutboxEntry]:
        """Up to `limit` oldest entries not yet handed to Redis."""
        out: list[OutboxEntry] = []
        for entry in self._entries:
            if not entry.sent:
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def mark_all_unsent(self) -> None:
        """Re-send everything unacknowledged (after a reconnect or failover)."""
        for entry in self._entries:
            entry.sent = False

    def ack(self, mark: int) -> int:
        """Drop entries with seq <= mark; return how many were dropped."""
        dropped = 0
        while self._entries and self._entries[0].seq <= mark:
            entry = self._entries.popleft()
            self._acked_floor = entry.seq
            dropped += 1
        self._dead_lines += dropped
        if self._dead_lines >= COMPACT_AFTER and self._dead_lines > len(self._entries):
            self._compact()
        return dropped

    def _compact(self) -> None:
        tmp = self._path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            for entry in self._entries:
                fh.write(dumps({"prev": entry.prev, "event": entry.event}) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._path)
        os.close(self._fd)
        self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._dead_lines = 0

    def close(self) -> None:
        """Flush and close the file."""
        os.fsync(self._fd)
        os.close(self._fd)
