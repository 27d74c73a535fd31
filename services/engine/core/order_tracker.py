"""Order bookkeeping: status never goes backwards, fills are counted once.

Updates for one order arrive from several places (the REST reply, the private
WS stream, reconciliation after a reconnect) and in any order. The tracker
merges them by the schema's `ORDER_STATUS_RANK`: an update ranked below the
current status is stale and ignored (and counted, so it shows in metrics);
terminal statuses share the top rank and never change into each other; filled
size only grows. Fills are deduplicated by (exchange, venue fill id) and folded
into their order, so a fill that overtakes its order update still counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from services.shared.generated.entities import Fill, Order, OrderTimelineEntry
from services.shared.generated.enums import OrderStatus
from services.shared.generated.tables import ORDER_STATUS_RANK

TERMINAL_RANK = max(ORDER_STATUS_RANK.values())
OPEN_STATUSES: frozenset[OrderStatus] = frozenset(
    s for s, rank in ORDER_STATUS_RANK.items() if rank < TERMINAL_RANK
)

_ZERO = Decimal(0)


def is_terminal(status: OrderStatus) -> bool:
    """Return True for statuses an order never leaves."""
    return ORDER_STATUS_RANK[status] >= TERMINAL_RANK


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """The outcome of applying one order update."""

    order: Order
    applied: bool
    status_changed: bool


@dataclass(frozen=True, slots=True)
class FillUpdate:
    """The outcome of applying one fill; `order` is None until the order is known."""

    is_new: bool
    order: Order | None


@dataclass(slots=True)
class _FillTotals:
    size: Decimal = _ZERO
    notional: Decimal = _ZERO
    fees: Decimal = _ZERO


class OrderBookkeeping:
    """Every order of one engine keyed by its client order id, plus their fills."""

    def __init__(self) -> None:
        self._orders: dict[str, Order] = {}
        # Open orders by bot: risk counts a bot's open orders on every intent,
        # which must not cost a pass over every order the engine ever tracked.
        self._open: dict[str | None, dict[str, Order]] = {}
        self._fills: defaultdict[str, list[Fill]] = defaultdict(list)
        self._totals: defaultdict[str, _FillTotals] = defaultdict(_FillTotals)
        self._seen_fills: set[tuple[str, str]] = set()
        self.stale_updates = 0
        self.duplicate_fills = 0

    # -- writes ---------------------------------------------------------
    def apply(self, order: Order) -> OrderUpdate:
        """Merge an order update; ignore it (and count it) when it is stale."""
        current = self._orders.get(order.id)
        if current is None:
            timeline = list(order.timeline)
            if not timeline or timeline[-1].status != order.status:
                timeline.append(_entry(order))
            merged = self._with_fills(order.model_copy(update={"timeline": timeline}))
            self._store(merged, None)
            return OrderUpdate(merged, applied=True, status_changed=True)

        if self._is_stale(current, order):
            self.stale_updates += 1
            return OrderUpdate(current, applied=False, status_changed=False)

        status_changed = order.status != current.status
        timeline = list(current.timeline)
        if status_changed:
            timeline.append(_entry(order))
        if order.filledSize >= current.filledSize:
            filled, avg, fees = order.filledSize, order.avgFillPrice, order.fees
        else:
            # A terminal update that under-reports fills (e.g. a cancel ack
            # built before the last fill): keep what we already know.
            filled, avg, fees = current.filledSize, current.avgFillPrice, current.fees
        merged = order.model_copy(
            update={
                "filledSize": filled,
                "avgFillPrice": avg,
                "fees": fees,
                "timeline": timeline,
                "venueOrderId": order.venueOrderId or current.venueOrderId,
                "createdTs": min(current.createdTs, order.createdTs),
            }
        )
        merged = self._with_fills(merged)
        self._store(merged, current)
        return OrderUpdate(merged, applied=True, status_changed=status_changed)

    def apply_fill(self, fill: Fill) -> FillUpdate:
        """Record a fill once per (exchange, fill id) and fold it into its order."""
        key = (str(fill.exchange), fill.id)
        if key in self._seen_fills:
            self.duplicate_fills += 1
            return FillUpdate(is_new=False, order=self._orders.get(fill.orderId))
        self._seen_fills.add(key)
        self._fills[fill.orderId].append(fill)
        totals = self._totals[fill.orderId]
        totals.size += fill.size
        totals.notional += fill.price * fill.size
        totals.fees += fill.fee
        current = self._orders.get(fill.orderId)
        if current is None:
            return FillUpdate(is_new=True, order=None)
        merged = self._with_fills(current, ts_ms=fill.ts)
        self._store(merged, current)
        return FillUpdate(is_new=True, order=merged)

    def prune(self, before_ts_ms: int) -> int:
        """Forget terminal orders last updated before `before_ts_ms`; return how many.

        Fill ids are kept, so a late duplicate of a pruned order's fill is still
        recognised.
        """
        doomed = [
            oid
            for oid, o in self._orders.items()
            if is_terminal(o.status) and o.updatedTs < before_ts_ms
        ]
        for oid in doomed:
            del self._orders[oid]
            self._fills.pop(oid, None)
            self._totals.pop(oid, None)
        return len(doomed)

    # -- reads ----------------------------------------------------------
    def get(self, order_id: str) -> Order | None:
        """The tracked order, or None."""
        return self._orders.get(order_id)

    def orders(self, bot_id: str | None = None) -> list[Order]:
        """Every tracked order, or those of one bot."""
        return [o for o in self._orders.values() if bot_id is None or o.botId == bot_id]

    def open_of_bot(self, bot_id: str | None) -> Collection[Order]:
        """A live view of one bot's open orders (no list built; do not keep it across writes)."""
        mine = self._open.get(bot_id)
        return mine.values() if mine else ()

    def open_orders(self, bot_id: str | None = None, instrument: str | None = None) -> list[Order]:
        """Orders not yet in a terminal status, optionally of one bot and/or instrument."""
        if bot_id is not None:
            mine = self._open.get(bot_id)
            if not mine:
                return []
            return [o for o in mine.values() if instrument is None or o.instrument == instrument]
        return [
            o
            for o in self._orders.values()
            if o.status in OPEN_STATUSES
            and (bot_id is None or o.botId == bot_id)
            and (instrument is None or o.instrument == instrument)
        ]

    def fills(self, order_id: str) -> list[Fill]:
        """Fills recorded for an order, in arrival order."""
        return list(self._fills.get(order_id, ()))

    def timeline(self, order_id: str) -> list[OrderTimelineEntry]:
        """Status changes of an order, oldest first."""
        order = self._orders.get(order_id)
        return list(order.timeline) if order is not None else []

    def has_fill(self, exchange: str, fill_id: str) -> bool:
        """Return True when the fill was already recorded."""
        return (str(exchange), fill_id) in self._seen_fills

    def __len__(self) -> int:
        return len(self._orders)

    # -- helpers --------------------------------------------------------
    def _store(self, order: Order, previous: Order | None) -> None:
        """Record the merged order and keep the open-by-bot index in step."""
        self._orders[order.id] = order
        if previous is not None and previous.botId != order.botId:
            self._unindex(previous)
        if order.status in OPEN_STATUSES:
            self._open.setdefault(order.botId, {})[order.id] = order
        else:
            self._unindex(order)

    def _unindex(self, order: Order) -> None:
        mine = self._open.get(order.botId)
        if mine is not None and mine.pop(order.id, None) is not None and not mine:
            del self._open[order.botId]

    @staticmethod
    def _is_stale(current: Order, update: Order) -> bool:
        cur_rank = ORDER_STATUS_RANK[current.status]
        new_rank = ORDER_STATUS_RANK[update.status]
        if new_rank < cur_rank:
            return True
        if cur_rank >= TERMINAL_RANK and update.status != current.status:
            return True
        # Same status with less filled is an older snapshot of the same state.
        return update.status == current.status and update.filledSize < current.filledSize

    def _with_fills(self, order: Order, ts_ms: int | None = None) -> Order:
        """Raise filled size (and status) to what the recorded fills prove."""
        totals = self._totals.get(order.id)
        if totals is None or totals.size <= order.filledSize:
            return order
        status = order.status
        if not is_terminal(status):
            if totals.size >= order.size:
                status = OrderStatus.FILLED
            elif ORDER_STATUS_RANK[status] < ORDER_STATUS_RANK[OrderStatus.PARTIALLY_FILLED]:
                status = OrderStatus.PARTIALLY_FILLED
        updated_ts = max(order.updatedTs, ts_ms or 0)
        timeline = list(order.timeline)
        if status != order.status:
            timeline.append(OrderTimelineEntry(status=status, ts=updated_ts))
        return order.model_copy(
            update={
                "filledSize": totals.size,
                "avgFillPrice": totals.notional / totals.size,
                "fees": totals.fees,
                "status": status,
                "timeline": timeline,
                "updatedTs": updated_ts,
            }
        )


def _entry(order: Order) -> OrderTimelineEntry:
    return OrderTimelineEntry(status=order.status, ts=order.updatedTs, reason=order.error)
