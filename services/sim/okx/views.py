"""Read-only views of the exchange's state in OKX's wire shapes: market data (tickers, books,
trades, marks, funding) and the account (balances, positions, order and fill queries).

A mixin of `Exchange`, kept apart so the order lifecycle in exchange.py stays readable.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from services.sim.okx import constants as c
from services.sim.okx import margin
from services.sim.okx.account import Account, CurrencyState, Position
from services.sim.okx.book import OrderBook
from services.sim.okx.clock import SimClock
from services.sim.okx.decimals import ZERO, fmt, fmt_opt, round16
from services.sim.okx.instruments import Instrument
from services.sim.okx.market import MarketModel
from services.sim.okx.orders import Bill, Fill, Order
from services.sim.okx.schemas import (
    BalanceDetailWire,
    BalanceWire,
    BookWire,
    FundingRateWire,
    MarkPriceWire,
    PositionWire,
    RestTradeWire,
    TickerWire,
)

if TYPE_CHECKING:
    from services.sim.okx.exchange import FundingState, PublicTrade, TickerStats

DAY_MS = 24 * 3600 * 1000
_T = TypeVar("_T")


class ExchangeViews:
    """Queries over the exchange's state; every method is free of side effects on trading."""

    clock: SimClock
    market: MarketModel
    account: Account
    instruments: dict[str, Instrument]
    books: dict[str, OrderBook]
    open_orders: dict[str, Order]
    fills: deque[Fill]
    bills: deque[Bill]
    trades: dict[str, deque[PublicTrade]]
    stats: dict[str, TickerStats]
    funding: dict[str, FundingState]

    def ord_frozen(self, ccy: str, exclude: Order | None = None) -> Decimal:
        """Balance frozen in `ccy` by open orders."""
        return sum(
            (
                o.frozen
                for o in self.open_orders.values()
                if o.frozen_ccy == ccy and o is not exclude
            ),
            ZERO,
        )

    def currency_state(self, ccy: str, exclude: Order | None = None) -> CurrencyState:
        """Balance figures of `ccy` at current marks."""
        return self.account.currency_state(
            ccy, self.ord_frozen(ccy, exclude), self.market.mark_price
        )

    # -- funding ----------------------------------------------------------------------------------
    def funding_rate(self, inst: Instrument) -> Decimal:
        """Current-period funding rate: pinned by /sim/funding-rate, else from the premium."""
        state = self.funding[inst.inst_id]
        if state.pinned_rate is not None:
            return state.pinned_rate
        return margin.funding_rate(
            self.market.basis(inst),
            c.FUNDING_INTEREST_RATE,
            c.FUNDING_INTEREST_CLAMP,
            c.FUNDING_RATE_CAP,
        )

    def funding_wire(self, inst: Instrument) -> FundingRateWire:
        """The funding-rate object of a swap."""
        state = self.funding[inst.inst_id]
        return FundingRateWire(
            inst_type=inst.inst_type,
            inst_id=inst.inst_id,
            funding_rate=fmt(self.funding_rate(inst)),
            funding_time=str(state.funding_time),
            next_funding_rate="",
            next_funding_time=str(state.funding_time + c.FUNDING_INTERVAL_MS),
            min_funding_rate=fmt(-c.FUNDING_RATE_CAP),
            max_funding_rate=fmt(c.FUNDING_RATE_CAP),
            premium=fmt(self.market.basis(inst)),
            sett_funding_rate=fmt_opt(state.sett_rate) if state.sett_rate is not None else "",
            sett_state="settled",
            method="current_period",
            formula_type="noRate",
            impact_value="",
            interest_rate=fmt(c.FUNDING_INTEREST_RATE),
            ts=str(self.clock.now_ms()),
        )

    # -- market data ------------------------------------------------------------------------------
    def ticker(self, inst: Instrument) -> TickerWire:
        """Ticker of `inst`: last trade, best quotes, rolling 24 h statistics."""
        now = self.clock.now_ms()
        stats = self.stats[inst.inst_id]
        while stats.window and stats.window[0][0] < now - DAY_MS:
            stats.open_px = stats.window.popleft()[1]
        book = self.books[inst.inst_id]
        bid = book.levels("buy", 1)
        ask = book.levels("sell", 1)
        prices = [p for _, p, _, _ in stats.window]
        open_px = stats.open_px
        return TickerWire(
            inst_type=inst.inst_type,
            inst_id=inst.inst_id,
            last=fmt(stats.last_px),
            last_sz=fmt(stats.last_sz),
            ask_px=fmt(ask[0][0]) if ask else "",
            ask_sz=fmt(ask[0][1]) if ask else "",
            bid_px=fmt(bid[0][0]) if bid else "",
            bid_sz=fmt(bid[0][1]) if bid else "",
            open24h=fmt(open_px),
            high24h=fmt(max([open_px, *prices])),
            low24h=fmt(min([open_px, *prices])),
            vol_ccy24h=fmt(sum((v for _, _, _, v in stats.window), ZERO)),
            vol24h=fmt(sum((q for _, _, q, _ in stats.window), ZERO)),
            sod_utc0=fmt(open_px),
            sod_utc8=fmt(open_px),
            ts=str(now),
        )

    def book_wire(self, inst: Instrument, depth: int) -> BookWire:
        """The live book of `inst`, `depth` levels per side."""
        return BookWire(
            asks=[_level(p, s, n) for p, s, n in self.books[inst.inst_id].levels("sell", depth)],
            bids=[_level(p, s, n) for p, s, n in self.books[inst.inst_id].levels("buy", depth)],
            ts=str(self.clock.now_ms()),
        )

    def rest_trades(self, inst: Instrument, limit: int) -> list[RestTradeWire]:
        """Latest public trades, newest first."""
        out = []
        for trade in list(self.trades[inst.inst_id])[:limit]:
            out.append(
                RestTradeWire(
                    inst_id=inst.inst_id,
                    side=trade.side,
                    sz=fmt(trade.sz),
                    px=fmt(trade.px),
                    trade_id=trade.trade_id,
                    ts=str(trade.ts),
                )
            )
        return out

    def mark_wire(self, inst: Instrument, inst_type: str) -> MarkPriceWire:
        """Mark price of `inst` (`inst_type` echoes MARGIN for spot pairs)."""
        return MarkPriceWire(
            inst_type=inst_type,
            inst_id=inst.inst_id,
            mark_px=fmt(self.market.mark_price(inst)),
            ts=str(self.clock.now_ms()),
        )

    # -- account views ----------------------------------------------------------------------------
    def position_wire(self, position: Position) -> PositionWire:
        """A position as /account/positions and the `positions` channel show it."""
        inst = position.inst
        mark = self.market.mark_price(inst)
        pos = position.pos
        upl = margin.upl(inst, pos, position.avg_px, mark) if pos else ZERO
        last = self.stats[inst.inst_id].last_px
        upl_last = margin.upl(inst, pos, position.avg_px, last) if pos else ZERO
        value_mark = margin.value(inst, abs(pos), mark) if pos else ZERO
        initial = (
            position.margin
            if position.mgn_mode == "isolated"
            else (
                round16(margin.value(inst, abs(pos), position.avg_px) / position.lever)
                if pos
                else ZERO
            )
        )
        if position.mgn_mode == "isolated":
            ratio = margin.margin_ratio(position.margin + upl, inst, pos, mark, c.DERIV_TAKER_FEE)
            liq = margin.liquidation_price(
                inst, pos, position.avg_px, position.margin, c.DERIV_TAKER_FEE
            )
            imr = ""
            margin_text = fmt(position.margin)
        else:
            state = self.currency_state(inst.settle_ccy)
            ratio = state.cross_mgn_ratio
            backing = state.cash - state.ord_frozen + state.cross_upl - upl
            backing -= state.cross_mmr - margin.maintenance_margin(inst, pos, mark)
            liq = margin.liquidation_price(inst, pos, position.avg_px, backing, c.DERIV_TAKER_FEE)
            imr = fmt(round16(value_mark / position.lever)) if pos else "0"
            margin_text = ""
        return PositionWire(
            inst_type=inst.inst_type,
            mgn_mode=position.mgn_mode,
            pos_id=position.pos_id,
            pos_side="net",
            pos=fmt(pos),
            avail_pos="",
            avg_px=fmt(position.avg_px) if pos else "",
            mark_px=fmt(mark),
            upl=fmt(upl),
            upl_ratio=fmt(round16(upl / initial)) if initial else "0",
            upl_last_px=fmt(upl_last),
            upl_ratio_last_px=fmt(round16(upl_last / initial)) if initial else "0",
            inst_id=inst.inst_id,
            lever=fmt(position.lever),
            liq_px=fmt_opt(liq),
            imr=imr,
            margin=margin_text,
            mgn_ratio=fmt_opt(ratio),
            mmr=fmt(margin.maintenance_margin(inst, pos, mark)) if pos else "0",
            trade_id=position.trade_id,
            notional_usd=fmt(margin.notional_usd(inst, abs(pos), mark)),
            adl="1",
            ccy=inst.settle_ccy,
            last=fmt(last),
            idx_px=fmt(self.market.index_price(inst.underlying)),
            usd_px=fmt(self.market.index_price(inst.underlying)) if inst.is_inverse else "",
            be_px=fmt(position.avg_px) if pos else "",
            realized_pnl=fmt(position.realized_pnl),
            pnl=fmt(position.pnl),
            fee=fmt(position.fee),
            funding_fee=fmt(position.funding_fee),
            liq_penalty=fmt(position.liq_penalty),
            c_time=str(position.c_time),
            u_time=str(position.u_time),
        )

    def positions(
        self, inst_type: str = "", inst_id: str = "", pos_ids: Iterable[str] = ()
    ) -> list[PositionWire]:
        """Open positions, newest first, filtered like GET /account/positions."""
        wanted = set(pos_ids)
        rows = sorted(self.account.positions.values(), key=lambda p: p.c_time, reverse=True)
        return [
            self.position_wire(p)
            for p in rows
            if p.pos != 0
            and (not inst_type or p.inst.inst_type == inst_type)
            and (not inst_id or p.inst.inst_id == inst_id)
            and (not wanted or p.pos_id in wanted)
        ]

    def usd_price(self, ccy: str) -> Decimal:
        """USD price of a currency (USDT at par; coins at their index)."""
        return self.market.index.get(ccy, Decimal(1))

    def balance_wire(self, ccys: Iterable[str] | None = None) -> BalanceWire:
        """The account balance object; all currencies, or `ccys` only."""
        names = self.account.currencies() if ccys is None else sorted(set(ccys))
        now = self.clock.now_ms()
        details = []
        total = iso_total = ZERO
        for ccy in names:
            state = self.currency_state(ccy)
            usd = self.usd_price(ccy)
            eq_usd = round16(state.eq * usd)
            total += eq_usd
            iso_total += round16(state.iso_eq * usd)
            lever = round16(state.notional_usd / eq_usd) if eq_usd > 0 else ZERO
            details.append(
                BalanceDetailWire(
                    ccy=ccy,
                    eq=fmt(state.eq),
                    cash_bal=fmt(state.cash),
                    u_time=str(self.account.u_time.get(ccy, now)),
                    iso_eq=fmt(state.iso_eq),
                    avail_eq=fmt(state.avail_eq),
                    dis_eq=fmt(eq_usd),
                    avail_bal=fmt(state.avail_bal),
                    frozen_bal=fmt(state.frozen_bal),
                    ord_frozen=fmt(state.ord_frozen),
                    upl=fmt(state.iso_upl + state.cross_upl),
                    mgn_ratio=fmt_opt(state.cross_mgn_ratio),
                    imr=fmt(state.cross_imr),
                    mmr=fmt(state.cross_mmr),
                    eq_usd=fmt(eq_usd),
                    notional_lever=fmt(lever),
                    coin_usd_price=fmt(usd),
                    iso_upl=fmt(state.iso_upl),
                )
            )
        return BalanceWire(
            u_time=str(now), total_eq=fmt(total), iso_eq=fmt(iso_total), details=details
        )

    def pending(self, query: dict[str, str], limit: int) -> list[Order]:
        """Live orders, newest first, filtered like GET /trade/orders-pending."""
        inst_type = query.get("instType", "")
        inst_id = query.get("instId", "")
        family = query.get("instFamily", "") or query.get("uly", "")
        ord_types = {t for t in query.get("ordType", "").split(",") if t}
        state = query.get("state", "")
        rows = sorted(self.open_orders.values(), key=lambda o: int(o.ord_id), reverse=True)
        return _page(
            [
                o
                for o in rows
                if (not inst_type or o.inst.inst_type == inst_type)
                and (not inst_id or o.inst.inst_id == inst_id)
                and (not family or o.inst.inst_family == family)
                and (not ord_types or o.ord_type in ord_types)
                and (not state or o.state == state)
            ],
            lambda o: int(o.ord_id),
            query,
            limit,
        )

    def fills_query(self, query: dict[str, str], limit: int) -> list[Fill]:
        """Account fills, newest first, filtered like GET /trade/fills."""
        inst_type = query.get("instType", "")
        inst_id = query.get("instId", "")
        ord_id = query.get("ordId", "")
        family = query.get("instFamily", "") or query.get("uly", "")
        rows = [
            f
            for f in self.fills
            if (not inst_type or f.inst.inst_type == inst_type)
            and (not inst_id or f.inst.inst_id == inst_id)
            and (not ord_id or f.ord_id == ord_id)
            and (not family or f.inst.inst_family == family)
        ]
        return _page(rows, lambda f: int(f.bill_id), query, limit)

    def bills_query(self, query: dict[str, str], limit: int) -> list[Bill]:
        """Balance changes of the last 7 days, newest first, filtered like GET /account/bills."""
        since = self.clock.now_ms() - 7 * DAY_MS
        begin, end = query.get("begin", ""), query.get("end", "")
        checks: dict[str, Callable[[Bill], str]] = {
            "instType": lambda b: b.inst.inst_type,
            "instId": lambda b: b.inst.inst_id,
            "ccy": lambda b: b.ccy,
            "mgnMode": lambda b: b.mgn_mode,
            "ctType": lambda b: b.inst.ct_type,
            "type": lambda b: b.type,
            "subType": lambda b: b.sub_type,
        }
        rows = [
            b
            for b in self.bills
            if b.ts >= since
            and all(not query.get(k) or get(b) == query[k] for k, get in checks.items())
            and (not begin.isdigit() or b.ts >= int(begin))
            and (not end.isdigit() or b.ts <= int(end))
        ]
        return _page(rows, lambda b: int(b.bill_id), query, limit)


def _level(px: Decimal, sz: Decimal, count: int) -> list[str]:
    return [fmt(px), fmt(sz), "0", str(count)]


def _page(rows: list[_T], key: Callable[[_T], int], query: dict[str, str], limit: int) -> list[_T]:
    """OKX cursor paging over newest-first rows: `after` = older than, `before` = newer than."""
    after = query.get("after", "")
    before = query.get("before", "")
    if after.isdigit():
        rows = [r for r in rows if key(r) < int(after)]
    if before.isdigit():
        rows = [r for r in rows if key(r) > int(before)]
    return rows[:limit]
