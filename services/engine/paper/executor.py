"""PaperExecutor: the OrderExecutor of paper mode, filling against the live book.

The runtime feeds it the venue's live data (`on_book`, `on_trade`, and
`on_funding`/`on_mark` for venue hooks) and it answers through the same
interface as a live executor. Time comes from an injected `Clock`; a request
reaches the simulated matching engine after the `LatencyModel`'s delay and is
acted on by the next `poll()` at or after that time (every feed call polls
first; `start()` also polls on a timer when `poll_interval_secs` is set).
With zero latency everything happens inside the call.

Lifecycle of an order:
- `place`: idempotent on client order id. The venue rules (`PaperVenueRules`),
  funds for cash instruments and the venue hooks' `check_order` run at once;
  a refusal is reported as a REJECTED order to the listener and raised as
  `OrderRejected`. Otherwise the order is PENDING and funds are frozen.
- arrival: post-only orders that would take are cancelled; marketable orders
  walk the book (partial fills across levels, each at the level's price, as
  taker); FOK fills all or nothing, IOC and market orders cancel what is left;
  the rest rests (OPEN) behind the volume displayed at its price.
- resting: trades at the price eat the queue ahead, then fill the order at its
  price as maker; a trade through the price fills it up to the trade's size;
  the level shrinking below the queue shortens it. With `fill_on_book_cross`,
  an order with nothing ahead also fills when the other side's book reaches
  its price.
Every fill gets a unique id (`<prefix>-f<n>`), is booked on the `PaperAccount`,
passed to the hooks' `on_fill`, then delivered to the listener (`on_fill`, then
`on_order` with the new status). Status only moves forward.

Liquidation: when the hooks' `on_mark` says so, the instrument's open orders
are cancelled and the position is closed by a market order of source RISK and
reason "liquidation" (owned by the bot whose fills built the position), at
the mark or at the price the hooks' `Liquidation` names. Funding payments the
hooks book and every liquidation also go to the `PaperEventListener`.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError

from services.engine.adapters.base import (
    ExecutionListener,
    OrderExecutor,
    OrderRejected,
    VenueError,
)
from services.engine.core.book import L2Book
from services.engine.core.clock import Clock
from services.engine.core.order_factory import order_from_intent
from services.engine.core.order_tracker import is_terminal
from services.engine.core.positions import contract_multiplier, pnl_currency
from services.engine.core.types import FeedChannel, FundingRate, MarkPrice, OrderIntent, TradeTick
from services.engine.paper import matching as m
from services.engine.paper.account import CASH_KINDS, PaperAccount
from services.engine.paper.fees import FeeModel, FeeQuote, RateFeeModel
from services.engine.paper.hooks import (
    Liquidation,
    LiquidationEvent,
    NoVenueHooks,
    PaperEventListener,
    PaperVenueHooks,
)
from services.engine.paper.latency import NO_LATENCY, LatencyModel
from services.engine.paper.rules import DefaultVenueRules, PaperVenueRules, would_cross
from services.shared.generated.entities import Fill, Instrument, Order, OrderTimelineEntry
from services.shared.generated.enums import (
    Exchange,
    Liquidity,
    OrderSide,
    OrderSource,
    OrderStatus,
    OrderType,
)

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True, kw_only=True)
class PaperConfig:
    """Knobs of the simulated venue."""

    # Prefix of venue order and fill ids; random per executor when None, so ids
    # never repeat across engine restarts (fills are upserted by id).
    id_prefix: str | None = None
    # Fill a resting order with nothing queued ahead when the other side's book reaches it.
    fill_on_book_cross: bool = True
    # Refuse cash-instrument orders the balance cannot pay for.
    enforce_balance: bool = True
    # With start(): act on due requests by themselves, at most this often
    # (None: only on feed calls and poll()). Idle executors do not wake up.
    poll_interval_secs: float | None = 0.002


@dataclass(eq=False, slots=True)
class _PaperOrder:
    intent: OrderIntent
    instrument: Instrument
    order: Order
    seq: int
    remaining: Decimal
    filled: Decimal = _ZERO
    notional: Decimal = _ZERO
    fees: Decimal = _ZERO
    queue_ahead: Decimal = _ZERO
    resting: bool = False
    frozen_ccy: str | None = None
    frozen_left: Decimal = _ZERO
    frozen_per_unit: Decimal = _ZERO

    @property
    def price(self) -> Decimal:
        assert self.intent.price is not None, "only priced orders rest"
        return self.intent.price


@dataclass(order=True, frozen=True, slots=True)
class _Due:
    due_ms: int
    seq: int
    action: str = field(compare=False)
    order_id: str = field(compare=False)


class PaperExecutor(OrderExecutor):
    """Simulated order entry for one venue account over the venue's live feed."""

    def __init__(
        self,
        exchange: Exchange,
        instruments: Mapping[str, Instrument],
        *,
        clock: Clock,
        account: PaperAccount | None = None,
        latency: LatencyModel = NO_LATENCY,
        fees: FeeModel | None = None,
        rules: PaperVenueRules | None = None,
        hooks: PaperVenueHooks | None = None,
        config: PaperConfig | None = None,
    ) -> None:
        self.exchange = exchange
        self.config = config or PaperConfig()
        self._instruments: dict[str, Instrument] = dict(instruments)
        self._clock = clock
        self.account = account or PaperAccount(exchange, clock=clock)
        self._latency = latency
        self._fees = fees or RateFeeModel()
        self._rules = rules or DefaultVenueRules()
        self._hooks = hooks or NoVenueHooks()
        self._prefix = self.config.id_prefix or f"paper-{uuid.uuid4().hex[:8]}"
        self._listener: ExecutionListener | None = None
        self._paper_listener: PaperEventListener | None = None
        self.liquidations: list[LiquidationEvent] = []
        """Every liquidation carried out, oldest first."""
        # instrument -> the bot whose fills last moved its position (owns liquidations).
        self._owners: dict[str, str] = {}
        self._books: dict[str, L2Book] = {}
        self._orders: dict[str, _PaperOrder] = {}
        self._resting: dict[str, list[_PaperOrder]] = {}
        self._due: list[_Due] = []
        self._fills: list[Fill] = []
        self._ledger = m.LiquidityLedger()
        self._seq = 0
        self._fill_seq = 0
        self._poller: asyncio.Task[None] | None = None
        self._wakeup = asyncio.Event()

    # -- wiring ---------------------------------------------------------
    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument tradable (metadata from the venue's feed provider)."""
        self._instruments[instrument.symbol] = instrument

    def set_listener(self, listener: ExecutionListener) -> None:
        """Where order updates and fills go."""
        self._listener = listener

    def set_paper_listener(self, listener: PaperEventListener) -> None:
        """Where funding payments and liquidations go."""
        self._paper_listener = listener

    def market_feeds(self, instrument: str) -> frozenset[FeedChannel]:
        """Channels beyond books and trades the venue hooks need for `instrument`."""
        inst = self._instruments.get(instrument)
        return self._hooks.market_feeds(inst) if inst is not None else frozenset()

    async def start(self) -> None:
        """Start polling for due requests on a timer (when configured)."""
        interval = self.config.poll_interval_secs
        if interval and self._poller is None:
            self._poller = asyncio.create_task(self._poll_forever(interval))

    async def stop(self) -> None:
        """Stop the poll timer; resting orders stay."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
            self._poller = None

    async def _poll_forever(self, interval: float) -> None:
        # Idle executors sleep on the event; with work queued, wake when the
        # earliest request falls due (never busier than `interval`).
        while True:
            if not self._due:
                self._wakeup.clear()
                await self._wakeup.wait()
            self.poll()
            if self._due:
                wait_ms = self._due[0].due_ms - self._clock.now_ms()
                await asyncio.sleep(max(interval, wait_ms / 1000))

    def _schedule(self, due_ms: int, action: str, order_id: str) -> None:
        self._seq += 1
        heapq.heappush(self._due, _Due(due_ms, self._seq, action, order_id))
        self._wakeup.set()

    # -- market data in -------------------------------------------------
    def on_book(self, book: L2Book) -> None:
        """Take a book update: act on due requests, then re-check resting orders."""
        self._books[book.instrument] = book
        self.poll()
        self._ledger.refresh(book)
        resting = self._resting.get(book.instrument)
        if not resting:
            return
        for po in list(resting):
            if not po.resting:
                continue
            level = book.size_at(m.maker_side(po.intent.side), po.price)
            if level < po.queue_ahead:
                po.queue_ahead = level
            if self.config.fill_on_book_cross and po.queue_ahead == 0:
                for price, qty, level_size in m.walk_book(
                    book, po.intent.side, po.price, po.remaining, self._ledger
                ):
                    self._ledger.take(
                        book.instrument, m.taker_side(po.intent.side), price, level_size, qty
                    )
                    self._fill(po, po.price, qty, Liquidity.MAKER)

    def on_trade(self, trade: TradeTick) -> None:
        """Take a public trade: act on due requests, then fill resting orders it reached."""
        self.poll()
        resting = self._resting.get(trade.instrument)
        if not resting:
            return
        # Price priority (best first for the side), then time; a trade's size is
        # shared so one print never fills more than it traded.
        budget = trade.size
        for po in sorted(resting, key=_priority):
            if budget <= 0:
                break
            if not po.resting:
                continue
            queue, qty = m.trade_against_resting(
                po.intent.side, po.price, po.queue_ahead, po.remaining, trade
            )
            po.queue_ahead = queue
            qty = min(qty, budget)
            if qty > 0:
                budget -= qty
                self._fill(po, po.price, qty, Liquidity.MAKER)

    def on_funding(self, funding: FundingRate) -> None:
        """Pass a funding update to the venue hooks; report the payments they book."""
        instrument = self._instruments.get(funding.instrument)
        if instrument is not None:
            booked = len(self.account.funding_payments)
            self._hooks.on_funding(funding, instrument, self.account)
            self._report_funding(booked)

    def on_mark(self, mark: MarkPrice) -> None:
        """Pass a mark price to the venue hooks; liquidate when they say so."""
        instrument = self._instruments.get(mark.instrument)
        if instrument is None:
            return
        booked = len(self.account.funding_payments)
        verdict = self._hooks.on_mark(mark, instrument, self.account)
        self._report_funding(booked)
        if isinstance(verdict, Liquidation):
            self._liquidate(instrument, mark, verdict)
        elif verdict:
            self._liquidate(instrument, mark, Liquidation(price=mark.mark))

    def _report_funding(self, booked: int) -> None:
        listener = self._paper_listener
        if listener is not None:
            for payment in self.account.funding_payments[booked:]:
                listener.on_funding_payment(payment)

    def settle(self, instrument: str, price: Decimal) -> None:
        """Settle an instrument: cancel its open orders, then let the hooks settle holdings."""
        inst = self._instruments.get(instrument)
        if inst is None:
            raise VenueError(f"unknown instrument {instrument}", code="instrument_not_found")
        for po in self._open(instrument):
            self._finish(po, OrderStatus.CANCELLED, "instrument settled")
        self._hooks.on_settlement(inst, price, self.account)

    def poll(self) -> None:
        """Act on every request whose latency has elapsed."""
        now = self._clock.now_ms()
        due = self._due
        while due and due[0].due_ms <= now:
            item = heapq.heappop(due)
            po = self._orders.get(item.order_id)
            if po is None or is_terminal(po.order.status):
                continue
            if item.action == "arrive":
                self._arrive(po)
            else:
                self._finish(po, OrderStatus.CANCELLED, "cancelled by request")

    # -- OrderExecutor --------------------------------------------------
    async def place(self, intent: OrderIntent) -> Order:
        """Accept (PENDING) or reject an order; a repeated client order id gets the first result."""
        existing = self._orders.get(intent.client_order_id)
        if existing is not None:
            if existing.order.status is OrderStatus.REJECTED:
                raise OrderRejected(existing.order.error or "rejected", code="rejected")
            return existing.order
        instrument = self._instruments.get(intent.instrument)
        if instrument is None:
            raise OrderRejected(f"unknown instrument {intent.instrument}", code="instrument")
        now = self._clock.now_ms()
        self._seq += 1
        try:
            order = order_from_intent(
                intent,
                exchange=self.exchange,
                paper=True,
                ts_ms=now,
                venue_order_id=f"{self._prefix}-o{self._seq}",
                currency=pnl_currency(instrument),
                with_timeline=True,
            )
        except ValidationError as exc:
            raise OrderRejected(f"invalid order: {exc.errors()[0]['msg']}", code="invalid") from exc
        po = _PaperOrder(intent, instrument, order, self._seq, remaining=intent.size)
        self._orders[intent.client_order_id] = po
        reason = self._refusal(intent, instrument)
        if reason is None:
            reason = self._freeze(po)
        if reason is not None:
            self._finish(po, OrderStatus.REJECTED, reason)
            raise OrderRejected(reason, code="rejected")
        self._emit_order(po)
        delay = self._latency.submit_delay_ms(intent)
        if delay <= 0:
            self._arrive(po)
        else:
            self._schedule(now + delay, "arrive", order.id)
        return po.order

    async def cancel(self, instrument: str, client_order_id: str) -> Order:
        """Cancel one order (after the cancel latency); a final order is returned unchanged."""
        po = self._orders.get(client_order_id)
        if po is None or po.intent.instrument != instrument:
            raise VenueError(f"unknown order {client_order_id}", code="order_not_found")
        if is_terminal(po.order.status):
            return po.order
        delay = self._latency.cancel_delay_ms(po.order)
        if delay <= 0:
            self._finish(po, OrderStatus.CANCELLED, "cancelled by request")
        else:
            self._schedule(self._clock.now_ms() + delay, "cancel", client_order_id)
        return po.order

    async def cancel_all(self, instrument: str | None = None) -> list[Order]:
        """Cancel every open order (of one instrument); return them as they are after the call."""
        return [
            await self.cancel(po.intent.instrument, po.order.id) for po in self._open(instrument)
        ]

    async def open_orders(self, instrument: str | None = None) -> list[Order]:
        """Orders not yet final."""
        return [po.order for po in self._open(instrument)]

    async def fills_since(self, cursor: str | None) -> tuple[list[Fill], str | None]:
        """Fills after `cursor` (an index; None: all) and the cursor to continue from."""
        start = int(cursor) if cursor else 0
        return self._fills[start:], str(len(self._fills))

    def order(self, client_order_id: str) -> Order | None:
        """The current state of an order placed here."""
        po = self._orders.get(client_order_id)
        return po.order if po is not None else None

    def queue_ahead(self, client_order_id: str) -> Decimal | None:
        """Volume queued ahead of a resting order (None unless it rests)."""
        po = self._orders.get(client_order_id)
        return po.queue_ahead if po is not None and po.resting else None

    # -- checks ---------------------------------------------------------
    def _refusal(self, intent: OrderIntent, instrument: Instrument) -> str | None:
        book = self._books.get(intent.instrument)
        reason = self._rules.validate(intent, instrument, book)
        if reason is not None:
            return reason
        if intent.reduce_only:
            held = self.account.position_quantity(intent.instrument)
            reducing = (held > 0 and intent.side is OrderSide.SELL) or (
                held < 0 and intent.side is OrderSide.BUY
            )
            if not reducing or intent.size > abs(held):
                return (
                    f"reduce-only {intent.side.value} {intent.size} "
                    f"would not reduce position {held}"
                )
        return self._hooks.check_order(intent, instrument, self.account)

    def _freeze(self, po: _PaperOrder) -> str | None:
        """Reserve what a cash order can spend; return why it cannot be paid for."""
        intent, instrument = po.intent, po.instrument
        if instrument.kind not in CASH_KINDS or not self.config.enforce_balance:
            return None
        if intent.side is OrderSide.SELL:
            ccy, per_unit = instrument.base, _ONE
        else:
            price = intent.price if intent.price is not None else self._market_buy_price(po)
            if price is None:
                return "no liquidity to price a market buy"
            taker = instrument.takerFeeRate or _ZERO
            # Reserve the worst fee too, so a fill can never overdraw the balance.
            per_unit = price * contract_multiplier(instrument) * (_ONE + max(taker, _ZERO))
            ccy = instrument.quote
        amount = per_unit * intent.size
        available = self.account.available(ccy)
        if amount > available:
            return (
                f"insufficient balance: need {_fmt(amount)} {ccy.upper()}, "
                f"available {_fmt(available)}"
            )
        self.account.freeze(ccy, amount)
        po.frozen_ccy, po.frozen_left, po.frozen_per_unit = ccy, amount, per_unit
        return None

    def _market_buy_price(self, po: _PaperOrder) -> Decimal | None:
        """The worst price a market buy would pay on the current book."""
        book = self._books.get(po.intent.instrument)
        if book is None:
            return None
        slices = m.walk_book(book, OrderSide.BUY, None, po.intent.size, self._ledger)
        return slices[-1][0] if slices else None

    # -- matching -------------------------------------------------------
    def _arrive(self, po: _PaperOrder) -> None:
        intent = po.intent
        book = self._books.get(intent.instrument)
        if m.is_post_only(intent):
            if book is not None and intent.price is not None:
                crossed = would_cross(intent.side, intent.price, book)
                if crossed is not None:
                    self._finish(
                        po,
                        OrderStatus.CANCELLED,
                        f"post-only {intent.side.value} at {intent.price} would cross {crossed}",
                    )
                    return
            self._rest(po, book)
            return
        slices = (
            m.walk_book(book, intent.side, intent.price, po.remaining, self._ledger)
            if book is not None
            else []
        )
        if m.is_fok(intent) and sum((q for _, q, _ in slices), _ZERO) < po.remaining:
            self._finish(po, OrderStatus.CANCELLED, "fill-or-kill: not enough liquidity")
            return
        side = m.taker_side(intent.side)
        for price, qty, level_size in slices:
            self._ledger.take(intent.instrument, side, price, level_size, qty)
            self._fill(po, price, qty, Liquidity.TAKER)
        if po.remaining <= 0:
            return
        if m.is_ioc(intent) or m.is_fok(intent):
            why = "no liquidity" if po.filled == 0 else "remainder of immediate-or-cancel order"
            self._finish(po, OrderStatus.CANCELLED, why)
            return
        self._rest(po, book)

    def _rest(self, po: _PaperOrder, book: L2Book | None) -> None:
        po.resting = True
        po.queue_ahead = (
            book.size_at(m.maker_side(po.intent.side), po.price) if book is not None else _ZERO
        )
        self._resting.setdefault(po.intent.instrument, []).append(po)
        if po.order.status is OrderStatus.PENDING:
            self._update(po, OrderStatus.OPEN, None)
            self._emit_order(po)

    def _fill(
        self,
        po: _PaperOrder,
        price: Decimal,
        qty: Decimal,
        liquidity: Liquidity,
        *,
        fee_amount: Decimal | None = None,
    ) -> Fill:
        instrument = po.instrument
        now = self._clock.now_ms()
        fee = self._fees.fee(instrument, po.intent.side, price, qty, liquidity)
        if fee_amount is not None:
            fee = FeeQuote(fee_amount, fee.currency)
        self._fill_seq += 1
        fill = Fill(
            id=f"{self._prefix}-f{self._fill_seq}",
            exchange=self.exchange,
            orderId=po.order.id,
            venueOrderId=po.order.venueOrderId,
            botId=po.intent.bot_id,
            instrument=instrument.symbol,
            outcome=instrument.outcome,
            side=po.intent.side,
            price=price,
            size=qty,
            fee=fee.amount,
            feeCurrency=fee.currency,
            liquidity=liquidity,
            rebate=-fee.amount if fee.amount < 0 else None,
            currency=pnl_currency(instrument),
            paper=True,
            ts=now,
        )
        po.filled += qty
        po.remaining -= qty
        po.notional += price * qty
        po.fees += fee.amount
        if po.frozen_ccy is not None:
            part = min(po.frozen_left, po.frozen_per_unit * qty)
            self.account.release(po.frozen_ccy, part)
            po.frozen_left -= part
        if po.intent.bot_id is not None:
            self._owners[instrument.symbol] = po.intent.bot_id
        self.account.apply_fill(fill, instrument)
        self._hooks.on_fill(fill, instrument, self.account)
        self._fills.append(fill)
        status = OrderStatus.FILLED if po.remaining <= 0 else OrderStatus.PARTIALLY_FILLED
        self._update(po, status, None)
        if status is OrderStatus.FILLED:
            self._unrest(po)
        if self._listener is not None:
            self._listener.on_fill(fill)
        self._emit_order(po)
        return fill

    def _finish(self, po: _PaperOrder, status: OrderStatus, reason: str) -> None:
        """Move an order to a terminal status (cancelled, rejected) and free its funds."""
        self._unrest(po)
        self._update(po, status, reason)
        self._emit_order(po)

    def _unrest(self, po: _PaperOrder) -> None:
        if po.resting:
            po.resting = False
            resting = self._resting.get(po.intent.instrument)
            if resting is not None and po in resting:
                resting.remove(po)
        if po.frozen_ccy is not None and po.frozen_left > 0:
            self.account.release(po.frozen_ccy, po.frozen_left)
            po.frozen_left = _ZERO

    def _update(self, po: _PaperOrder, status: OrderStatus, reason: str | None) -> None:
        now = self._clock.now_ms()
        order = po.order
        timeline = list(order.timeline)
        if status is not order.status:
            timeline.append(OrderTimelineEntry(status=status, ts=now, reason=reason))
        po.order = order.model_copy(
            update={
                "status": status,
                "filledSize": po.filled,
                "avgFillPrice": po.notional / po.filled if po.filled else None,
                "fees": po.fees,
                "error": reason if status is OrderStatus.REJECTED else order.error,
                "timeline": timeline,
                "updatedTs": now,
            }
        )

    def _emit_order(self, po: _PaperOrder) -> None:
        if self._listener is not None:
            self._listener.on_order(po.order)

    def _open(self, instrument: str | None) -> list[_PaperOrder]:
        return [
            po
            for po in self._orders.values()
            if not is_terminal(po.order.status)
            and (instrument is None or po.intent.instrument == instrument)
        ]

    def _liquidate(self, instrument: Instrument, mark: MarkPrice, verdict: Liquidation) -> None:
        """Cancel the instrument's orders and close the account position at the verdict's price."""
        for po in self._open(instrument.symbol):
            self._finish(po, OrderStatus.CANCELLED, "liquidation")
        held = self.account.position_quantity(instrument.symbol)
        if held == 0:
            return
        self._seq += 1
        bot_id = self._owners.get(instrument.symbol)
        intent = OrderIntent(
            bot_id=bot_id,
            exchange=str(self.exchange),
            instrument=instrument.symbol,
            side=OrderSide.SELL if held > 0 else OrderSide.BUY,
            type=OrderType.MARKET,
            size=abs(held),
            client_order_id=f"{self._prefix}-liq{self._seq}",
            reduce_only=True,
            reason="liquidation",
        )
        now = self._clock.now_ms()
        order = order_from_intent(
            intent,
            exchange=self.exchange,
            paper=True,
            ts_ms=now,
            venue_order_id=f"{self._prefix}-o{self._seq}",
            source=OrderSource.RISK,
            bot_id=bot_id,
            currency=pnl_currency(instrument),
            with_timeline=True,
        )
        po = _PaperOrder(intent, instrument, order, self._seq, remaining=intent.size)
        self._orders[order.id] = po
        # The order first, so listeners know its bot before its fill arrives.
        self._emit_order(po)
        pos = self.account.position(instrument.symbol)
        realized_before = pos.realized_pnl if pos is not None else _ZERO
        fill = self._fill(po, verdict.price, intent.size, Liquidity.TAKER, fee_amount=verdict.fee)
        pos = self.account.position(instrument.symbol)
        event = LiquidationEvent(
            exchange=str(self.exchange),
            account_id=self.account.account_id,
            bot_id=bot_id,
            instrument=instrument.symbol,
            order_id=order.id,
            fill_id=fill.id,
            side=intent.side,
            size=intent.size,
            price=verdict.price,
            mark=mark.mark,
            realized_pnl=(pos.realized_pnl if pos is not None else _ZERO) - realized_before,
            margin_ratio=verdict.margin_ratio,
            detail=verdict.detail,
            ts_ms=now,
        )
        self.liquidations.append(event)
        if self._paper_listener is not None:
            self._paper_listener.on_liquidation(event)


def _priority(po: _PaperOrder) -> tuple[Decimal, int]:
    """Sort key: better price first for the order's side, then older first."""
    price = po.price
    return (-price if po.intent.side is OrderSide.BUY else price, po.seq)


def _fmt(value: Decimal) -> str:
    """Plain digits without trailing zeros, for messages."""
    return format(value.normalize(), "f")
