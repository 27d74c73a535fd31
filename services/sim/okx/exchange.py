"""The simulated venue: books, the account, the order lifecycle, funding, cancel-all-after and
liquidation. Synchronous and single-threaded: every call runs to completion on the event loop,
so each REST request or market step is atomic.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from services.sim.okx import constants as c
from services.sim.okx import errors, margin, parse
from services.sim.okx.account import Account, Position
from services.sim.okx.book import BookOrder, Match, MatchResult, OrderBook, Owner, Side, Stp
from services.sim.okx.clock import SimClock
from services.sim.okx.decimals import ZERO, fmt, is_multiple, round16
from services.sim.okx.errors import OkxError
from services.sim.okx.events import EventSink, NullSink
from services.sim.okx.instruments import Instrument
from services.sim.okx.market import MarketModel
from services.sim.okx.orders import Bill, Fill, Order
from services.sim.okx.schemas import (
    AmendResultWire,
    CancelAllAfterWire,
    CancelResultWire,
    LeverageInfoWire,
    PlaceResultWire,
    SetLeverageWire,
    WsTradeWire,
)
from services.sim.okx.views import ExchangeViews

_FINISHED_ORDERS_KEPT = 50_000


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One print on the tape (any participant)."""

    trade_id: str
    px: Decimal
    sz: Decimal
    side: Side  # taker side
    ts: int


@dataclass(slots=True)
class FundingState:
    """Funding schedule and rates of one swap."""

    funding_time: int  # next settlement, ms
    sett_rate: Decimal | None = None  # rate of the last settlement
    pinned_rate: Decimal | None = None


@dataclass(slots=True)
class CaaTimer:
    """A cancel-all-after deadline (account level when `tag` is ""), on `SimClock.timer_ms`."""

    deadline_ms: int
    tag: str


@dataclass(slots=True)
class TickerStats:
    """Last trade and a rolling 24 h window of prints of one instrument."""

    last_px: Decimal
    last_sz: Decimal = ZERO
    window: deque[tuple[int, Decimal, Decimal, Decimal]] = field(default_factory=deque)
    open_px: Decimal = ZERO  # price at the start of the window when it has no older print


