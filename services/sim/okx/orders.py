"""Order and fill records of the simulated account, and their wire forms (§B.4.4, §B.4.5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.sim.okx.book import Side
from services.sim.okx.decimals import ZERO, fmt, fmt_opt, round16
from services.sim.okx.instruments import Instrument
from services.sim.okx.schemas import BillWire, FillWire, OrderWire, WsOrderWire

LIVE_STATES = frozenset({"live", "partially_filled"})


@dataclass(slots=True, eq=False)
class Order:
    """One order of the account; mutable until it reaches `filled` or `canceled`."""

    ord_id: str
    inst: Instrument
    cl_ord_id: str
    tag: str
    td_mode: str
    side: Side
    pos_side: str
    ord_type: str
    tgt_ccy: str
    stp_mode: str
    px: Decimal | None
    sz: Decimal
    reduce_only: bool
    lever: Decimal | None
    c_time: int
    u_time: int
    frozen_ccy: str
    frozen: Decimal = ZERO  # margin / balance still reserved for the unfilled part
    quote_budget: Decimal | None = None  # spot market order sized in quote currency
    category: str = "normal"
    state: str = "live"
    acc_fill_sz: Decimal = ZERO
    fill_value: Decimal = ZERO  # Σ qty * px
    fill_inverse: Decimal = ZERO  # Σ qty / px, for inverse averages
    fee: Decimal = ZERO
    fee_ccy: str = ""
    pnl: Decimal = ZERO
    # the latest fill (what an `orders` push describes)
    fill_px: Decimal | None = None
    fill_sz: Decimal = ZERO
    fill_time: int | None = None
    trade_id: str = ""
    exec_type: str = ""
    fill_fee: Decimal = ZERO
    fill_fee_ccy: str = ""
    fill_pnl: Decimal = ZERO
    fill_mark_px: Decimal | None = None
    fill_idx_px: Decimal | None = None
    fill_notional_usd: Decimal = ZERO
    cancel_source: str = ""
    amend_result: str = ""
    amend_source: str = ""
    req_id: str = ""

    @property
    def key(self) -> int:
        """Book key of the order (its numeric id)."""
        return int(self.ord_id)

    @property
    def is_live(self) -> bool:
        """True while the order can still fill."""
        return self.state in LIVE_STATES

    @property
    def remaining(self) -> Decimal:
        """Unfilled size."""
        return self.sz - self.acc_fill_sz

    @property
    def avg_px(self) -> Decimal | None:
        """Average fill price (harmonic for inverse contracts); None before the first fill."""
        if self.acc_fill_sz == 0:
            return None
        if self.inst.is_inverse:
            return round16(self.acc_fill_sz / self.fill_inverse)
        return round16(self.fill_value / self.acc_fill_sz)

    def clear_fill(self) -> None:
        """Forget the per-update fill fields before a non-fill update (amend, cancel)."""
        self.fill_sz = ZERO
        self.fill_fee = ZERO
        self.fill_pnl = ZERO
        self.fill_notional_usd = ZERO
        self.exec_type = ""

    def _common(self) -> dict[str, Any]:
        inst = self.inst
        return {
            "inst_type": inst.inst_type,
            "inst_id": inst.inst_id,
            "tgt_ccy": self.tgt_ccy,
            "ccy": "",
            "ord_id": self.ord_id,
            "cl_ord_id": self.cl_ord_id,
            "tag": self.tag,
            "px": fmt_opt(self.px),
            "sz": fmt(self.sz),
            "pnl": fmt(self.pnl),
            "ord_type": self.ord_type,
            "side": self.side,
            "pos_side": self.pos_side,
            "td_mode": self.td_mode,
            "acc_fill_sz": fmt(self.acc_fill_sz),
            "trade_id": self.trade_id,
            "state": self.state,
            "stp_mode": self.stp_mode,
            "lever": fmt_opt(self.lever),
            "fee_ccy": self.fee_ccy,
            "fee": fmt(self.fee),
            "rebate_ccy": self.fee_ccy,
            "rebate": "0",
            "category": self.category,
            "reduce_only": "true" if self.reduce_only else "false",
            "cancel_source": self.cancel_source,
            "cancel_source_reason": _CANCEL_REASONS.get(self.cancel_source, ""),
            "trade_quote_ccy": inst.quote_ccy,
            "u_time": str(self.u_time),
            "c_time": str(self.c_time),
        }

    def to_rest(self) -> OrderWire:
        """The order as GET /trade/order and /orders-pending return it.

        Real REST captures show "" for the fill fields of an order that has not filled yet.
        """
        return OrderWire(
            **self._common(),
            fill_px=fmt_opt(self.fill_px),
            fill_sz=fmt(self.fill_sz) if self.fill_time is not None else "0",
            fill_time=str(self.fill_time) if self.fill_time is not None else "",
            avg_px=fmt_opt(self.avg_px),
        )

    def to_ws(self, last_px: Decimal | None) -> WsOrderWire:
        """The order as an `orders` push: fill fields describe this update only.

        The docs say avgPx is "0" before any fill on this channel.
        """
        return WsOrderWire(
            **self._common(),
            fill_px=fmt_opt(self.fill_px) if self.fill_sz else "",
            fill_sz=fmt(self.fill_sz),
            fill_time=str(self.fill_time) if self.fill_sz and self.fill_time is not None else "",
            avg_px=fmt(self.avg_px) if self.avg_px is not None else "0",
            exec_type=self.exec_type,
            fill_fee=fmt(self.fill_fee),
            fill_fee_ccy=self.fill_fee_ccy if self.fill_sz else "",
            fill_pnl=fmt(self.fill_pnl),
            fill_notional_usd=fmt(self.fill_notional_usd) if self.fill_sz else "",
            fill_mark_px=fmt_opt(self.fill_mark_px) if self.fill_sz else "",
            fill_idx_px=fmt_opt(self.fill_idx_px) if self.fill_sz else "",
            notional_usd=fmt(self.notional_usd()),
            last_px=fmt_opt(last_px),
            amend_result=self.amend_result,
            amend_source=self.amend_source,
            req_id=self.req_id,
        )

    def notional_usd(self) -> Decimal:
        """Order notional in USD at its price (USDT taken at par)."""
        px = self.px if self.px is not None else (self.avg_px or ZERO)
        if self.inst.is_inverse:
            return self.sz * self.inst.ct_val
        if self.quote_budget is not None:
            return self.quote_budget
        return round16(self.sz * self.inst.ct_val * self.inst.ct_mult * px)


_CANCEL_REASONS = {
    "0": "Order canceled by system",
    "1": "Order canceled by user",
    "3": "Order canceled: Risk cancellation was triggered",
    "13": "Order canceled: FOK order was canceled due to incompletely filled",
    "14": "Order canceled: IOC order was partially canceled due to incompletely filled",
    "20": "Cancel all after triggered",
    "31": "The post-only order will take liquidity in taker orders",
    "32": "Self trade prevention",
}


@dataclass(frozen=True, slots=True)
class Fill:
    """One fill of an account order (a row of /trade/fills)."""

    inst: Instrument
    trade_id: str
    ord_id: str
    cl_ord_id: str
    bill_id: str
    tag: str
    side: Side
    pos_side: str
    px: Decimal
    sz: Decimal
    pnl: Decimal
    exec_type: str
    fee: Decimal
    fee_ccy: str
    fee_rate: Decimal
    mark_px: Decimal | None
    idx_px: Decimal | None
    ts: int

    def to_wire(self) -> FillWire:
        """The fill as GET /trade/fills returns it; `feeRate` is negative for a charge."""
        return FillWire(
            inst_type=self.inst.inst_type,
            inst_id=self.inst.inst_id,
            trade_id=self.trade_id,
            ord_id=self.ord_id,
            cl_ord_id=self.cl_ord_id,
            bill_id=self.bill_id,
            sub_type="1" if self.side == "buy" else "2",
            tag=self.tag,
            fill_px=fmt(self.px),
            fill_sz=fmt(self.sz),
            fill_idx_px=fmt_opt(self.idx_px),
            fill_pnl=fmt(self.pnl),
            fill_mark_px=fmt_opt(self.mark_px) if self.inst.is_derivative else "",
            side=self.side,
            pos_side=self.pos_side,
            exec_type=self.exec_type,
            fee_ccy=self.fee_ccy,
            fee=fmt(self.fee),
            fee_rate=fmt(-self.fee_rate),
            ts=str(self.ts),
            fill_time=str(self.ts),
            trade_quote_ccy=self.inst.quote_ccy,
        )


@dataclass(frozen=True, slots=True)
class Bill:
    """One change of a currency balance (a row of /account/bills).

    Types used (docs "Get bills details"): 2 trade (subType 1 buy, 2 sell), 8 funding fee
    (173 expense, 174 income, px = mark price), 5 liquidation (104 long, 105 short).
    """

    bill_id: str
    inst: Instrument
    ccy: str
    type: str
    sub_type: str
    bal_chg: Decimal
    bal: Decimal
    sz: Decimal
    px: Decimal
    pnl: Decimal
    fee: Decimal
    mgn_mode: str
    ts: int
    ord_id: str = ""
    cl_ord_id: str = ""
    tag: str = ""
    exec_type: str = ""
    trade_id: str = ""
    fill_idx_px: Decimal | None = None
    fill_mark_px: Decimal | None = None

    def to_wire(self) -> BillWire:
        """The bill as GET /account/bills returns it."""
        is_trade = self.type in ("2", "5")
        return BillWire(
            bal=fmt(self.bal),
            bal_chg=fmt(self.bal_chg),
            bill_id=self.bill_id,
            ccy=self.ccy,
            cl_ord_id=self.cl_ord_id,
            exec_type=self.exec_type,
            fee=fmt(self.fee),
            fill_idx_px=fmt_opt(self.fill_idx_px) if is_trade else "",
            fill_mark_px=fmt_opt(self.fill_mark_px) if is_trade else "",
            fill_time=str(self.ts) if is_trade else "",
            inst_id=self.inst.inst_id,
            inst_type=self.inst.inst_type,
            mgn_mode=self.mgn_mode,
            ord_id=self.ord_id,
            pnl=fmt(self.pnl),
            pos_bal="0",
            pos_bal_chg="0",
            px=fmt(self.px),
            sub_type=self.sub_type,
            sz=fmt(self.sz),
            tag=self.tag,
            trade_id=self.trade_id,
            ts=str(self.ts),
            type=self.type,
        )
