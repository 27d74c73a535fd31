"""Batch checks, backoff and batch bounds: the pure parts of the worker path."""

from __future__ import annotations

from typing import Any

import pytest

from services.shared.generated.events import EventEnvelope, EventType
from services.workers.client import batch_bounds
from services.workers.jobs import InvalidBatchError, parse_batch, retry_delay_secs


def _event(engine_id: str, seq: int) -> dict[str, Any]:
    return EventEnvelope(
        type=EventType.FILL, engineId=engine_id, exchange="okx", ts=1_000 + seq, seq=seq,
        payload={"price": "0.5"},
    ).model_dump(mode="json")  # fmt: skip


def test_parse_batch_returns_envelopes_and_last_seq() -> None:
    batch = parse_batch("e1", 10, [_event("e1", 11), _event("e1", 13), _event("e1", 12)])
    assert batch.last_seq == 13
    assert [e.seq for e in batch.events] == [11, 13, 12]
    assert batch.events[0].payload == {"price": "0.5"}


@pytest.mark.parametrize(
    ("engine_id", "prev_seq", "events", "needle"),
    [
        ("e1", 0, [], "at least one"),
        ("e1", -1, [_event("e1", 1)], "prev_seq"),
        ("e1", 0, [_event("e2", 1)], "belongs to engine"),
        ("e1", 5, [_event("e1", 5)], "<= prev_seq"),
        ("e1", 0, [{**_event("e1", 1), "extra": 1}], "not an EventEnvelope"),
        ("e1", 0, [{**_event("e1", 1), "seq": "1; drop"}], "not an EventEnvelope"),
    ],
)
def test_parse_batch_refuses_batches_no_retry_can_fix(
    engine_id: str, prev_seq: int, events: list[dict[str, Any]], needle: str
) -> None:
    with pytest.raises(InvalidBatchError, match=needle):
        parse_batch(engine_id, prev_seq, events)


def test_retry_delay_grows_and_is_capped() -> None:
    assert retry_delay_secs(1, rand=lambda: 0.0) == 0.25
    assert retry_delay_secs(1, rand=lambda: 1.0) == 0.5
    assert retry_delay_secs(3, rand=lambda: 1.0) == 2.0
    assert retry_delay_secs(50, rand=lambda: 1.0) == 30.0
    assert retry_delay_secs(50, rand=lambda: 0.0) == 15.0


def test_batch_bounds_need_strictly_rising_seqs_of_one_engine() -> None:
    assert batch_bounds("e1", 4, [_event("e1", 5), _event("e1", 9)]) == (5, 9)
    for events in ([], [_event("e1", 4)], [_event("e1", 6), _event("e1", 5)], [_event("e2", 5)]):
        with pytest.raises(ValueError):
            batch_bounds("e1", 4, events)
