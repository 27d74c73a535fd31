"""Event cursors round-trip exactly and refuse anything they did not produce."""

from __future__ import annotations

import base64

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.store import EventCursor, InvalidCursorError, decode_event_cursor, encode_event_cursor

engine_ids = st.from_regex(r"[A-Za-z0-9_.:\-]{1,128}", fullmatch=True)


@given(ts=st.integers(0, 2**53), engine_id=engine_ids, seq=st.integers(1, 2**53))
def test_cursor_round_trips(ts: int, engine_id: str, seq: int) -> None:
    cursor = EventCursor(ts=ts, engine_id=engine_id, seq=seq)
    text = encode_event_cursor(cursor)
    assert decode_event_cursor(text) == cursor
    # Opaque and URL-safe: goes into a query string untouched.
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _raw(value: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        "x" * 600,
        _raw({"ts": 1}),
        _raw([2, 1, "e", 1]),  # another version
        _raw([1, "1", "e", 1]),  # ts not an integer
        _raw([1, 1.5, "e", 1]),
        _raw([1, 1, "", 1]),  # empty engine id
        _raw([1, 1, "e", 0]),  # seq starts at 1
        _raw([1, -1, "e", 1]),
        _raw([1, True, "e", 1]),  # bool is not an int here
        _raw([1, 1, {"$gt": ""}, 1]),  # an operator smuggled in
    ],
)
def test_decode_refuses_foreign_cursors(text: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_event_cursor(text)
