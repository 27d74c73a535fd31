"""Opaque pagination cursors: the sort key of the last item of a page.

Lists are ordered newest first by a key that is unique per document, so a
cursor names an exact position and a page boundary never skips or repeats an
item, even while new documents arrive. The key is encoded as versioned,
URL-safe base64 JSON; clients must treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import orjson

from services.store.errors import InvalidCursorError

# Bumped whenever the sort key changes, so an old cursor is refused, not misread.
CURSOR_VERSION = 1
# A cursor is a few dozen bytes; anything far larger is not ours.
MAX_CURSOR_CHARS = 512


@dataclass(frozen=True, slots=True)
class EventCursor:
    """Position after an event in (ts, engineId, seq) descending order."""

    ts: int
    engine_id: str
    seq: int


def encode_event_cursor(cursor: EventCursor) -> str:
    """Return the opaque text form of `cursor`."""
    raw = orjson.dumps([CURSOR_VERSION, cursor.ts, cursor.engine_id, cursor.seq])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_event_cursor(text: str) -> EventCursor:
    """Parse a cursor made by `encode_event_cursor`; raise InvalidCursorError otherwise."""
    if not text or len(text) > MAX_CURSOR_CHARS:
        raise InvalidCursorError("cursor is empty or too long")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = orjson.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursorError("cursor is not valid") from exc
    if (
        not isinstance(value, list)
        or len(value) != 4
        or value[0] != CURSOR_VERSION
        or type(value[1]) is not int
        or not isinstance(value[2], str)
        or type(value[3]) is not int
        or value[1] < 0
        or value[3] < 1
        or not value[2]
    ):
        raise InvalidCursorError("cursor is not valid")
    return EventCursor(ts=value[1], engine_id=value[2], seq=value[3])
