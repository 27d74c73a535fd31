"""The persisted mark only ever covers a gapless chain of persisted batches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.workers.ack import advance_mark, validate_range


def test_in_order_batches_advance_the_mark_one_by_one() -> None:
    mark, pending = 0, dict[int, int]()
    for prev, last in [(0, 10), (10, 20), (20, 30)]:
        mark, pending = advance_mark(mark, pending, prev, last)
        assert mark == last
        assert pending == {}


def test_a_batch_ahead_of_the_mark_waits_for_the_ones_before_it() -> None:
    mark, pending = advance_mark(0, {}, 20, 30)
    assert (mark, pending) == (0, {20: 30})
    mark, pending = advance_mark(mark, pending, 10, 20)
    assert (mark, pending) == (0, {10: 20, 20: 30})
    mark, pending = advance_mark(mark, pending, 0, 10)
    assert (mark, pending) == (30, {})


def test_a_replayed_batch_changes_nothing() -> None:
    assert advance_mark(30, {40: 50}, 10, 20) == (30, {40: 50})
    assert advance_mark(30, {}, 20, 30) == (30, {})


def test_an_overlapping_rebatch_extends_the_mark() -> None:
    # After a reconnect the engine may cut its outbox differently: (5, 15] over a mark of 10.
    assert advance_mark(10, {}, 5, 15) == (15, {})
    # ...and a parked batch that starts inside the new coverage is folded in too.
    assert advance_mark(10, {12: 40}, 5, 15) == (40, {})


def test_the_same_start_keeps_the_longer_batch() -> None:
    _, pending = advance_mark(0, {}, 10, 15)
    _, pending = advance_mark(0, pending, 10, 30)
    _, pending = advance_mark(0, pending, 10, 20)
    assert pending == {10: 30}


def test_empty_or_negative_ranges_are_refused() -> None:
    for prev, last in [(5, 5), (6, 5), (-1, 3)]:
        with pytest.raises(ValueError):
            validate_range(prev, last)


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A run of batches covering (0, n], delivered in any order, some more than once."""
    sizes = draw(st.lists(st.integers(1, 5), min_size=1, max_size=25))
    bounds: list[tuple[int, int]] = []
    start = 0
    for size in sizes:
        # Durable events need not have consecutive seqs: leave random holes.
        last = start + size + draw(st.integers(0, 3))
        bounds.append((start, last))
        start = last
    replays = draw(st.lists(st.sampled_from(bounds), max_size=5))
    order = draw(st.permutations(bounds + replays))
    return start, order


@given(deliveries())
def test_mark_never_passes_an_unpersisted_batch_and_ends_at_the_last(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    final, order = case
    mark, pending = 0, dict[int, int]()
    done: set[tuple[int, int]] = set()
    batches = set(order)
    for prev, last in order:
        mark, pending = advance_mark(mark, pending, prev, last)
        done.add((prev, last))
        # Every batch that ends at or below the mark has been persisted.
        covered = {b for b in batches if b[1] <= mark}
        assert covered <= done
        # The mark sits on a batch boundary (or 0), never inside a batch.
        assert mark == 0 or any(b[1] == mark for b in done)
    assert mark == final
    assert pending == {}
