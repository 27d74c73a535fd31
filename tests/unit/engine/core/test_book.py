"""L2Book invariants: any valid delta sequence equals a rebuild from the final levels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.engine.core.book import L2Book, Level, SequenceGap
from tests.unit.engine.factories import book

D = Decimal

# Quarter ticks so prices are exact Decimals with several digits.
prices = st.integers(min_value=1, max_value=60).map(lambda t: D(t) / 4)
sizes = st.integers(min_value=0, max_value=25).map(D)
levels = st.lists(st.tuples(prices, sizes), max_size=10)
deltas = st.lists(st.tuples(levels, levels), max_size=25)
Deltas = list[tuple[list[Level], list[Level]]]


def _apply(model: dict[Decimal, Decimal], changes: list[Level]) -> None:
    for price, size in changes:
        if size:
            model[price] = size
        else:
            model.pop(price, None)


def _replay(
    snap_bids: list[Level],
    snap_asks: list[Level],
    seq_deltas: Deltas,
) -> tuple[L2Book, dict[Decimal, Decimal], dict[Decimal, Decimal]]:
    b = L2Book("okx", "X")
    b.apply_snapshot(snap_bids, snap_asks, seq=100)
    bids = {p: s for p, s in snap_bids if s}
    asks = {p: s for p, s in snap_asks if s}
    for i, (db, da) in enumerate(seq_deltas):
        b.apply_delta(db, da, seq=101 + i, prev_seq=100 + i)
        _apply(bids, db)
        _apply(asks, da)
    return b, bids, asks


@given(levels, levels, deltas)
def test_any_valid_delta_sequence_equals_rebuild_from_final_snapshot(
    snap_bids: list[Level],
    snap_asks: list[Level],
    seq_deltas: Deltas,
) -> None:
    b, bids, asks = _replay(snap_bids, snap_asks, seq_deltas)

    rebuilt = L2Book("okx", "X")
    rebuilt.apply_snapshot(list(bids.items()), list(asks.items()), seq=b.seq)

    assert b.bids() == rebuilt.bids() == sorted(bids.items(), reverse=True)
    assert b.asks() == rebuilt.asks() == sorted(asks.items())
    assert b.snapshot() == rebuilt.snapshot()
    assert len(b) == len(rebuilt) == len(bids) + len(asks)
    assert b.seq == 100 + len(seq_deltas)


@given(levels, levels, deltas)
def test_top_of_book_and_depth_match_the_levels(
    snap_bids: list[Level],
    snap_asks: list[Level],
    seq_deltas: Deltas,
) -> None:
    b, bids, asks = _replay(snap_bids, snap_asks, seq_deltas)

    best_bid = max(bids) if bids else None
    best_ask = min(asks) if asks else None
    assert b.best_bid() == ((best_bid, bids[best_bid]) if best_bid is not None else None)
    assert b.best_ask() == ((best_ask, asks[best_ask]) if best_ask is not None else None)
    assert b.is_crossed() == (
        best_bid is not None and best_ask is not None and best_bid >= best_ask
    )
    if best_bid is not None and best_ask is not None:
        assert b.mid() == (best_bid + best_ask) / 2
    else:
        assert b.mid() is None
    assert b.bids(3) == b.bids()[:3]
    assert b.asks(3) == b.asks()[:3]
    for probe in (D("0.25"), D("5"), D("7.75"), D("15")):
        assert b.volume_at_or_better("bid", probe) == sum(
            (s for p, s in bids.items() if p >= probe), D(0)
        )
        assert b.volume_at_or_better("ask", probe) == sum(
            (s for p, s in asks.items() if p <= probe), D(0)
        )
        assert b.size_at("bid", probe) == bids.get(probe, D(0))
        assert b.size_at("ask", probe) == asks.get(probe, D(0))


@given(levels, levels, levels, st.integers(min_value=-5, max_value=5).filter(lambda k: k != 0))
def test_a_delta_that_skips_a_sequence_number_raises_and_leaves_the_book_unchanged(
    snap_bids: list[Level], snap_asks: list[Level], delta: list[Level], offset: int
) -> None:
    b = L2Book("okx", "X")
    b.apply_snapshot(snap_bids, snap_asks, seq=100)
    before = b.snapshot()

    with pytest.raises(SequenceGap) as err:
        b.apply_delta(delta, delta, seq=200, prev_seq=100 + offset)

    assert err.value.expected == 100
    assert err.value.got == 100 + offset
    assert b.snapshot() == before
    assert b.seq == 100


def test_delta_continuing_from_the_last_sequence_is_applied() -> None:
    b = book([("100", "1")], [("101", "2")], seq=7)
    b.apply_delta([(D(100), D(0)), (D(99), D(3))], [], seq=8, prev_seq=7)
    assert b.best_bid() == (D(99), D(3))
    assert b.seq == 8


def test_crossed_book_is_reported_not_repaired() -> None:
    b = book([("100", "1")], [("101", "1")])
    assert not b.is_crossed()
    b.apply_delta([(D(101), D(2))], [])
    assert b.is_crossed()
    assert b.best_bid() == (D(101), D(2))
    assert b.best_ask() == (D(101), D(1))


def test_locked_book_counts_as_crossed() -> None:
    assert book([("100", "1")], [("100", "1")]).is_crossed()


def test_clear_forgets_levels_and_sequence() -> None:
    b = book([("100", "1")], [("101", "1")], seq=5)
    b.clear()
    assert len(b) == 0
    assert b.seq is None
    assert b.best_bid() is None and b.best_ask() is None and b.mid() is None
    # With no sequence known, the first delta is accepted whatever it says.
    b.apply_delta([(D(1), D(1))], [], seq=42, prev_seq=41)
    assert b.seq == 42


def test_snapshot_is_json_friendly_best_first() -> None:
    b = book([("99.5", "1"), ("100", "2")], [("101", "3"), ("100.5", "0.25")])
    assert b.snapshot(1) == {"bids": [("100", "2")], "asks": [("100.5", "0.25")]}
