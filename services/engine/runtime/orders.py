"""Order routing: strategy intents -> risk -> executor, and executor reports -> state + events.

`submit` is the hot path and synchronous: gates (engine halted, kill switch),
a client order id, the risk check, then the intent is queued on the bot's
lane and the call returns. Each bot has one *lane*: a task that sends its
places and cancels to the executor in submission order, so a cancel never
overtakes the place it cancels and a slow venue call of one bot never holds
up another bot.

Everything an executor reports (`on_order`, `on_fill`) is merged into the
engine's `OrderBookkeeping` (status never backwards, fills once), applied to
positions, published as `order.update` / `fill` / `position` events, handed
to the owning bot's inbox, and fed to risk (a hard breach stops the bot).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel

from services.engine.adapters.base import AccountAdapter, OrderExecutor, OrderRejected, VenueError
from services.engine.core.clock import Clock
from services.engine.core.order_factory import order_from_intent
from services.engine.core.order_tracker import OrderBookkeeping, is_terminal
from services.engine.core.positions import PositionBook, reported
from services.engine.core.types import OrderIntent
from services.engine.risk.risk_manager import RiskManager
from services.engine.risk.rules import Breach, RiskDecision
from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.market import EngineMarket
from services.engine.runtime.timeouts import within
from services.engine.strategies.base import OrderRequest
from services.shared.generated.entities import Fill, Order
from services.shared.generated.enums import Exchange, OrderSource, OrderStatus
from services.shared.generated.events import EventType
from services.shared.logs import get_logger

log = get_logger(__name__)

# How long one venue call may take before the lane moves on (the order's fate
# is then settled by reconciliation).
VENUE_CALL_TIMEOUT_SECS = 10.0
# Alphabet of client order ids: alphanumeric only (OKX clOrdId allows nothing else).
_B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(n: int) -> str:
    """`n` (non-negative) in base 36."""
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_B36[r])
    return "".join(reversed(out))


class EventSink(Protocol):
    """Where the runtime's events go (the EngineApp: envelope, outbox, Pub/Sub)."""

    def publish(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """Emit one event; never blocks."""
        ...


Deliver = Callable[[Order | Fill], None]
BreachHandler = Callable[[str, Breach], None]


@dataclass(eq=False)
class Venue:
    """One execution endpoint: a venue's live executor, or a paper executor over its feed."""

    name: str
    exchange: Exchange
    executor: OrderExecutor
    paper: bool
    account: AccountAdapter | None = None
    fills_cursor: str | None = None


@dataclass(eq=False)
class Lane:
    """One bot's ordered queue of venue calls and its in-flight intents."""

    bot_id: str
    venue: Venue
    strategy: str | None
    deliver: Deliver
    ops: deque[tuple[str, Any]] = field(default_factory=deque)
    inflight: dict[str, OrderIntent] = field(default_factory=dict)
    cancel_requested: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    idle: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    open: bool = True
    intents: int = 0


class OrderRouter:
    """Risk-checked order entry for every bot, and the engine's ExecutionListener."""

    def __init__(
        self,
        *,
        sink: EventSink,
        tracker: OrderBookkeeping,
        positions: PositionBook,
        risk: RiskManager,
        market: EngineMarket,
        clock: Clock,
        on_breach: BreachHandler,
        id_prefix: str | None = None,
    ) -> None:
        self._sink = sink
        self.tracker = tracker
        self.positions = positions
        self.risk = risk
        self.market = market
        self._clock = clock
        self._on_breach = on_breach
        self._lanes: dict[str, Lane] = {}
        self._venues: dict[str, Venue] = {}
        self._ids = itertools.count(1)
        self._prefix = id_prefix or base36(time.time_ns() // 1_000_000)
        self.halted: str | None = None
        """Why the engine refuses new orders (fail-closed halt); None = accepting."""
        self.suspended: str | None = None
        """Set from the first failed Redis check until it answers or the halt starts."""
        self.last_reject: str | None = None
        self.intent_sink: Callable[[OrderIntent], None] | None = None
        """Bench hook: when set, accepted intents go here instead of to a venue."""

    # -- venues and bots ----------------------------------------------------------
    def add_venue(self, venue: Venue) -> None:
        """Route `venue`'s executor reports here."""
        self._venues[venue.name] = venue
        venue.executor.set_listener(self)

    def venues(self) -> list[Venue]:
        """Every execution endpoint."""
        return list(self._venues.values())

    def venue(self, name: str) -> Venue | None:
        """An execution endpoint by name."""
        return self._venues.get(name)

    def open_lane(self, bot_id: str, venue: Venue, strategy: str | None, deliver: Deliver) -> Lane:
        """Give a bot its lane (replacing a closed one)."""
        old = self._lanes.get(bot_id)
        if old is not None and old.task is not None and not old.task.done():
            old.task.cancel()
        lane = Lane(bot_id, venue, strategy, deliver)
        lane.idle.set()
        lane.task = asyncio.create_task(self._run_lane(lane), name=f"lane:{bot_id}")
        self._lanes[bot_id] = lane
        return lane

    async def close_lane(self, bot_id: str) -> None:
        """Stop a bot's lane (after its orders were cancelled)."""
        lane = self._lanes.pop(bot_id, None)
        if lane is None:
            return
        lane.open = False
        if lane.task is not None:
            lane.task.cancel()
            await asyncio.gather(lane.task, return_exceptions=True)

    def lane(self, bot_id: str) -> Lane | None:
        """A bot's lane."""
        return self._lanes.get(bot_id)

    # -- entry (hot path) ---------------------------------------------------------
    def next_order_id(self, lane: Lane) -> str:
        """A client order id unique to this engine (run prefix + counter), alphanumeric."""
        return f"{self._prefix}x{next(self._ids)}"

    def submit(
        self,
        bot_id: str,
        request: OrderRequest,
        *,
        source: OrderSource = OrderSource.STRATEGY,
    ) -> str | None:
        """Risk-check and queue an order; return its id, or None (reason in `last_reject`)."""
        lane = self._lanes.get(bot_id)
        if lane is None or not lane.open:
            return self._refuse(None, "bot has no open order lane", "closed")
        if self.halted is not None or self.suspended is not None:
            return self._refuse(lane, self.halted or self.suspended or "", "halted")
        venue = lane.venue
        intent = OrderIntent(
            bot_id,
            venue.exchange,
            request.instrument,
            request.side,
            request.type,
            request.size,
            self.next_order_id(lane),
            request.price,
            request.time_in_force,
            request.reduce_only,
            request.leverage,
            request.margin_mode,
            request.reason,
        )
        decision = self.risk.check(intent)
        if not decision.accepted:
            # An operator's order over a limit is refused, not held against the bot.
            return self._risk_refused(lane, intent, decision, source is OrderSource.STRATEGY)
        lane.intents += 1
        sink = self.intent_sink
        if sink is not None:
            sink(intent)
            return intent.client_order_id
        lane.inflight[intent.client_order_id] = intent
        lane.ops.append(("place", (intent, source)))
        lane.wake.set()
        return intent.client_order_id

    def _refuse(self, lane: Lane | None, reason: str, label: str) -> str | None:
        self.last_reject = reason
        exchange = lane.venue.exchange.value if lane is not None else "unknown"
        rm.child(rm.ORDERS_REFUSED, exchange, label).inc()
        return None

    def _risk_refused(
        self, lane: Lane, intent: OrderIntent, decision: RiskDecision, enforce: bool
    ) -> str | None:
        self.last_reject = f"{decision.rule}: {decision.message}"
        rm.child(rm.RISK_REJECTIONS, lane.venue.exchange.value, decision.rule).inc()
        if enforce and decision.breach is not None and intent.bot_id is not None:
            self._on_breach(intent.bot_id, decision.breach)
        return None

    def cancel(self, bot_id: str, order_id: str) -> bool:
        """Queue a cancel of one of the bot's orders; False if unknown or already final."""
        lane = self._lanes.get(bot_id)
        if lane is None or order_id in lane.cancel_requested:
            return False
        if order_id not in lane.inflight:
            order = self.tracker.get(order_id)
            if order is None or order.botId != bot_id or is_terminal(order.status):
                return False
        lane.cancel_requested.add(order_id)
        lane.ops.append(("cancel", order_id))
        lane.wake.set()
        return True

    def open_order_ids(self, bot_id: str, instrument: str | None = None) -> list[str]:
        """The bot's live orders not already being cancelled (in flight included)."""
        lane = self._lanes.get(bot_id)
        skip = lane.cancel_requested if lane is not None else set()
        ids = [o.id for o in self.tracker.open_orders(bot_id, instrument) if o.id not in skip]
        if lane is not None:
            ids.extend(
                coid
                for coid, intent in lane.inflight.items()
                if coid not in skip
                and (instrument is None or intent.instrument == instrument)
                and self.tracker.get(coid) is None
            )
        return ids

    def open_orders(self, bot_id: str, instrument: str | None = None) -> list[Order]:
        """The bot's live orders as models (in-flight ones as PENDING)."""
        lane = self._lanes.get(bot_id)
        skip = lane.cancel_requested if lane is not None else set()
        out = [o for o in self.tracker.open_orders(bot_id, instrument) if o.id not in skip]
        if lane is not None:
            for coid, intent in lane.inflight.items():
                if coid in skip or self.tracker.get(coid) is not None:
                    continue
                if instrument is None or intent.instrument == instrument:
                    out.append(self._pending_order(lane, intent, OrderSource.STRATEGY))
        return out

    # -- the lane -----------------------------------------------------------------
    async def _run_lane(self, lane: Lane) -> None:
        while True:
            if not lane.ops:
                lane.idle.set()
                lane.wake.clear()
                await lane.wake.wait()
                continue
            lane.idle.clear()
            kind, arg = lane.ops.popleft()
            try:
                if kind == "place":
                    intent, source = arg
                    await self._place(lane, intent, source)
                else:
                    await self._cancel_one(lane, arg)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("order lane step failed", botId=lane.bot_id, op=kind)

    async def _place(self, lane: Lane, intent: OrderIntent, source: OrderSource) -> None:
        coid = intent.client_order_id
        gate = self.halted or self.suspended
        if gate is not None or not lane.open:
            # Gate closed after the intent was queued: it never reaches the venue.
            lane.inflight.pop(coid, None)
            self._apply_order(self._rejected(lane, intent, source, gate or "bot closed"))
            return
        exchange = lane.venue.exchange.value
        try:
            order = await within(lane.venue.executor.place(intent), VENUE_CALL_TIMEOUT_SECS)
        except OrderRejected as exc:
            rm.child(rm.ORDERS_REJECTED, exchange).inc()
            lane.inflight.pop(coid, None)
            self._apply_order(self._rejected(lane, intent, source, str(exc)))
            return
        except (VenueError, OSError, TimeoutError) as exc:
            # Unknown outcome: keep it PENDING; reconciliation settles it.
            rm.child(rm.ORDERS_REJECTED, exchange).inc()
            log.warning("place failed; order state unknown", orderId=coid, error=str(exc))
            lane.inflight.pop(coid, None)
            pending = self._pending_order(lane, intent, source)
            self._apply_order(pending.model_copy(update={"error": str(exc)[:500]}))
            return
        rm.child(rm.ORDERS_PLACED, exchange).inc()
        lane.inflight.pop(coid, None)
        update: dict[str, Any] = {}
        if order.botId is None:
            update["botId"] = lane.bot_id
        if order.strategy is None and lane.strategy is not None:
            update["strategy"] = lane.strategy
        if order.source != source:
            update["source"] = source
        self._apply_order(order.model_copy(update=update) if update else order)

    async def _cancel_one(self, lane: Lane, order_id: str) -> None:
        order = self.tracker.get(order_id)
        exchange = lane.venue.exchange.value
        if order is None or is_terminal(order.status):
            lane.cancel_requested.discard(order_id)
            return
        try:
            result = await within(
                lane.venue.executor.cancel(order.instrument, order_id), VENUE_CALL_TIMEOUT_SECS
            )
        except (VenueError, OSError, TimeoutError) as exc:
            rm.child(rm.CANCELS, exchange, "false").inc()
            log.warning("cancel failed", orderId=order_id, error=str(exc))
            lane.cancel_requested.discard(order_id)
            return
        rm.child(rm.CANCELS, exchange, "true").inc()
        lane.cancel_requested.discard(order_id)
        self._apply_order(result)

    # -- bulk cancels (stop, pause, halt) ------------------------------------------
    async def quiesce(self, bot_id: str, reason: str) -> None:
        """Refuse the bot's queued places and wait for the lane's current call to return."""
        lane = self._lanes.get(bot_id)
        if lane is None:
            return
        self._drop_queued_places(lane, reason)
        try:
            await within(lane.idle.wait(), VENUE_CALL_TIMEOUT_SECS)
        except TimeoutError:
            log.warning("lane did not go idle", botId=bot_id)

    def _drop_queued_places(self, lane: Lane, reason: str) -> None:
        kept: deque[tuple[str, Any]] = deque()
        while lane.ops:
            kind, arg = lane.ops.popleft()
            if kind == "place":
                intent, source = arg
                lane.inflight.pop(intent.client_order_id, None)
                self._apply_order(self._rejected(lane, intent, source, reason))
            else:
                kept.append((kind, arg))
        lane.ops.extend(kept)

    async def cancel_bot_orders(self, bot_id: str, reason: str) -> int:
        """Stop the bot's new places and cancel every open order it has; return how many."""
        lane = self._lanes.get(bot_id)
        if lane is None:
            return 0
        await self.quiesce(bot_id, reason)
        orders = self.tracker.open_orders(bot_id)
        results = await asyncio.gather(
            *(self._cancel_now(lane.venue, o) for o in orders), return_exceptions=True
        )
        return sum(1 for r in results if r is True)

    async def _cancel_now(self, venue: Venue, order: Order) -> bool:
        exchange = venue.exchange.value
        try:
            result = await within(
                venue.executor.cancel(order.instrument, order.id), VENUE_CALL_TIMEOUT_SECS
            )
        except (VenueError, OSError, TimeoutError) as exc:
            rm.child(rm.CANCELS, exchange, "false").inc()
            log.warning("cancel failed", orderId=order.id, error=str(exc))
            return False
        rm.child(rm.CANCELS, exchange, "true").inc()
        self._apply_order(result)
        return True

    async def cancel_everything(self, reason: str) -> int:
        """Halt path: drop queued places everywhere, then cancel all on every venue."""
        for lane in list(self._lanes.values()):
            self._drop_queued_places(lane, reason)
        await asyncio.gather(
            *(
                within(lane.idle.wait(), VENUE_CALL_TIMEOUT_SECS)
                for lane in list(self._lanes.values())
            ),
            return_exceptions=True,
        )
        results = await asyncio.gather(
            *(self._cancel_venue(v) for v in self._venues.values()), return_exceptions=True
        )
        return sum(r for r in results if isinstance(r, int))

    async def _cancel_venue(self, venue: Venue) -> int:
        exchange = venue.exchange.value
        try:
            cancelled = await within(venue.executor.cancel_all(), VENUE_CALL_TIMEOUT_SECS)
        except (VenueError, OSError, TimeoutError) as exc:
            rm.child(rm.CANCELS, exchange, "false").inc()
            log.error("cancel-all failed", venue=venue.name, error=str(exc))
            # Fall back to one cancel per order we know of.
            orders = [o for o in self.tracker.open_orders() if self._venue_of(o) is venue]
            done = await asyncio.gather(*(self._cancel_now(venue, o) for o in orders))
            return sum(done)
        rm.child(rm.CANCELS, exchange, "true").inc()
        for order in cancelled:
            self._apply_order(order)
        return len(cancelled)

    def _venue_of(self, order: Order) -> Venue | None:
        lane = self._lanes.get(order.botId) if order.botId else None
        if lane is not None:
            return lane.venue
        for venue in self._venues.values():
            if venue.exchange == order.exchange:
                return venue
        return None

    # -- reconciliation -----------------------------------------------------------
    async def reconcile(self, venue: Venue) -> dict[str, int]:
        """Bring orders, fills and positions in line with the venue; raise if it fails."""
        exchange = venue.exchange.value
        try:
            open_now = await within(venue.executor.open_orders(), VENUE_CALL_TIMEOUT_SECS)
            fills: list[Fill] = []
            cursor = venue.fills_cursor
            while True:
                batch, next_cursor = await within(
                    venue.executor.fills_since(cursor), VENUE_CALL_TIMEOUT_SECS
                )
                fills.extend(batch)
                if not batch or next_cursor == cursor or next_cursor is None:
                    cursor = next_cursor or cursor
                    break
                cursor = next_cursor
            venue_positions = (
                await within(venue.account.positions(), VENUE_CALL_TIMEOUT_SECS)
                if venue.account is not None
                else []
            )
        except Exception:
            rm.RECONCILES.labels(exchange, "false").inc()
            raise
        venue.fills_cursor = cursor
        for order in open_now:
            self._apply_order(order)
        new_fills = 0
        for fill in fills:
            if not self.tracker.has_fill(str(fill.exchange), fill.id):
                new_fills += 1
            self.on_fill(fill)
        open_ids = {o.id for o in open_now}
        closed = 0
        now = self._clock.now_ms()
        for order in self.tracker.open_orders():
            if self._venue_of(order) is not venue or order.id in open_ids:
                continue
            if order.status is OrderStatus.PENDING and any(
                order.id in lane.inflight for lane in self._lanes.values()
            ):
                continue
            # Not resting at the venue and its fills are applied: it is gone.
            self._apply_order(
                order.model_copy(
                    update={
                        "status": OrderStatus.CANCELLED,
                        "updatedTs": max(now, order.updatedTs),
                        "error": "not open at the venue on reconciliation",
                    }
                )
            )
            closed += 1
        self._check_positions(venue, venue_positions)
        rm.RECONCILES.labels(exchange, "true").inc()
        return {"open": len(open_now), "fills": new_fills, "closed": closed}

    def _check_positions(self, venue: Venue, venue_positions: Iterable[Any]) -> None:
        ours: dict[str, Decimal] = {}
        for pos in self.positions.all_positions():
            if pos.exchange == venue.exchange.value:
                ours[pos.instrument] = ours.get(pos.instrument, Decimal(0)) + pos.quantity
        for vp in venue_positions:
            signed = vp.size if vp.side.value in ("long", "yes", "net") else -vp.size
            if ours.get(vp.instrument, Decimal(0)) != signed:
                log.warning(
                    "position differs from the venue's",
                    venue=venue.name,
                    instrument=vp.instrument,
                    engine=str(ours.get(vp.instrument, Decimal(0))),
                    venue_size=str(signed),
                )

    # -- ExecutionListener ------------------------------------------------------------
    def on_order(self, order: Order) -> None:
        """An executor reported an order update."""
        self._apply_order(order)

    def on_fill(self, fill: Fill) -> None:
        """An executor reported a fill."""
        if fill.botId is None:
            known = self.tracker.get(fill.orderId)
            if known is not None and known.botId is not None:
                fill = fill.model_copy(update={"botId": known.botId})
        before = self.tracker.get(fill.orderId)
        outcome = self.tracker.apply_fill(fill)
        if not outcome.is_new:
            return
        instrument = self.market.instrument(str(fill.exchange), fill.instrument)
        if instrument is not None:
            effect = self.positions.apply_fill(fill, instrument)
            fill = fill.model_copy(update={"realizedPnl": reported(effect.realized_pnl)})
            lane = self._lanes.get(fill.botId) if fill.botId else None
            if fill.strategy is None and lane is not None and lane.strategy is not None:
                fill = fill.model_copy(update={"strategy": lane.strategy})
            self._emit(EventType.FILL, fill)
            position = effect.position.to_model(paper=fill.paper, ts_ms=fill.ts)
            self._emit(EventType.POSITION, position)
        else:
            log.warning("fill for an instrument without metadata", instrument=fill.instrument)
            self._emit(EventType.FILL, fill)
        if outcome.order is not None and (
            before is None
            or outcome.order.status != before.status
            or outcome.order.filledSize != before.filledSize
        ):
            self._emit(EventType.ORDER_UPDATE, outcome.order)
        self._deliver(fill.botId, fill)
        if fill.botId is not None:
            for breach in self.risk.evaluate(fill.botId):
                self._on_breach(fill.botId, breach)

    def _apply_order(self, order: Order) -> None:
        before = self.tracker.get(order.id)
        update = self.tracker.apply(order)
        if not update.applied:
            return
        merged = update.order
        if (
            before is not None
            and not update.status_changed
            and (merged.filledSize == before.filledSize)
        ):
            return
        if is_terminal(merged.status):
            lane = self._lanes.get(merged.botId) if merged.botId else None
            if lane is not None:
                lane.cancel_requested.discard(merged.id)
        self._emit(EventType.ORDER_UPDATE, merged)
        self._deliver(merged.botId, merged)

    def _deliver(self, bot_id: str | None, item: Order | Fill) -> None:
        if bot_id is None:
            return
        lane = self._lanes.get(bot_id)
        if lane is not None:
            lane.deliver(item)

    def _emit(self, event_type: EventType, model: BaseModel) -> None:
        exchange = getattr(model, "exchange", None)
        bot_id = getattr(model, "botId", None)
        self._sink.publish(
            event_type, model, exchange=str(exchange) if exchange else None, bot_id=bot_id
        )

    # -- models ---------------------------------------------------------------------
    def _pending_order(self, lane: Lane, intent: OrderIntent, source: OrderSource) -> Order:
        return order_from_intent(
            intent,
            exchange=lane.venue.exchange,
            paper=lane.venue.paper,
            ts_ms=self._clock.now_ms(),
            source=source,
            strategy=lane.strategy,
        )

    def _rejected(self, lane: Lane, intent: OrderIntent, source: OrderSource, reason: str) -> Order:
        return self._pending_order(lane, intent, source).model_copy(
            update={"status": OrderStatus.REJECTED, "error": reason[:500]}
        )