class Exchange(ExchangeViews):
    """All venue state of the simulator."""

    def __init__(
        self,
        *,
        instruments: Iterable[Instrument],
        clock: SimClock,
        market: MarketModel,
        balances: dict[str, Decimal],
        seed: int,
        sink: EventSink | None = None,
    ) -> None:
        self.clock = clock
        self.market = market
        self.instruments: dict[str, Instrument] = {i.inst_id: i for i in instruments}
        self.books: dict[str, OrderBook] = {i: OrderBook() for i in self.instruments}
        self.sink: EventSink = sink or NullSink()
        self._initial_balances = dict(balances)
        self.account = Account(cash=dict(balances))
        self.orders: dict[str, Order] = {}
        self.open_orders: dict[str, Order] = {}
        self._cl_index: dict[str, str] = {}
        self._finished: deque[str] = deque()
        self.fills: deque[Fill] = deque(maxlen=c.MAX_FILLS_KEPT)
        self.bills: deque[Bill] = deque(maxlen=c.MAX_FILLS_KEPT)
        self.trades: dict[str, deque[PublicTrade]] = {
            i: deque(maxlen=c.MAX_PUBLIC_TRADES_KEPT) for i in self.instruments
        }
        self._ids = random.Random(f"{seed}:ids")
        self._next_ord_id = 1_900_000_000_000_000_000 + self._ids.randrange(10**15)
        self._next_trade_id = {
            i: 100_000_000 + self._ids.randrange(10**7) for i in self.instruments
        }
        self._next_bill_id = 800_000_000_000_000_000 + self._ids.randrange(10**15)
        self._next_synthetic = 0
        self.uid = str(400_000_000_000_000 + self._ids.randrange(10**14))
        now = clock.now_ms()
        self.funding: dict[str, FundingState] = {
            i: FundingState(funding_time=(now // c.FUNDING_INTERVAL_MS + 1) * c.FUNDING_INTERVAL_MS)
            for i, inst in self.instruments.items()
            if inst.inst_type == "SWAP"
        }
        self.caa: dict[str, CaaTimer] = {}
        self.stats: dict[str, TickerStats] = {}
        market.seed_books(self)
        for inst in self.instruments.values():
            px = market.fair_price(inst)
            self.stats[inst.inst_id] = TickerStats(last_px=px, open_px=px)
        self._depth = 0

    # =============================================================================================
    # operations
    # =============================================================================================
    @contextmanager
    def operation(self) -> Iterator[None]:
        """Group calls into one atomic operation; coalesced pushes are flushed at the end."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.sink.flush()

    def inst(self, inst_id: str) -> Instrument:
        """Look up an instrument (51001 when unknown)."""
        inst = self.instruments.get(inst_id)
        if inst is None:
            raise OkxError(errors.INSTRUMENT_UNKNOWN)
        return inst

    def book(self, inst_id: str) -> OrderBook:
        """The matching book of `inst_id`."""
        return self.books[inst_id]

    # -- place ------------------------------------------------------------------------------------
    def place(self, req: parse.PlaceOrder) -> PlaceResultWire:
        """Place one order; business failures come back as `sCode`/`sMsg`."""
        now = self.clock.now_ms()
        with self.operation():
            try:
                order = self._place(req, now)
            except OkxError as exc:
                return PlaceResultWire(
                    cl_ord_id=req.cl_ord_id,
                    ord_id="",
                    tag=req.tag,
                    ts=str(now),
                    s_code=exc.code,
                    s_msg=exc.msg,
                )
        return PlaceResultWire(
            cl_ord_id=order.cl_ord_id,
            ord_id=order.ord_id,
            tag=order.tag,
            ts=str(now),
            s_code="0",
            s_msg="Order placed",
        )

    def _place(self, req: parse.PlaceOrder, now: int) -> Order:
        inst = self.inst(req.inst_id)
        if inst.is_derivative and req.td_mode == "cash":
            raise OkxError(errors.PARAM_ERROR, "tdMode")
        if not inst.is_derivative and req.td_mode != "cash":
            # Margin trading of spot pairs is not modelled: the account trades spot in cash.
            raise OkxError(errors.PARAM_ERROR, "tdMode")
        if req.pos_side and not inst.is_derivative:
            raise OkxError(errors.PARAM_ERROR, "posSide")
        if req.ord_type == "optimal_limit_ioc" and not inst.is_derivative:
            raise OkxError(errors.PARAM_ERROR, "ordType")
        is_market = req.ord_type in ("market", "optimal_limit_ioc")
        quote_budget: Decimal | None = None
        tgt_ccy = ""
        if not inst.is_derivative and req.ord_type == "market":
            # Spot market orders are sized per tgtCcy; a buy defaults to quote currency (§B.6).
            tgt_ccy = req.tgt_ccy or ("quote_ccy" if req.side == "buy" else "base_ccy")
            if tgt_ccy == "quote_ccy":
                quote_budget = req.sz
        if quote_budget is None:
            if not is_multiple(req.sz, inst.lot_sz):
                raise OkxError(errors.NOT_LOT_MULTIPLE)
            if req.sz < inst.min_sz:
                raise OkxError(errors.BELOW_MIN_SIZE)
        if req.px is not None and not is_multiple(req.px, inst.tick_sz):
            raise OkxError(errors.PARAM_ERROR, "px")
        if req.cl_ord_id:
            existing = self._cl_index.get(req.cl_ord_id)
            if existing is not None and self.orders[existing].is_live:
                raise OkxError(errors.CL_ORD_ID_EXISTS)
        book = self.books[inst.inst_id]
        if is_market and book.best("sell" if req.side == "buy" else "buy") is None:
            raise OkxError(errors.NO_LIQUIDITY)
        if req.reduce_only:
            if not inst.is_derivative:
                raise OkxError(errors.PARAM_ERROR, "reduceOnly")
            net = self.account.net_position(inst)
            if net == 0:
                raise OkxError(errors.REDUCE_ONLY_NO_POSITION)
            if (net > 0) == (req.side == "buy"):
                raise OkxError(errors.REDUCE_ONLY_SAME_SIDE)
        lever = self.account.get_lever(inst, req.td_mode) if inst.is_derivative else None
        order = Order(
            ord_id=self._new_ord_id(),
            inst=inst,
            cl_ord_id=req.cl_ord_id,
            tag=req.tag,
            td_mode=req.td_mode,
            side=req.side,
            pos_side="net" if inst.is_derivative else "",
            ord_type=req.ord_type,
            tgt_ccy=tgt_ccy,
            stp_mode=req.stp_mode,
            px=req.px,
            sz=req.sz,
            reduce_only=req.reduce_only,
            lever=lever,
            c_time=now,
            u_time=now,
            frozen_ccy=self._frozen_ccy(inst, req.side),
            quote_budget=quote_budget,
            fee_ccy=self._fee_ccy(inst, req.side),
        )
        order.frozen = self._required_frozen(order, order.sz)
        self._check_available(order, order.frozen)
        self.orders[order.ord_id] = order
        if order.cl_ord_id:
            self._cl_index[order.cl_ord_id] = order.ord_id
        self.open_orders[order.ord_id] = order
        self.sink.account_dirty([order.frozen_ccy])

        if order.ord_type == "post_only" and book.would_take(order.side, order.px):
            # OKX accepts the request (sCode 0) and cancels the order at once with
            # cancelSource 31 "The post-only order will take liquidity" (docs, order channel).
            self._finish_cancel(order, c.CANCEL_SOURCE_POST_ONLY, now)
            return order
        if order.ord_type == "fok" and book.fillable(order.side, order.px, order.sz) < order.sz:
            self._finish_cancel(order, c.CANCEL_SOURCE_FOK, now)
            return order
        result = self._take(order, now)
        if not order.is_live:
            return order
        if result.taker_stopped:
            self._finish_cancel(order, c.CANCEL_SOURCE_STP, now)
        elif order.ord_type in ("limit", "post_only"):
            assert order.px is not None
            book.add(BookOrder(order.key, Owner.USER, order.side, order.px, order.remaining))
            if order.acc_fill_sz == 0:
                self._push_order(order)  # the "live" update
        elif order.quote_budget is not None and order.acc_fill_sz > 0:
            # A quote-sized market buy is done once its budget no longer buys a lot.
            self._complete(order, now)
        else:
            self._finish_cancel(order, c.CANCEL_SOURCE_IOC, now)
        return order

    def _take(self, order: Order, now: int) -> MatchResult:
        """Match an account order as taker against the book."""
        book = self.books[order.inst.inst_id]
        limit = order.px if order.ord_type in ("limit", "post_only", "fok", "ioc") else None
        if order.quote_budget is not None:
            result = book.match(
                order.side,
                None,
                None,
                taker_owner=Owner.USER,
                stp=Stp(order.stp_mode),
                quote_budget=order.quote_budget,
                lot_sz=order.inst.lot_sz,
            )
        else:
            result = book.match(
                order.side,
                order.remaining,
                limit,
                taker_owner=Owner.USER,
                stp=Stp(order.stp_mode),
            )
        for maker in result.stp_cancelled:
            victim = self.open_orders.get(str(maker.key))
            if victim is not None:
                self._finish_cancel(victim, c.CANCEL_SOURCE_STP, now)
        self._print(order.inst, order.side, result.matches, now, taker=order)
        return result

    # -- synthetic participants (the market model's side of the matching engine) ------------------
    def add_synthetic(self, inst: Instrument, side: Side, px: Decimal, qty: Decimal) -> None:
        """A synthetic limit order: trades with anything it crosses, then rests."""
        book = self.books[inst.inst_id]
        now = self.clock.now_ms()
        if book.would_take(side, px):
            result = book.match(side, qty, px, taker_owner=Owner.MARKET)
            self._print(inst, side, result.matches, now, taker=None)
            qty -= result.filled
        if qty > 0:
            self._next_synthetic += 1
            book.add(BookOrder(self._next_synthetic, Owner.MARKET, side, px, qty))

    def cancel_synthetic(self, inst: Instrument, key: int) -> None:
        """Pull a synthetic resting order."""
        self.books[inst.inst_id].remove(key)

    def synthetic_market(self, inst: Instrument, side: Side, qty: Decimal) -> None:
        """A synthetic taker at market: the flow that fills resting account orders."""
        now = self.clock.now_ms()
        result = self.books[inst.inst_id].match(side, qty, None, taker_owner=Owner.MARKET)
        self._print(inst, side, result.matches, now, taker=None)

    def _print(
        self, inst: Instrument, side: Side, matches: list[Match], now: int, *, taker: Order | None
    ) -> None:
        """Record the prints of one taker pass and fill the account orders involved."""
        if not matches:
            return
        aggregated: list[WsTradeWire] = []
        group: list[tuple[str, Match]] = []
        for match in matches:
            trade_id = str(self._next_trade_id[inst.inst_id])
            self._next_trade_id[inst.inst_id] += 1
            if taker is not None:
                self._fill(taker, match.qty, match.price, "T", trade_id, now)
            if match.maker.owner is Owner.USER:
                maker = self.open_orders.get(str(match.maker.key))
                if maker is not None:
                    self._fill(maker, match.qty, match.price, "M", trade_id, now)
            self.trades[inst.inst_id].appendleft(
                PublicTrade(trade_id, match.price, match.qty, side, now)
            )
            self._record_stats(inst, match.price, match.qty, now)
            if group and group[0][1].price != match.price:
                aggregated.append(_aggregate(inst, side, group, now))
                group = []
            group.append((trade_id, match))
        aggregated.append(_aggregate(inst, side, group, now))
        self.sink.public_trades(inst, aggregated)

    def _record_stats(self, inst: Instrument, px: Decimal, qty: Decimal, now: int) -> None:
        stats = self.stats[inst.inst_id]
        stats.last_px = px
        stats.last_sz = qty
        if inst.is_inverse:
            vol_ccy = round16(qty * inst.ct_val / px)
        elif inst.is_derivative:
            vol_ccy = qty * inst.ct_val * inst.ct_mult
        else:
            vol_ccy = qty * px
        stats.window.append((now, px, qty, vol_ccy))

    # -- fills ------------------------------------------------------------------------------------
    def _fill(
        self, order: Order, qty: Decimal, px: Decimal, exec_type: str, trade_id: str, now: int
    ) -> None:
        """Apply one fill of an account order: balances, position, order state, fill record."""
        inst = order.inst
        rate = _fee_rate(inst, exec_type)
        before = order.remaining
        pnl = ZERO
        if order.quote_budget is not None:
            release = min(order.frozen, qty * px if order.side == "buy" else qty)
        elif before > 0:
            release = round16(order.frozen * qty / before)
        else:
            release = order.frozen
        order.frozen -= release
        ccys = [inst.settle_ccy] if inst.is_derivative else [inst.quote_ccy, inst.base_ccy]
        cash_before = {ccy: self.account.cash.get(ccy, ZERO) for ccy in ccys}
        if inst.is_derivative:
            fee = -round16(margin.value(inst, qty, px) * rate)
            self.account.credit(inst.settle_ccy, fee, now)
            position, pnl = self.account.apply_trade(
                inst, order.td_mode, order.side, qty, px, fee, trade_id, now
            )
            self.sink.position_update(inst, self.position_wire(position))
            self.account.drop_if_flat(position)
            dirty = [inst.settle_ccy]
        elif order.side == "buy":
            fee = -round16(qty * rate)  # spot buys pay the fee in the base currency (§B.7)
            self.account.credit(inst.quote_ccy, -(qty * px), now)
            self.account.credit(inst.base_ccy, qty + fee, now)
            dirty = [inst.quote_ccy, inst.base_ccy]
        else:
            proceeds = qty * px
            fee = -round16(proceeds * rate)
            self.account.credit(inst.base_ccy, -qty, now)
            self.account.credit(inst.quote_ccy, proceeds + fee, now)
            dirty = [inst.quote_ccy, inst.base_ccy]
        mark = self.market.mark_price(inst) if inst.is_derivative else None
        index = self.market.index_price(inst.underlying)
        order.acc_fill_sz += qty
        order.fill_value += qty * px
        order.fill_inverse += round16(qty / px)
        order.fee += fee
        order.pnl += pnl
        order.fill_px = px
        order.fill_sz = qty
        order.fill_time = now
        order.trade_id = trade_id
        order.exec_type = exec_type
        order.fill_fee = fee
        order.fill_fee_ccy = order.fee_ccy
        order.fill_pnl = pnl
        order.fill_mark_px = mark
        order.fill_idx_px = index
        order.fill_notional_usd = margin.notional_usd(inst, qty, px)
        order.amend_result = ""
        order.u_time = now
        first_bill = self._next_bill_id + 1
        for ccy in ccys:
            self._add_bill(
                inst,
                ccy,
                "2",
                "1" if order.side == "buy" else "2",
                cash_before[ccy],
                now,
                sz=qty,
                px=px,
                pnl=pnl if inst.is_derivative else ZERO,
                fee=fee if ccy == order.fee_ccy else ZERO,
                mgn_mode=order.td_mode,
                order=order,
                exec_type=exec_type,
                trade_id=trade_id,
                idx=index,
                mark=mark,
            )
        self.fills.appendleft(
            Fill(
                inst=inst,
                trade_id=trade_id,
                ord_id=order.ord_id,
                cl_ord_id=order.cl_ord_id,
                bill_id=str(first_bill),
                tag=order.tag,
                side=order.side,
                pos_side=order.pos_side,
                px=px,
                sz=qty,
                pnl=pnl,
                exec_type=exec_type,
                fee=fee,
                fee_ccy=order.fee_ccy,
                fee_rate=rate,
                mark_px=mark,
                idx_px=index,
                ts=now,
            )
        )
        if order.quote_budget is None and order.remaining == 0:
            self._complete(order, now, push=False)
        else:
            order.state = "partially_filled"
        self._push_order(order)
        self.sink.account_dirty(dirty)

    def _add_bill(
        self,
        inst: Instrument,
        ccy: str,
        bill_type: str,
        sub_type: str,
        before: Decimal,
        now: int,
        *,
        sz: Decimal,
        px: Decimal,
        pnl: Decimal,
        fee: Decimal,
        mgn_mode: str,
        order: Order | None = None,
        exec_type: str = "",
        trade_id: str = "",
        idx: Decimal | None = None,
        mark: Decimal | None = None,
    ) -> None:
        """Record the change of `ccy` since `before` as one bill."""
        self._next_bill_id += 1
        after = self.account.cash.get(ccy, ZERO)
        self.bills.appendleft(
            Bill(
                bill_id=str(self._next_bill_id),
                inst=inst,
                ccy=ccy,
                type=bill_type,
                sub_type=sub_type,
                bal_chg=after - before,
                bal=after,
                sz=sz,
                px=px,
                pnl=pnl,
                fee=fee,
                mgn_mode=mgn_mode,
                ts=now,
                ord_id=order.ord_id if order is not None else "",
                cl_ord_id=order.cl_ord_id if order is not None else "",
                tag=order.tag if order is not None else "",
                exec_type=exec_type,
                trade_id=trade_id,
                fill_idx_px=idx,
                fill_mark_px=mark,
            )
        )

    def _complete(self, order: Order, now: int, *, push: bool = True) -> None:
        order.state = "filled"
        order.u_time = now
        self._close(order)
        if push:
            order.clear_fill()
            self._push_order(order)

    def _close(self, order: Order) -> None:
        """Take a finished order out of the live set and release what it still froze."""
        self.books[order.inst.inst_id].remove(order.key)
        self.open_orders.pop(order.ord_id, None)
        if order.frozen:
            order.frozen = ZERO
        self.sink.account_dirty([order.frozen_ccy])
        self._finished.append(order.ord_id)
        while len(self._finished) > _FINISHED_ORDERS_KEPT:
            old = self._finished.popleft()
            gone = self.orders.pop(old, None)
            if gone is not None and self._cl_index.get(gone.cl_ord_id) == old:
                del self._cl_index[gone.cl_ord_id]

    def _finish_cancel(self, order: Order, source: str, now: int) -> None:
        order.state = "canceled"
        order.cancel_source = source
        order.u_time = now
        order.clear_fill()
        self._close(order)
        self._push_order(order)

    def _push_order(self, order: Order) -> None:
        self.sink.order_update(order.inst, order.to_ws(self.stats[order.inst.inst_id].last_px))

    # -- cancel / amend ---------------------------------------------------------------------------
    def find(self, ref: parse.OrderRef) -> Order | None:
        """The order named by ordId (preferred) or clOrdId on instId."""
        ord_id = ref.ord_id or self._cl_index.get(ref.cl_ord_id, "")
        order = self.orders.get(ord_id)
        if order is None or order.inst.inst_id != ref.inst_id:
            return None
        if ref.ord_id and ref.cl_ord_id and order.cl_ord_id != ref.cl_ord_id:
            return None
        return order

    def cancel(self, ref: parse.OrderRef) -> CancelResultWire:
        """Cancel one order; 51400 when it is unknown or already finished."""
        now = self.clock.now_ms()
        order = self.find(ref) if ref.ord_id or ref.cl_ord_id else None
        if order is None or not order.is_live:
            spec = (
                errors.CANCEL_FAILED if ref.ord_id or ref.cl_ord_id else errors.CANCEL_ID_REQUIRED
            )
            return CancelResultWire(
                cl_ord_id=ref.cl_ord_id,
                ord_id=ref.ord_id,
                ts=str(now),
                s_code=spec.code,
                s_msg=spec.msg,
            )
        with self.operation():
            self._finish_cancel(order, c.CANCEL_SOURCE_USER, now)
        return CancelResultWire(
            cl_ord_id=order.cl_ord_id, ord_id=order.ord_id, ts=str(now), s_code="0", s_msg=""
        )

    def amend(self, req: parse.AmendOrder) -> AmendResultWire:
        """Amend price and/or size of a resting order."""
        now = self.clock.now_ms()
        ref = req.ref
        with self.operation():
            try:
                order = self._amend(req, now)
            except OkxError as exc:
                return AmendResultWire(
                    cl_ord_id=ref.cl_ord_id,
                    ord_id=ref.ord_id,
                    req_id=req.req_id,
                    ts=str(now),
                    s_code=exc.code,
                    s_msg=exc.msg,
                )
        return AmendResultWire(
            cl_ord_id=order.cl_ord_id,
            ord_id=order.ord_id,
            req_id=req.req_id,
            ts=str(now),
            s_code="0",
            s_msg="",
        )

    def _amend(self, req: parse.AmendOrder, now: int) -> Order:
        ref = req.ref
        if not ref.ord_id and not ref.cl_ord_id:
            raise OkxError(errors.CANCEL_ID_REQUIRED)
        order = self.find(ref)
        if order is None:
            raise OkxError(errors.ORDER_NOT_EXIST)
        if not order.is_live:
            raise OkxError(errors.AMEND_FINISHED)
        if req.new_sz is None and req.new_px is None:
            raise OkxError(errors.AMEND_NOTHING)
        if order.ord_type not in ("limit", "post_only"):
            raise OkxError(errors.AMEND_TYPE)
        inst = order.inst
        new_px = req.new_px if req.new_px is not None else order.px
        new_sz = req.new_sz if req.new_sz is not None else order.sz
        assert new_px is not None
        if not is_multiple(new_px, inst.tick_sz):
            raise OkxError(errors.PARAM_ERROR, "newPx")
        if not is_multiple(new_sz, inst.lot_sz):
            raise OkxError(errors.NOT_LOT_MULTIPLE)
        book = self.books[inst.inst_id]
        if (
            order.ord_type == "post_only"
            and new_px != order.px
            and book.would_take(order.side, new_px)
        ):
            if req.cxl_on_fail:
                self._finish_cancel(order, c.CANCEL_SOURCE_SYSTEM, now)
                return order
            raise OkxError(errors.AMEND_POST_ONLY)
        resting = book.get(order.key)
        old_px, old_sz = order.px, order.sz
        order.req_id = req.req_id
        order.amend_source = "1"
        if new_sz <= order.acc_fill_sz:
            # Docs: a new size at or below the filled size turns the order into `filled`.
            order.sz = order.acc_fill_sz
            order.amend_result = "0"
            self._complete(order, now)
            return order
        need = self._required_frozen(order, new_sz - order.acc_fill_sz, px=new_px)
        extra = need - order.frozen
        if extra > 0:
            try:
                self._check_available(order, extra)
            except OkxError as exc:
                if req.cxl_on_fail:
                    self._finish_cancel(order, c.CANCEL_SOURCE_SYSTEM, now)
                    return order
                raise OkxError(errors.AMEND_INSUFFICIENT) from exc
        order.px = new_px
        order.sz = new_sz
        order.frozen = need
        order.amend_result = "0"
        order.u_time = now
        order.clear_fill()
        self.sink.account_dirty([order.frozen_ccy])
        if resting is not None and new_px == old_px and new_sz <= old_sz:
            book.reduce(order.key, order.remaining)  # a size cut keeps time priority
            self._push_order(order)
            return order
        book.remove(order.key)  # a new price or a larger size loses time priority
        if book.would_take(order.side, new_px):
            self._push_order(order)
            result = self._take(order, now)
            if not order.is_live:
                return order
            if result.taker_stopped:
                self._finish_cancel(order, c.CANCEL_SOURCE_STP, now)
                return order
        book.add(BookOrder(order.key, Owner.USER, order.side, new_px, order.remaining))
        if order.fill_sz == 0:
            self._push_order(order)
        return order

    # -- margin helpers ---------------------------------------------------------------------------
    def _frozen_ccy(self, inst: Instrument, side: str) -> str:
        if inst.is_derivative:
            return inst.settle_ccy
        return inst.quote_ccy if side == "buy" else inst.base_ccy

    def _fee_ccy(self, inst: Instrument, side: str) -> str:
        if inst.is_derivative:
            return inst.settle_ccy
        return inst.base_ccy if side == "buy" else inst.quote_ccy

    def _reference_px(self, order: Order, px: Decimal | None) -> Decimal:
        """Price used to size margin: the limit price, else the far side of the book."""
        if px is not None:
            return px
        book = self.books[order.inst.inst_id]
        best = book.best("sell" if order.side == "buy" else "buy")
        return best if best is not None else self.market.fair_price(order.inst)

    def _required_frozen(self, order: Order, qty: Decimal, *, px: Decimal | None = None) -> Decimal:
        """Balance or margin that `qty` more of `order` must freeze."""
        inst = order.inst
        ref_px = self._reference_px(order, px if px is not None else order.px)
        if not inst.is_derivative:
            buffer = c.SPOT_MARKET_BUFFER if order.px is None else ZERO
            if order.quote_budget is not None:
                # qty is a quote amount: a buy spends it, a sell needs the base it will take.
                return qty if order.side == "buy" else round16(qty / ref_px * (1 + buffer))
            if order.side == "sell":
                return qty
            return round16(qty * ref_px * (1 + buffer))
        if order.reduce_only:
            return ZERO
        # Only the part that opens exposure needs margin: a fill against an opposite position
        # first closes it.
        net = self.account.net_position(inst)
        closing = abs(net) if net != 0 and (net > 0) != (order.side == "buy") else ZERO
        opening = max(ZERO, qty - closing)
        lever = order.lever or c.DEFAULT_LEVER
        return round16(margin.value(inst, opening, ref_px) / lever)

    def _check_available(self, order: Order, amount: Decimal) -> None:
        if amount <= 0:
            return
        state = self.currency_state(order.frozen_ccy)
        available = state.avail_eq if order.inst.is_derivative else state.avail_bal
        if amount > available:
            spec = (
                errors.INSUFFICIENT_MARGIN
                if order.inst.is_derivative
                else errors.INSUFFICIENT_BALANCE
            )
            raise OkxError(spec, order.frozen_ccy)

    # -- leverage ---------------------------------------------------------------------------------
    def set_leverage(self, req: parse.SetLeverage) -> SetLeverageWire:
        """Set leverage of an instrument (or cross FUTURES family) in a margin mode."""
        if not req.inst_id:
            # Currency-level leverage applies to cross MARGIN, which the account does not trade.
            raise OkxError(errors.PARAM_EMPTY, "instId")
        inst = self.inst(req.inst_id)
        if req.lever < Decimal("0.01") or req.lever > inst.max_lever:
            raise OkxError(errors.PARAM_ERROR, "lever")
        if req.pos_side in ("long", "short"):
            # long/short posSide only exists in long/short position mode; this account is net.
            raise OkxError(errors.PARAM_ERROR, "posSide")
        now = self.clock.now_ms()
        with self.operation():
            self.account.set_lever(inst, req.mgn_mode, req.lever)
            key = self.account.lever_key(inst, req.mgn_mode)
            for position in list(self.account.positions.values()):
                if (
                    position.pos == 0
                    or self.account.lever_key(position.inst, position.mgn_mode) != key
                ):
                    continue
                if position.mgn_mode == "isolated":
                    # Isolated margin follows the new leverage: top up or release the difference.
                    target = round16(
                        margin.value(position.inst, abs(position.pos), position.avg_px)
                        / position.lever
                    )
                    self.account.credit(position.inst.settle_ccy, position.margin - target, now)
                    position.margin = target
                position.u_time = now
                self.sink.position_update(position.inst, self.position_wire(position))
            if inst.is_derivative:
                self.sink.account_dirty([inst.settle_ccy])
        return SetLeverageWire(
            lever=fmt(req.lever), mgn_mode=req.mgn_mode, inst_id=inst.inst_id, pos_side=req.pos_side
        )

    def leverage_info(self, inst_ids: list[str], mgn_mode: str) -> list[LeverageInfoWire]:
        """Leverage of each instrument in `mgn_mode` (net mode: one row, posSide "net")."""
        rows = []
        for inst_id in inst_ids:
            inst = self.inst(inst_id)
            rows.append(
                LeverageInfoWire(
                    ccy="",
                    inst_id=inst.inst_id,
                    mgn_mode=mgn_mode,
                    pos_side="net",
                    lever=fmt(self.account.get_lever(inst, mgn_mode)),
                )
            )
        return rows

    # -- cancel-all-after -------------------------------------------------------------------------
    def cancel_all_after(self, req: parse.CancelAllAfter) -> CancelAllAfterWire:
        """Arm (or disarm with 0) the dead-man switch, account-wide or for one order tag."""
        now = self.clock.now_ms()
        if req.timeout_secs == 0:
            self.caa.pop(req.tag, None)
            trigger = 0
        else:
            trigger = now + req.timeout_secs * 1000
            deadline = self.clock.timer_ms() + req.timeout_secs * 1000
            self.caa[req.tag] = CaaTimer(deadline_ms=deadline, tag=req.tag)
        return CancelAllAfterWire(trigger_time=str(trigger), tag=req.tag, ts=str(now))

    # -- periodic work ----------------------------------------------------------------------------
    def tick(self) -> None:
        """Run timers due at the current simulated time: CAA, funding, liquidations."""
        now = self.clock.now_ms()
        with self.operation():
            self._run_caa(self.clock.timer_ms(), now)
            self._settle_funding(now)
            self._check_liquidations(now)

    def step_market(self, dt_secs: float) -> None:
        """Advance the market model by `dt_secs` of simulated time."""
        with self.operation():
            self.market.step(self, dt_secs)

    def _run_caa(self, timer_now: int, now: int) -> None:
        for tag, timer in list(self.caa.items()):
            if timer_now < timer.deadline_ms:
                continue
            del self.caa[tag]
            for order in list(self.open_orders.values()):
                if not tag or order.tag == tag:
                    self._finish_cancel(order, c.CANCEL_SOURCE_CAA, now)

    def _settle_funding(self, now: int) -> None:
        for inst_id, state in self.funding.items():
            inst = self.instruments[inst_id]
            while now >= state.funding_time:
                rate = self.funding_rate(inst)
                mark = self.market.mark_price(inst)
                for position in list(self.account.positions.values()):
                    if position.inst is not inst or position.pos == 0:
                        continue
                    fee = margin.funding_fee(inst, position.pos, mark, rate)
                    before = self.account.cash.get(inst.settle_ccy, ZERO)
                    self.account.credit(inst.settle_ccy, fee, state.funding_time)
                    self._add_bill(
                        inst,
                        inst.settle_ccy,
                        "8",
                        "173" if fee < 0 else "174",
                        before,
                        state.funding_time,
                        sz=abs(position.pos),
                        px=mark,
                        pnl=fee,
                        fee=ZERO,
                        mgn_mode=position.mgn_mode,
                    )
                    position.funding_fee += fee
                    position.u_time = state.funding_time
                    self.sink.position_update(inst, self.position_wire(position))
                    self.sink.account_dirty([inst.settle_ccy])
                state.sett_rate = rate
                state.funding_time += c.FUNDING_INTERVAL_MS
                self.sink.funding_changed(inst)

    def _check_liquidations(self, now: int) -> None:
        for position in list(self.account.positions.values()):
            if position.pos == 0 or position.mgn_mode != "isolated":
                continue
            inst = position.inst
            mark = self.market.mark_price(inst)
            equity = position.margin + margin.upl(inst, position.pos, position.avg_px, mark)
            ratio = margin.margin_ratio(equity, inst, position.pos, mark, c.DERIV_TAKER_FEE)
            if ratio is not None and ratio <= 1:
                self._liquidate(position, mark, now)
        for ccy in {
            p.inst.settle_ccy for p in self.account.positions.values() if p.mgn_mode == "cross"
        }:
            ratio = self.currency_state(ccy).cross_mgn_ratio
            if ratio is not None and ratio <= 1:
                for position in list(self.account.positions.values()):
                    if (
                        position.mgn_mode == "cross"
                        and position.inst.settle_ccy == ccy
                        and position.pos != 0
                    ):
                        self._liquidate(position, self.market.mark_price(position.inst), now)

    def _liquidate(self, position: Position, mark: Decimal, now: int) -> None:
        """Close a position at the mark price (§B.8): its orders are cancelled first."""
        inst = position.inst
        for order in list(self.open_orders.values()):
            if order.inst is inst and order.td_mode == position.mgn_mode:
                self._finish_cancel(order, c.CANCEL_SOURCE_RISK, now)
        qty = abs(position.pos)
        side: Side = "sell" if position.pos > 0 else "buy"
        realized = margin.upl(inst, position.pos, position.avg_px, mark)
        ccy = inst.settle_ccy
        before = self.account.cash.get(ccy, ZERO)
        if position.mgn_mode == "isolated":
            returned = max(ZERO, position.margin + realized)
            position.liq_penalty -= position.margin + realized - returned
            self.account.credit(ccy, returned, now)
        else:
            self.account.credit(ccy, realized, now)
            cash = self.account.cash.get(ccy, ZERO)
            if cash < 0:  # the insurance fund absorbs what the account cannot pay
                position.liq_penalty += cash
                self.account.cash[ccy] = ZERO
        position.pnl += realized
        position.pos = ZERO
        position.margin = ZERO
        position.u_time = now
        trade_id = str(self._next_trade_id[inst.inst_id])
        self._next_trade_id[inst.inst_id] += 1
        position.trade_id = trade_id
        liquidation = Order(
            ord_id=self._new_ord_id(),
            inst=inst,
            cl_ord_id="",
            tag="",
            td_mode=position.mgn_mode,
            side=side,
            pos_side="net",
            ord_type="market",
            tgt_ccy="",
            stp_mode="cancel_maker",
            px=None,
            sz=qty,
            reduce_only=True,
            lever=position.lever,
            c_time=now,
            u_time=now,
            frozen_ccy=ccy,
            fee_ccy=ccy,
            category="full_liquidation",
            state="filled",
            acc_fill_sz=qty,
            fill_value=qty * mark,
            fill_inverse=round16(qty / mark),
            pnl=realized,
            fill_px=mark,
            fill_sz=qty,
            fill_time=now,
            trade_id=trade_id,
            exec_type="T",
            fill_pnl=realized,
            fill_mark_px=mark,
            fill_idx_px=self.market.index_price(inst.underlying),
            fill_notional_usd=margin.notional_usd(inst, qty, mark),
        )
        self._add_bill(
            inst,
            ccy,
            "5",
            "104" if side == "sell" else "105",
            before,
            now,
            sz=qty,
            px=mark,
            pnl=realized,
            fee=ZERO,
            mgn_mode=position.mgn_mode,
            order=liquidation,
            exec_type="T",
            trade_id=trade_id,
            mark=mark,
        )
        self.orders[liquidation.ord_id] = liquidation
        self._finished.append(liquidation.ord_id)
        self._push_order(liquidation)
        self.sink.position_update(inst, self.position_wire(position))
        self.sink.account_dirty([ccy])
        self.account.drop_if_flat(position)

    # -- control (the /sim surface) ---------------------------------------------------------------
    def reset_account(self) -> None:
        """Cancel every order and restore the starting balances; positions and fills vanish."""
        now = self.clock.now_ms()
        with self.operation():
            for order in list(self.open_orders.values()):
                self._finish_cancel(order, c.CANCEL_SOURCE_SYSTEM, now)
            for position in list(self.account.positions.values()):
                position.pos = ZERO
                self.sink.position_update(position.inst, self.position_wire(position))
            self.account = Account(cash=dict(self._initial_balances))
            self.fills.clear()
            self.bills.clear()
            self.caa.clear()
            for state in self.funding.values():
                state.pinned_rate = None
            self.market.pinned_mark.clear()
            self.sink.account_dirty(self.account.currencies())

    def _new_ord_id(self) -> str:
        self._next_ord_id += self._ids.randint(1, 64)
        return str(self._next_ord_id)


def _fee_rate(inst: Instrument, exec_type: str) -> Decimal:
    if inst.is_derivative:
        return c.DERIV_MAKER_FEE if exec_type == "M" else c.DERIV_TAKER_FEE
    return c.SPOT_MAKER_FEE if exec_type == "M" else c.SPOT_TAKER_FEE


def _aggregate(
    inst: Instrument, side: Side, group: list[tuple[str, Match]], now: int
) -> WsTradeWire:
    return WsTradeWire(
        inst_id=inst.inst_id,
        trade_id=group[0][0],
        px=fmt(group[0][1].price),
        sz=fmt(sum((m.qty for _, m in group), ZERO)),
        side=side,
        ts=str(now),
        count=str(len(group)),
    )
