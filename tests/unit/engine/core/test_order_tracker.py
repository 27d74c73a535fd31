"""Order bookkeeping: status by rank, filled size only grows, fills counted once."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.engine.core.order_tracker import OPEN_STATUSES, OrderBookkeeping
from services.shared.generated.enums import OrderStatus as S
from services.shared.generated.tables import ORDER_STATUS_RANK
from tests.unit.engine.factories import fill, order

D = Decimal


def test_new_order_starts_a_timeline() -> None:
    t = OrderBookkeeping()
    up = t.apply(order(status=S.PENDING, ts=5))
    assert up.applied and up.status_changed
    assert [(e.status, e.ts) for e in t.timeline("o1")] == [(S.PENDING, 5)]


def test_status_moves_forward_and_the_timeline_records_each_change() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.PENDING, ts=1))
    t.apply(order(status=S.OPEN, ts=2))
    t.apply(order(status=S.PARTIALLY_FILLED, filled="4", ts=3))
    t.apply(order(status=S.PARTIALLY_FILLED, filled="6", ts=4))
    t.apply(order(status=S.FILLED, filled="10", ts=5))
    assert [(e.status, e.ts) for e in t.timeline("o1")] == [
        (S.PENDING, 1),
        (S.OPEN, 2),
        (S.PARTIALLY_FILLED, 3),
        (S.FILLED, 5),
    ]
    assert t.get("o1").filledSize == D(10)  # type: ignore[union-attr]


def test_a_stale_lower_ranked_update_is_ignored_and_counted() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.PARTIALLY_FILLED, filled="3"))
    up = t.apply(order(status=S.OPEN))
    assert not up.applied
    assert up.order.status is S.PARTIALLY_FILLED
    assert up.order.filledSize == D(3)
    assert t.stale_updates == 1


def test_a_terminal_status_never_changes_into_another() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.CANCELLED))
    assert not t.apply(order(status=S.FILLED, filled="10")).applied
    assert not t.apply(order(status=S.REJECTED)).applied
    assert t.get("o1").status is S.CANCELLED  # type: ignore[union-attr]
    assert t.stale_updates == 2


def test_an_older_snapshot_of_the_same_status_is_stale() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.PARTIALLY_FILLED, filled="5"))
    assert not t.apply(order(status=S.PARTIALLY_FILLED, filled="2")).applied
    assert t.get("o1").filledSize == D(5)  # type: ignore[union-attr]


def test_a_cancel_that_under_reports_fills_keeps_the_known_filled_size() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.PARTIALLY_FILLED, filled="4", avg="100", fees="0.2"))
    up = t.apply(order(status=S.CANCELLED, filled="0", error="user"))
    assert up.applied
    assert up.order.status is S.CANCELLED
    assert up.order.filledSize == D(4)
    assert up.order.fees == D("0.2")
    assert t.timeline("o1")[-1].reason == "user"


def test_fills_are_deduplicated_by_venue_fill_id() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.OPEN))
    first = t.apply_fill(fill(size="2", fid="v1"))
    again = t.apply_fill(fill(size="2", fid="v1"))
    assert first.is_new and not again.is_new
    assert t.duplicate_fills == 1
    assert len(t.fills("o1")) == 1
    assert t.get("o1").filledSize == D(2)  # type: ignore[union-attr]
    assert t.has_fill("okx", "v1")


def test_fills_promote_the_order_and_set_average_price_and_fees() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.OPEN, size="3"))
    t.apply_fill(fill(size="1", price="100", fee="0.1", fid="a", ts=7))
    up = t.apply_fill(fill(size="2", price="103", fee="0.2", fid="b", ts=8))
    assert up.order is not None
    assert up.order.status is S.FILLED
    assert up.order.filledSize == D(3)
    assert up.order.avgFillPrice == D(102)
    assert up.order.fees == D("0.3")
    assert [e.status for e in t.timeline("o1")] == [S.OPEN, S.PARTIALLY_FILLED, S.FILLED]


def test_a_fill_that_overtakes_its_order_is_folded_in_when_the_order_arrives() -> None:
    t = OrderBookkeeping()
    assert t.apply_fill(fill(size="4", fid="early")).order is None
    up = t.apply(order(status=S.OPEN, size="10"))
    assert up.order.filledSize == D(4)
    assert up.order.status is S.PARTIALLY_FILLED


def test_fill_after_venue_update_with_the_same_fill_does_not_double_count() -> None:
    t = OrderBookkeeping()
    t.apply(order(status=S.PARTIALLY_FILLED, filled="2", size="10"))
    t.apply_fill(fill(size="2", fid="x"))
    assert t.get("o1").filledSize == D(2)  # type: ignore[union-attr]


def test_open_orders_filter_by_bot_and_instrument_and_prune_forgets_old_final_orders() -> None:
    t = OrderBookkeeping()
    t.apply(order("a", S.OPEN, bot_id="b1"))
    t.apply(order("b", S.PENDING, bot_id="b2", symbol="ETH-USDT"))
    t.apply(order("c", S.FILLED, bot_id="b1", filled="10", ts=3))
    assert {o.id for o in t.open_orders()} == {"a", "b"}
    assert [o.id for o in t.open_orders("b1")] == ["a"]
    assert [o.id for o in t.open_orders(instrument="ETH-USDT")] == ["b"]
    assert t.prune(before_ts_ms=4) == 1
    assert t.get("c") is None and len(t) == 2


_UPDATE = st.tuples(
    st.sampled_from("abc"),
    st.sampled_from(list(S)),
    st.sampled_from(["b1", "b2", None]),
    st.integers(min_value=0, max_value=10),
)


@given(st.lists(st.one_of(_UPDATE, st.tuples(st.sampled_from("abc"))), max_size=30))
def test_open_orders_of_a_bot_match_a_scan_of_every_order(
    steps: list[tuple[str, S, str | None, int] | tuple[str]],
) -> None:
    """The by-bot index follows status changes, fills, terminal states and a changed botId."""
    t = OrderBookkeeping()
    for n, step in enumerate(steps):
        if len(step) == 1:
            t.apply_fill(fill(size="5", fid=f"f{n}", oid=step[0]))
        else:
            oid, status, bot, filled = step
            t.apply(order(oid, status, bot_id=bot, filled=str(filled)))
    for bot in ("b1", "b2"):
        scan = {o.id: o for o in t.orders(bot) if o.status in OPEN_STATUSES}
        indexed = {o.id: o for o in t.open_orders(bot)}
        assert indexed == scan
        assert all(indexed[i] is scan[i] for i in scan)
        assert [o.id for o in t.open_orders(bot, "ETH-USDT")] == []


RANKED = sorted(S, key=lambda s: ORDER_STATUS_RANK[s])
NON_TERMINAL = [S.PENDING, S.OPEN, S.PARTIALLY_FILLED]


@st.composite
def _lifecycle(draw: st.DrawFn) -> list[tuple[S, int]]:
    """A plausible venue lifecycle: non-terminal steps with growing fills, then one terminal."""
    steps: list[tuple[S, int]] = []
    filled = 0
    for status in NON_TERMINAL:
        if draw(st.booleans()):
            if status is S.PARTIALLY_FILLED:
                for _ in range(draw(st.integers(1, 3))):
                    filled = draw(st.integers(filled, 9))
                    steps.append((status, filled))
            else:
                steps.append((status, 0))
    final = draw(st.sampled_from([S.FILLED, S.CANCELLED, S.EXPIRED, None]))
    if final is S.FILLED:
        steps.append((final, 10))
    elif final is not None:
        steps.append((final, filled))
    return steps or [(S.PENDING, 0)]


@given(_lifecycle(), st.randoms(use_true_random=False))
def test_any_delivery_order_ends_in_the_latest_status_with_the_most_fills(
    steps: list[tuple[S, int]], rnd: random.Random
) -> None:
    shuffled = list(steps)
    rnd.shuffle(shuffled)
    t = OrderBookkeeping()
    seen: list[tuple[int, Decimal]] = []
    for i, (status, filled) in enumerate(shuffled):
        up = t.apply(order(status=status, filled=str(filled), ts=i))
        seen.append((ORDER_STATUS_RANK[up.order.status], up.order.filledSize))
    # Never backwards, whatever the delivery order.
    pairs = list(itertools.pairwise(seen))
    assert all(a[0] <= b[0] for a, b in pairs)
    assert all(a[1] <= b[1] for a, b in pairs)
    final = t.get("o1")
    assert final is not None
    assert ORDER_STATUS_RANK[final.status] == max(ORDER_STATUS_RANK[s] for s, _ in steps)
    assert final.filledSize == D(max(f for _, f in steps))
    ranks = [ORDER_STATUS_RANK[e.status] for e in final.timeline]
    assert ranks == sorted(ranks)
