"""REST routes under /api/v5 (§B.4): public data, market data, trade and account.

Every answer is OKX's envelope `{"code","msg","data"}`; business failures of single orders come
back per item as `sCode`/`sMsg` (§B.3). Handlers read raw query strings and bodies themselves, so
no framework validation error can ever escape in a non-OKX shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.sim.okx import auth, errors, parse
from services.sim.okx import constants as c
from services.sim.okx.errors import OkxError
from services.sim.okx.factory import Simulator
from services.sim.okx.schemas import (
    AccountConfigWire,
    InstrumentWire,
    TimeWire,
    TradeFeeWire,
    encode,
)


class OkxResponse(Response):
    """A JSON response already encoded by msgspec."""

    media_type = "application/json"


def envelope(
    data: Sequence[Any],
    *,
    code: str = "0",
    msg: str = "",
    status: int = 200,
    times: tuple[int, int] | None = None,
) -> OkxResponse:
    """Render `{"code","msg","data"}` (+ inTime/outTime in µs on trade endpoints)."""
    body: dict[str, object] = {"code": code, "msg": msg, "data": list(data)}
    if times is not None:
        body["inTime"] = str(times[0])
        body["outTime"] = str(times[1])
    return OkxResponse(content=encode(body), status_code=status)


def get_sim(request: Request) -> Simulator:
    """The simulator this app serves."""
    sim: Simulator = request.app.state.sim
    return sim


SimDep = Annotated[Simulator, Depends(get_sim)]


async def require_auth(request: Request, sim: SimDep) -> None:
    """Verify OK-ACCESS-* headers exactly as OKX does (§B.2.1), over the raw path and body."""
    body = await request.body()
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode("utf-8")
    query: bytes = request.scope.get("query_string", b"")
    path = raw_path.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
    headers = request.headers
    failure = auth.check_rest(
        auth.RestAuthRequest(
            method=request.method,
            request_path=path,
            body=body,
            key=headers.get("OK-ACCESS-KEY"),
            sign=headers.get("OK-ACCESS-SIGN"),
            timestamp=headers.get("OK-ACCESS-TIMESTAMP"),
            passphrase=headers.get("OK-ACCESS-PASSPHRASE"),
            simulated_trading=headers.get("x-simulated-trading"),
        ),
        sim.credentials,
        now_ms=sim.clock.wall_ms(),
        window_secs=sim.config.auth_window_secs,
        demo=sim.config.demo_trading,
    )
    if failure is not None:
        raise OkxError(failure)


Private = Annotated[None, Depends(require_auth)]


def _query(request: Request) -> dict[str, str]:
    return {k: v.strip() for k, v in request.query_params.items()}


async def _json(request: Request) -> object:
    return parse.decode_body(await request.body())


def _batch_code(results: Sequence[Any]) -> tuple[str, str]:
    failed = sum(1 for r in results if r.s_code != "0")
    if failed == 0:
        return "0", ""
    if failed == len(results):
        return errors.ALL_FAILED.code, errors.ALL_FAILED.msg
    return errors.PARTIAL.code, errors.PARTIAL.msg


# =================================================================================================
# public data
# =================================================================================================
public = APIRouter(prefix=f"{c.API_PREFIX}/public", tags=["public"])


@public.get("/time", response_model=None)
async def server_time(sim: SimDep) -> Response:
    """Server time: the wall clock, which is what request signatures are checked against."""
    return envelope([TimeWire(ts=str(sim.clock.wall_ms()))])


@public.get("/instruments", response_model=None)
async def instruments(request: Request, sim: SimDep) -> Response:
    """Instruments of one type, optionally one instId or family."""
    query = _query(request)
    inst_type = parse.inst_type(query, required=True)
    inst_id = query.get("instId", "")
    family = query.get("instFamily", "") or query.get("uly", "")
    rows = []
    for inst in sim.exchange.instruments.values():
        if inst.inst_type != inst_type and not (inst_type == "MARGIN" and inst.inst_type == "SPOT"):
            continue
        if inst_id and inst.inst_id != inst_id:
            continue
        if family and inst.inst_family != family:
            continue
        rows.append(
            InstrumentWire(
                inst_type=inst_type,
                inst_id=inst.inst_id,
                inst_family=inst.inst_family,
                uly=inst.inst_family,
                base_ccy=inst.base_ccy,
                quote_ccy=inst.quote_ccy,
                settle_ccy=inst.settle_ccy,
                ct_val=str(inst.ct_val) if inst.is_derivative else "",
                ct_mult=str(inst.ct_mult) if inst.is_derivative else "",
                ct_val_ccy=inst.ct_val_ccy,
                ct_type=inst.ct_type,
                tick_sz=str(inst.tick_sz),
                lot_sz=str(inst.lot_sz),
                min_sz=str(inst.min_sz),
                max_lmt_sz=str(inst.max_lmt_sz),
                max_mkt_sz=str(inst.max_mkt_sz),
                lever=str(inst.max_lever) if inst.is_derivative or inst_type == "MARGIN" else "",
                list_time=str(inst.list_time_ms),
                exp_time=str(inst.exp_time_ms) if inst.exp_time_ms is not None else "",
                alias=inst.alias,
                inst_id_code=inst.inst_id_code,
            )
        )
    return envelope(rows)


@public.get("/funding-rate", response_model=None)
async def funding_rate(request: Request, sim: SimDep) -> Response:
    """Current funding rate of a perpetual swap (instId=ANY: every swap)."""
    inst_id = _query(request).get("instId", "")
    if not inst_id:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    if inst_id == "ANY":
        return envelope(
            [sim.exchange.funding_wire(sim.exchange.instruments[i]) for i in sim.exchange.funding]
        )
    inst = sim.exchange.inst(inst_id)
    if inst.inst_type != "SWAP":
        raise OkxError(errors.INSTRUMENT_UNKNOWN)
    return envelope([sim.exchange.funding_wire(inst)])


@public.get("/mark-price", response_model=None)
async def mark_price(request: Request, sim: SimDep) -> Response:
    """Mark prices of MARGIN (spot pairs), SWAP or FUTURES instruments."""
    query = _query(request)
    inst_type = parse.inst_type(query, required=True)
    if inst_type == "SPOT":
        raise OkxError(errors.PARAM_ERROR, "instType")
    inst_id = query.get("instId", "")
    family = query.get("instFamily", "") or query.get("uly", "")
    rows = []
    for inst in sim.exchange.instruments.values():
        kind = "MARGIN" if inst.inst_type == "SPOT" else inst.inst_type
        if kind != inst_type or (inst_id and inst.inst_id != inst_id):
            continue
        if family and inst.inst_family != family:
            continue
        rows.append(sim.exchange.mark_wire(inst, kind))
    return envelope(rows)


# =================================================================================================
# market data
# =================================================================================================
market = APIRouter(prefix=f"{c.API_PREFIX}/market", tags=["market"])


@market.get("/tickers", response_model=None)
async def tickers(request: Request, sim: SimDep) -> Response:
    """Tickers of every instrument of one type."""
    query = _query(request)
    inst_type = parse.inst_type(query, required=True)
    family = query.get("instFamily", "") or query.get("uly", "")
    rows = [
        sim.exchange.ticker(inst)
        for inst in sim.exchange.instruments.values()
        if inst.inst_type == inst_type and (not family or inst.inst_family == family)
    ]
    return envelope(rows)


@market.get("/ticker", response_model=None)
async def ticker(request: Request, sim: SimDep) -> Response:
    """Ticker of one instrument."""
    inst_id = _query(request).get("instId", "")
    if not inst_id:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    return envelope([sim.exchange.ticker(sim.exchange.inst(inst_id))])


@market.get("/books", response_model=None)
async def books(request: Request, sim: SimDep) -> Response:
    """Order book snapshot: `sz` levels per side (default 1, at most 400)."""
    query = _query(request)
    inst_id = query.get("instId", "")
    if not inst_id:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    inst = sim.exchange.inst(inst_id)
    text = query.get("sz", "")
    depth = c.REST_BOOK_DEFAULT_SZ
    if text:
        if not text.isdigit() or not 1 <= int(text) <= c.REST_BOOK_MAX_SZ:
            raise OkxError(errors.PARAM_ERROR, "sz")
        depth = int(text)
    return envelope([sim.exchange.book_wire(inst, depth)])


@market.get("/trades", response_model=None)
async def trades(request: Request, sim: SimDep) -> Response:
    """Latest public trades of one instrument (limit ≤ 500, default 100)."""
    query = _query(request)
    inst_id = query.get("instId", "")
    if not inst_id:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    inst = sim.exchange.inst(inst_id)
    limit = parse.page_limit(query, c.MAX_PUBLIC_TRADES_KEPT) if query.get("limit") else 100
    return envelope(sim.exchange.rest_trades(inst, limit))


# =================================================================================================
# trade
# =================================================================================================
trade = APIRouter(prefix=f"{c.API_PREFIX}/trade", tags=["trade"])


@trade.post("/order", response_model=None)
async def place_order(request: Request, sim: SimDep, _: Private) -> Response:
    """Place one order."""
    t_in = sim.clock.wall_us()
    req = parse.place_order(parse.as_object(await _json(request)))
    result = sim.exchange.place(req)
    code, msg = _batch_code([result])
    return envelope([result], code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/batch-orders", response_model=None)
async def batch_orders(request: Request, sim: SimDep, _: Private) -> Response:
    """Place up to 20 orders; each succeeds or fails on its own."""
    t_in = sim.clock.wall_us()
    items = parse.as_list(await _json(request), c.MAX_BATCH_ORDERS, errors.MAX_BATCH)
    requests = [parse.place_order(item) for item in items]
    with sim.exchange.operation():
        results = [sim.exchange.place(req) for req in requests]
    code, msg = _batch_code(results)
    return envelope(results, code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/cancel-order", response_model=None)
async def cancel_order(request: Request, sim: SimDep, _: Private) -> Response:
    """Cancel one order by ordId or clOrdId."""
    t_in = sim.clock.wall_us()
    result = sim.exchange.cancel(parse.order_ref(parse.as_object(await _json(request))))
    code, msg = _batch_code([result])
    return envelope([result], code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/cancel-batch-orders", response_model=None)
async def cancel_batch_orders(request: Request, sim: SimDep, _: Private) -> Response:
    """Cancel up to 20 orders."""
    t_in = sim.clock.wall_us()
    items = parse.as_list(await _json(request), c.MAX_BATCH_ORDERS, errors.CANCEL_MAX)
    refs = [parse.order_ref(item) for item in items]
    with sim.exchange.operation():
        results = [sim.exchange.cancel(ref) for ref in refs]
    code, msg = _batch_code(results)
    return envelope(results, code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/amend-order", response_model=None)
async def amend_order(request: Request, sim: SimDep, _: Private) -> Response:
    """Amend the price and/or size of a resting order."""
    t_in = sim.clock.wall_us()
    result = sim.exchange.amend(parse.amend_order(parse.as_object(await _json(request))))
    code, msg = _batch_code([result])
    return envelope([result], code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/amend-batch-orders", response_model=None)
async def amend_batch_orders(request: Request, sim: SimDep, _: Private) -> Response:
    """Amend up to 20 orders."""
    t_in = sim.clock.wall_us()
    items = parse.as_list(await _json(request), c.MAX_BATCH_ORDERS, errors.AMEND_MAX)
    amends = [parse.amend_order(item) for item in items]
    with sim.exchange.operation():
        results = [sim.exchange.amend(req) for req in amends]
    code, msg = _batch_code(results)
    return envelope(results, code=code, msg=msg, times=(t_in, sim.clock.wall_us()))


@trade.post("/cancel-all-after", response_model=None)
async def cancel_all_after(request: Request, sim: SimDep, _: Private) -> Response:
    """Arm or disarm the dead-man switch (timeOut 0 or 10..120 s)."""
    req = parse.cancel_all_after(
        parse.as_object(await _json(request)), c.CAA_MIN_SECS, c.CAA_MAX_SECS
    )
    return envelope([sim.exchange.cancel_all_after(req)])


@trade.get("/order", response_model=None)
async def order_details(request: Request, sim: SimDep, _: Private) -> Response:
    """One order by ordId or clOrdId (51603 when unknown)."""
    ref = parse.order_ref(_query(request))
    if not ref.ord_id and not ref.cl_ord_id:
        raise OkxError(errors.ORDER_ID_REQUIRED)
    order = sim.exchange.find(ref)
    if order is None:
        raise OkxError(errors.ORDER_NOT_EXIST)
    return envelope([order.to_rest()])


@trade.get("/orders-pending", response_model=None)
async def orders_pending(request: Request, sim: SimDep, _: Private) -> Response:
    """Live orders, newest first; `after`/`before` page by ordId."""
    query = _query(request)
    parse.inst_type(query, required=False)
    limit = parse.page_limit(query, c.MAX_PAGE_LIMIT)
    return envelope([o.to_rest() for o in sim.exchange.pending(query, limit)])


@trade.get("/orders-history", response_model=None)
async def orders_history(request: Request, sim: SimDep, _: Private) -> Response:
    """Finished orders of the last 7 days, newest first (instType required)."""
    query = _query(request)
    inst_type = parse.inst_type(query, required=True)
    limit = parse.page_limit(query, c.MAX_PAGE_LIMIT)
    since = sim.clock.now_ms() - 7 * 24 * 3600 * 1000
    state = query.get("state", "")
    inst_id = query.get("instId", "")
    rows = sorted(
        (
            o
            for o in sim.exchange.orders.values()
            if not o.is_live
            and o.inst.inst_type == inst_type
            and o.u_time >= since
            and (not state or o.state == state)
            and (not inst_id or o.inst.inst_id == inst_id)
        ),
        key=lambda o: int(o.ord_id),
        reverse=True,
    )
    after, before = query.get("after", ""), query.get("before", "")
    if after.isdigit():
        rows = [o for o in rows if int(o.ord_id) < int(after)]
    if before.isdigit():
        rows = [o for o in rows if int(o.ord_id) > int(before)]
    return envelope([o.to_rest() for o in rows[:limit]])


@trade.get("/fills", response_model=None)
async def fills(request: Request, sim: SimDep, _: Private) -> Response:
    """Account fills, newest first; `after`/`before` page by billId."""
    query = _query(request)
    parse.inst_type(query, required=False)
    limit = parse.page_limit(query, c.MAX_PAGE_LIMIT)
    return envelope([f.to_wire() for f in sim.exchange.fills_query(query, limit)])


# =================================================================================================
# account
# =================================================================================================
account = APIRouter(prefix=f"{c.API_PREFIX}/account", tags=["account"])


@account.get("/balance", response_model=None)
async def balance(request: Request, sim: SimDep, _: Private) -> Response:
    """Balances, all currencies or `ccy=BTC,USDT`."""
    text = _query(request).get("ccy", "")
    ccys = [x for x in text.split(",") if x] if text else None
    if ccys is not None and len(ccys) > 20:
        raise OkxError(errors.PARAM_COUNT, "ccy", 20)
    return envelope([sim.exchange.balance_wire(ccys)])


@account.get("/positions", response_model=None)
async def positions(request: Request, sim: SimDep, _: Private) -> Response:
    """Open positions, filtered by instType, instId (comma list) or posId (comma list)."""
    query = _query(request)
    inst_type = parse.inst_type(query, required=False)
    inst_ids = [x for x in query.get("instId", "").split(",") if x]
    pos_ids = [x for x in query.get("posId", "").split(",") if x]
    rows = [
        p
        for p in sim.exchange.positions(inst_type=inst_type, pos_ids=pos_ids)
        if not inst_ids or p.inst_id in inst_ids
    ]
    return envelope(rows)


@account.get("/bills", response_model=None)
async def bills(request: Request, sim: SimDep, _: Private) -> Response:
    """Balance changes of the last 7 days (trades, funding fees, liquidations), newest first."""
    query = _query(request)
    parse.inst_type(query, required=False)
    limit = parse.page_limit(query, c.MAX_PAGE_LIMIT)
    return envelope([b.to_wire() for b in sim.exchange.bills_query(query, limit)])


@account.post("/set-leverage", response_model=None)
async def set_leverage(request: Request, sim: SimDep, _: Private) -> Response:
    """Set leverage of an instrument in a margin mode."""
    req = parse.set_leverage(parse.as_object(await _json(request)))
    return envelope([sim.exchange.set_leverage(req)])


@account.get("/leverage-info", response_model=None)
async def leverage_info(request: Request, sim: SimDep, _: Private) -> Response:
    """Leverage of up to 20 instruments in one margin mode."""
    query = _query(request)
    mgn_mode = query.get("mgnMode", "")
    if not mgn_mode:
        raise OkxError(errors.PARAM_EMPTY, "mgnMode")
    if mgn_mode not in parse.MGN_MODES:
        raise OkxError(errors.PARAM_ERROR, "mgnMode")
    inst_ids = [x for x in query.get("instId", "").split(",") if x]
    if not inst_ids:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    if len(inst_ids) > 20:
        raise OkxError(errors.PARAM_COUNT, "instId", 20)
    return envelope(sim.exchange.leverage_info(inst_ids, mgn_mode))


@account.get("/config", response_model=None)
async def account_config(sim: SimDep, _: Private) -> Response:
    """Account configuration: Futures mode (acctLv 2), net position mode."""
    uid = sim.exchange.uid
    return envelope(
        [
            AccountConfigWire(
                uid=uid, main_uid=uid, acct_lv=c.ACCOUNT_LEVEL, pos_mode=c.POSITION_MODE
            )
        ]
    )


@account.get("/trade-fee", response_model=None)
async def trade_fee(request: Request, sim: SimDep, _: Private) -> Response:
    """Fee rates of an instrument type; negative numbers are charges."""
    inst_type = parse.inst_type(_query(request), required=True)
    ts = str(sim.clock.now_ms())
    if inst_type in ("SPOT", "MARGIN"):
        maker, taker = c.SPOT_MAKER_FEE, c.SPOT_TAKER_FEE
        row = TradeFeeWire(
            inst_type=inst_type, maker=f"-{maker}", maker_u="", taker=f"-{taker}", taker_u="", ts=ts
        )
    else:
        maker, taker = c.DERIV_MAKER_FEE, c.DERIV_TAKER_FEE
        row = TradeFeeWire(
            inst_type=inst_type,
            maker=f"-{maker}",
            maker_u=f"-{maker}",
            taker=f"-{taker}",
            taker_u=f"-{taker}",
            ts=ts,
        )
    return envelope([row])


ROUTERS = (public, market, trade, account)
