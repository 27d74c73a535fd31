"""Wire shapes the simulator sends, with OKX's own field names (camelCase on the wire).

Each struct mirrors one object of the V5 docs (section noted); every number is a string, as OKX
sends it. Field order follows the docs' examples where they show one.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Wire(msgspec.Struct, rename="camel", kw_only=True):
    """Base of every wire object: snake_case attributes, camelCase JSON keys."""


class InstrumentWire(Wire, kw_only=True):
    """GET /public/instruments item (§B.4.1)."""

    inst_type: str
    inst_id: str
    inst_family: str
    uly: str
    base_ccy: str
    quote_ccy: str
    settle_ccy: str
    ct_val: str
    ct_mult: str
    ct_val_ccy: str
    ct_type: str
    opt_type: str = ""
    stk: str = ""
    tick_sz: str
    lot_sz: str
    min_sz: str
    max_lmt_sz: str
    max_mkt_sz: str
    max_lmt_amt: str = "20000000"
    max_mkt_amt: str = "1000000"
    max_twap_sz: str = ""
    max_iceberg_sz: str = ""
    max_trigger_sz: str = ""
    max_stop_sz: str = ""
    lever: str
    state: str = "live"
    rule_type: str = "normal"
    list_time: str
    exp_time: str
    auction_end_time: str = ""
    alias: str
    category: str = "1"
    inst_id_code: int
    trade_quote_ccy_list: list[str] = msgspec.field(default_factory=list)
    open_type: str = ""
    future_settlement: bool = False


class TickerWire(Wire, kw_only=True):
    """GET /market/ticker(s) item and `tickers` push (§B.5.4)."""

    inst_type: str
    inst_id: str
    last: str
    last_sz: str
    ask_px: str
    ask_sz: str
    bid_px: str
    bid_sz: str
    open24h: str
    high24h: str
    low24h: str
    vol_ccy24h: str = msgspec.field(name="volCcy24h")
    vol24h: str
    sod_utc0: str
    sod_utc8: str
    ts: str


class BookWire(Wire, kw_only=True):
    """GET /market/books item (§B.4.2): levels are `[px, sz, "0", numOrders]`."""

    asks: list[list[str]]
    bids: list[list[str]]
    ts: str


class RestTradeWire(Wire, kw_only=True):
    """GET /market/trades item."""

    inst_id: str
    side: str
    sz: str
    px: str
    trade_id: str
    ts: str


class WsTradeWire(Wire, kw_only=True):
    """`trades` push item: one per taker order, `count` fills aggregated (§B.5.4)."""

    inst_id: str
    trade_id: str
    px: str
    sz: str
    side: str
    ts: str
    count: str


class FundingRateWire(Wire, kw_only=True):
    """GET /public/funding-rate item and `funding-rate` push (§B.4.7)."""

    inst_type: str
    inst_id: str
    funding_rate: str
    funding_time: str
    next_funding_rate: str
    next_funding_time: str
    min_funding_rate: str
    max_funding_rate: str
    premium: str
    sett_funding_rate: str
    sett_state: str
    method: str
    formula_type: str
    impact_value: str
    interest_rate: str
    ts: str


class MarkPriceWire(Wire, kw_only=True):
    """GET /public/mark-price item and `mark-price` push."""

    inst_type: str
    inst_id: str
    mark_px: str
    ts: str


class OrderWire(Wire, kw_only=True):
    """Order object of GET /trade/order and /trade/orders-pending (§B.4.4)."""

    inst_type: str
    inst_id: str
    tgt_ccy: str
    ccy: str
    ord_id: str
    cl_ord_id: str
    tag: str
    px: str
    px_usd: str = ""
    px_vol: str = ""
    px_type: str = ""
    sz: str
    pnl: str
    ord_type: str
    side: str
    pos_side: str
    td_mode: str
    acc_fill_sz: str
    fill_px: str
    trade_id: str
    fill_sz: str
    fill_time: str
    avg_px: str
    state: str
    stp_id: str = ""
    stp_mode: str
    lever: str
    attach_algo_cl_ord_id: str = ""
    tp_trigger_px: str = ""
    tp_trigger_px_type: str = ""
    tp_ord_px: str = ""
    sl_trigger_px: str = ""
    sl_trigger_px_type: str = ""
    sl_ord_px: str = ""
    attach_algo_ords: list[Any] = msgspec.field(default_factory=list)
    linked_algo_ord: dict[str, str] = msgspec.field(default_factory=lambda: {"algoId": ""})
    fee_ccy: str
    fee: str
    rebate_ccy: str
    rebate: str
    source: str = ""
    category: str = "normal"
    reduce_only: str
    is_tp_limit: str = "false"
    cancel_source: str
    cancel_source_reason: str
    quick_mgn_type: str = ""
    algo_cl_ord_id: str = ""
    algo_id: str = ""
    trade_quote_ccy: str = ""
    u_time: str
    c_time: str


class WsOrderWire(OrderWire, kw_only=True):
    """`orders` push item: the order object plus the fields of this update (§B.4.4)."""

    exec_type: str
    fill_fee: str
    fill_fee_ccy: str
    fill_pnl: str
    fill_notional_usd: str
    fill_px_vol: str = ""
    fill_px_usd: str = ""
    fill_mark_vol: str = ""
    fill_fwd_px: str = ""
    fill_mark_px: str
    fill_idx_px: str
    notional_usd: str
    last_px: str
    amend_result: str
    amend_source: str
    req_id: str
    code: str = "0"
    msg: str = ""


class FillWire(Wire, kw_only=True):
    """GET /trade/fills item (§B.4.5)."""

    inst_type: str
    inst_id: str
    trade_id: str
    ord_id: str
    cl_ord_id: str
    bill_id: str
    sub_type: str
    tag: str
    fill_px: str
    fill_sz: str
    fill_idx_px: str
    fill_pnl: str
    fill_px_vol: str = ""
    fill_px_usd: str = ""
    fill_mark_vol: str = ""
    fill_fwd_px: str = ""
    fill_mark_px: str
    side: str
    pos_side: str
    exec_type: str
    fee_ccy: str
    fee: str
    fee_rate: str
    ts: str
    fill_time: str
    trade_quote_ccy: str


class BalanceDetailWire(Wire, kw_only=True):
    """One currency of GET /account/balance `details` (§B.4.6)."""

    ccy: str
    eq: str
    cash_bal: str
    u_time: str
    iso_eq: str
    avail_eq: str
    dis_eq: str
    fixed_bal: str = "0"
    avail_bal: str
    frozen_bal: str
    ord_frozen: str
    liab: str = ""
    upl: str
    upl_liab: str = ""
    cross_liab: str = ""
    iso_liab: str = ""
    reward_bal: str = "0"
    mgn_ratio: str
    imr: str
    mmr: str
    interest: str = ""
    twap: str = "0"
    max_loan: str = ""
    eq_usd: str
    borrow_froz: str = ""
    notional_lever: str
    coin_usd_price: str
    stgy_eq: str = "0"
    iso_upl: str
    spot_in_use_amt: str = ""
    cl_spot_in_use_amt: str = ""
    max_spot_in_use_amt: str = ""
    spot_iso_bal: str = "0"
    smt_sync_eq: str = "0"
    spot_copy_trading_eq: str = "0"
    spot_bal: str = ""
    open_avg_px: str = ""
    acc_avg_px: str = ""
    spot_upl: str = ""
    spot_upl_ratio: str = ""
    total_pnl: str = ""
    total_pnl_ratio: str = ""
    collateral_enabled: bool = False


class BalanceWire(Wire, kw_only=True):
    """GET /account/balance item and `account` push (§B.4.6). Account-level cross fields are
    empty in Futures mode, as in the recorded payloads."""

    u_time: str
    total_eq: str
    iso_eq: str
    adj_eq: str = ""
    avail_eq: str = ""
    ord_froz: str = ""
    imr: str = ""
    mmr: str = ""
    borrow_froz: str = ""
    mgn_ratio: str = ""
    notional_usd: str = ""
    notional_usd_for_borrow: str = ""
    notional_usd_for_futures: str = ""
    notional_usd_for_option: str = ""
    notional_usd_for_swap: str = ""
    upl: str = ""
    details: list[BalanceDetailWire]


class PositionWire(Wire, kw_only=True):
    """GET /account/positions item and `positions` push (§B.4.6)."""

    inst_type: str
    mgn_mode: str
    pos_id: str
    pos_side: str
    pos: str
    base_bal: str = ""
    quote_bal: str = ""
    base_borrowed: str = ""
    base_interest: str = ""
    quote_borrowed: str = ""
    quote_interest: str = ""
    pos_ccy: str = ""
    avail_pos: str
    avg_px: str
    non_settle_avg_px: str = ""
    mark_px: str
    upl: str
    upl_ratio: str
    upl_last_px: str
    upl_ratio_last_px: str
    inst_id: str
    lever: str
    liq_px: str
    imr: str
    margin: str
    mgn_ratio: str
    mmr: str
    liab: str = ""
    liab_ccy: str = ""
    interest: str = ""
    trade_id: str
    opt_val: str = ""
    pending_close_ord_liab_val: str = ""
    notional_usd: str
    adl: str
    ccy: str
    last: str
    idx_px: str
    usd_px: str
    be_px: str
    delta_b_s: str = ""
    delta_p_a: str = ""
    gamma_b_s: str = ""
    gamma_p_a: str = ""
    theta_b_s: str = ""
    theta_p_a: str = ""
    vega_b_s: str = ""
    vega_p_a: str = ""
    spot_in_use_amt: str = ""
    spot_in_use_ccy: str = ""
    cl_spot_in_use_amt: str = ""
    max_spot_in_use_amt: str = ""
    biz_ref_id: str = ""
    biz_ref_type: str = ""
    realized_pnl: str
    settled_pnl: str = ""
    pnl: str
    fee: str
    funding_fee: str
    liq_penalty: str
    close_order_algo: list[Any] = msgspec.field(default_factory=list)
    c_time: str
    u_time: str
    p_time: str = ""


class BillWire(Wire, kw_only=True):
    """GET /account/bills item (docs "Get bills details (last 7 days)")."""

    bal: str
    bal_chg: str
    bill_id: str
    ccy: str
    cl_ord_id: str
    earn_amt: str = ""
    earn_apr: str = ""
    exec_type: str
    fee: str
    fill_fwd_px: str = ""
    fill_idx_px: str
    fill_mark_px: str
    fill_mark_vol: str = ""
    fill_px_usd: str = ""
    fill_px_vol: str = ""
    fill_time: str
    from_: str = msgspec.field(default="", name="from")
    inst_id: str
    inst_type: str
    interest: str = "0"
    mgn_mode: str
    notes: str = ""
    ord_id: str
    pnl: str
    pos_bal: str
    pos_bal_chg: str
    px: str
    sub_type: str
    sz: str
    tag: str
    to: str = ""
    trade_id: str
    ts: str
    type: str


class PlaceResultWire(Wire, kw_only=True):
    """Per-order result of place / batch-orders (§B.4.3)."""

    cl_ord_id: str
    ord_id: str
    tag: str
    ts: str
    s_code: str
    s_msg: str


class CancelResultWire(Wire, kw_only=True):
    """Per-order result of cancel-order / cancel-batch-orders."""

    cl_ord_id: str
    ord_id: str
    ts: str
    s_code: str
    s_msg: str


class AmendResultWire(Wire, kw_only=True):
    """Per-order result of amend-order / amend-batch-orders."""

    cl_ord_id: str
    ord_id: str
    req_id: str
    ts: str
    s_code: str
    s_msg: str


class SetLeverageWire(Wire, kw_only=True):
    """POST /account/set-leverage result (docs "Set leverage")."""

    lever: str
    mgn_mode: str
    inst_id: str
    pos_side: str


class LeverageInfoWire(Wire, kw_only=True):
    """GET /account/leverage-info item (docs "Get leverage")."""

    ccy: str
    inst_id: str
    mgn_mode: str
    pos_side: str
    lever: str


class CancelAllAfterWire(Wire, kw_only=True):
    """POST /trade/cancel-all-after result (docs "Cancel All After")."""

    trigger_time: str
    tag: str
    ts: str


class TimeWire(Wire, kw_only=True):
    """GET /public/time item."""

    ts: str


class AccountConfigWire(Wire, kw_only=True):
    """GET /account/config item (a Futures-mode, net-mode demo account)."""

    uid: str
    main_uid: str
    acct_lv: str
    acct_stp_mode: str = "cancel_maker"
    pos_mode: str
    auto_loan: bool = False
    greeks_type: str = "PA"
    level: str = "Lv1"
    level_tmp: str = ""
    ct_iso_mode: str = "automatic"
    mgn_iso_mode: str = "automatic"
    spot_offset_type: str = ""
    role_type: str = "0"
    trader_insts: list[str] = msgspec.field(default_factory=list)
    spot_role_type: str = "0"
    spot_trader_insts: list[str] = msgspec.field(default_factory=list)
    op_auth: str = "0"
    kyc_lv: str = "2"
    label: str = "okx-sim"
    ip: str = ""
    perm: str = "read_only,trade"
    liquidation_gear: str = "-1"
    enable_spot_borrow: bool = False
    spot_borrow_auto_repay: bool = False
    type: str = "0"


class TradeFeeWire(Wire, kw_only=True):
    """GET /account/trade-fee item: negative rates are charges."""

    category: str = "1"
    delivery: str = ""
    exercise: str = ""
    inst_type: str
    level: str = "Lv1"
    maker: str
    maker_u: str
    maker_u_s_d_c: str = ""
    taker: str
    taker_u: str
    taker_u_s_d_c: str = ""
    rule_type: str = "normal"
    ts: str
    fiat: list[Any] = msgspec.field(default_factory=list)


ENCODER = msgspec.json.Encoder()


def encode(obj: object) -> bytes:
    """Serialize a wire object (or a dict/list of them) to JSON bytes."""
    return ENCODER.encode(obj)
