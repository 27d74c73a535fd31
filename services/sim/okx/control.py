"""The simulator's own control surface under /sim: inspection and fault injection for tests.

Not part of OKX's API. Answers are plain JSON; errors are `{"error": {"code", "message"}}`
with HTTP 400 or 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast, get_args

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.sim.okx import constants as c
from services.sim.okx.book import Side
from services.sim.okx.decimals import fmt, parse_decimal
from services.sim.okx.rest import SimDep
from services.sim.okx.ws import FaultKind

control = APIRouter(prefix=c.CONTROL_PREFIX, tags=["simulator control"])


class ControlError(Exception):
    """A refused control request."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _json(data: object, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ControlError("bad_json", "body is not JSON") from exc
    if not isinstance(data, dict):
        raise ControlError("bad_body", "body must be a JSON object")
    return data


def _inst_id(sim: SimDep, data: dict[str, Any]) -> str:
    inst_id = data.get("instId")
    if not isinstance(inst_id, str) or inst_id not in sim.exchange.instruments:
        raise ControlError("unknown_instrument", f"unknown instId {inst_id!r}", 404)
    return inst_id


def _decimal(data: dict[str, Any], key: str, *, nullable: bool) -> Decimal | None:
    value = data.get(key)
    if value is None and nullable:
        return None
    number = parse_decimal(value) if isinstance(value, str) else None
    if number is None:
        raise ControlError(
            "bad_value", f"{key} must be a decimal string" + (" or null" if nullable else "")
        )
    return number


@control.get("/state", response_model=None)
async def state(sim: SimDep) -> Response:
    """Clocks, market status and connection count."""
    return _json(
        {
            "simTime": sim.clock.now_ms(),
            "wallTime": sim.clock.wall_ms(),
            "timeScale": sim.clock.time_scale,
            "marketPaused": sim.market.paused,
            "marketSteps": sim.market.steps,
            "wsConnections": len(sim.hub.connections),
            "uid": sim.exchange.uid,
            "instruments": sorted(sim.exchange.instruments),
        }
    )


@control.get("/book/{inst_id}", response_model=None)
async def book(inst_id: str, request: Request, sim: SimDep) -> Response:
    """The simulator's own book: `view=published` (default) is exactly what `books` subscribers
    hold at `seqId`; `view=live` is the matching engine's current book (`depth` levels)."""
    _inst_id(sim, {"instId": inst_id})
    view = request.query_params.get("view", "published")
    if view == "published":
        return _json(sim.hub.published_book(inst_id))
    if view != "live":
        raise ControlError("bad_value", "view must be published or live")
    depth_text = request.query_params.get("depth", str(c.BOOKS_DEPTH))
    if not depth_text.isdigit() or int(depth_text) < 1:
        raise ControlError("bad_value", "depth must be a positive integer")
    wire = sim.exchange.book_wire(sim.exchange.instruments[inst_id], int(depth_text))
    return _json({"instId": inst_id, "ts": wire.ts, "bids": wire.bids, "asks": wire.asks})


@control.post("/ws/books-fault", response_model=None)
async def books_fault(request: Request, sim: SimDep) -> Response:
    """Corrupt the next `books` update of an instrument: kind `checksum` (wrong CRC32), `gap`
    (one update is never sent, so the next prevSeqId does not match) or `reset` (seqId drops
    below prevSeqId, a legitimate maintenance reset)."""
    data = await _body(request)
    inst_id = _inst_id(sim, data)
    kind = data.get("kind")
    if kind not in get_args(FaultKind):
        raise ControlError("bad_value", "kind must be checksum, gap or reset")
    sim.hub.inject_fault(inst_id, cast(FaultKind, kind))
    return _json({"instId": inst_id, "kind": kind, "queued": True})


@control.post("/ws/drop", response_model=None)
async def drop_connections(request: Request, sim: SimDep) -> Response:
    """Close every WebSocket connection (default close code 1012, "service restart")."""
    data = await _body(request)
    code = data.get("code", c.WS_DROP_CLOSE_CODE)
    reason = data.get("reason", "")
    if (
        not isinstance(code, int)
        or isinstance(code, bool)
        or not (1000 <= code <= 4999)
        or code in (1005, 1006)
    ):
        raise ControlError("bad_value", "code must be a sendable close code (1000-4999)")
    if not isinstance(reason, str):
        raise ControlError("bad_value", "reason must be a string")
    return _json({"dropped": sim.hub.drop_all(code, reason)})


@control.post("/time/advance", response_model=None)
async def advance(request: Request, sim: SimDep) -> Response:
    """Jump simulated time forward; funding and cancel-all-after that fall due run at once."""
    data = await _body(request)
    seconds = data.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise ControlError("bad_value", "seconds must be a non-negative number")
    return _json({"simTime": sim.advance(float(seconds))})


@control.post("/mark-price", response_model=None)
async def mark_price(request: Request, sim: SimDep) -> Response:
    """Pin the mark price of an instrument (`markPx` decimal string), or unpin with null."""
    data = await _body(request)
    inst_id = _inst_id(sim, data)
    px = _decimal(data, "markPx", nullable=True)
    if px is None:
        sim.market.pinned_mark.pop(inst_id, None)
    else:
        if px <= 0:
            raise ControlError("bad_value", "markPx must be positive")
        sim.market.pinned_mark[inst_id] = px
    with sim.exchange.operation():
        sim.exchange.tick()  # a new mark can liquidate
    inst = sim.exchange.instruments[inst_id]
    return _json({"instId": inst_id, "markPx": fmt(sim.market.mark_price(inst))})


@control.post("/funding-rate", response_model=None)
async def funding_rate(request: Request, sim: SimDep) -> Response:
    """Pin the current funding rate of a swap (`fundingRate` decimal string), or unpin with null."""
    data = await _body(request)
    inst_id = _inst_id(sim, data)
    if inst_id not in sim.exchange.funding:
        raise ControlError("bad_value", "funding applies to SWAP instruments only")
    rate = _decimal(data, "fundingRate", nullable=True)
    sim.exchange.funding[inst_id].pinned_rate = rate
    inst = sim.exchange.instruments[inst_id]
    sim.hub.funding_changed(inst)
    return _json({"instId": inst_id, "fundingRate": fmt(sim.exchange.funding_rate(inst))})


@control.post("/market/pause", response_model=None)
async def pause(sim: SimDep) -> Response:
    """Freeze the market model: books only change through API orders and /sim calls."""
    sim.market.paused = True
    return _json({"marketPaused": True})


@control.post("/market/resume", response_model=None)
async def resume(sim: SimDep) -> Response:
    """Let the market model move again."""
    sim.market.paused = False
    return _json({"marketPaused": False})


@control.post("/market/step", response_model=None)
async def step(request: Request, sim: SimDep) -> Response:
    """Run `steps` market-model steps of `dtSecs` simulated seconds each, even while paused."""
    data = await _body(request)
    steps = data.get("steps", 1)
    dt_secs = data.get("dtSecs", c.BOOK_PUSH_INTERVAL_SECS)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 10_000:
        raise ControlError("bad_value", "steps must be an integer in [1, 10000]")
    if isinstance(dt_secs, bool) or not isinstance(dt_secs, int | float) or dt_secs < 0:
        raise ControlError("bad_value", "dtSecs must be a non-negative number")
    paused = sim.market.paused
    sim.market.paused = False
    try:
        for _ in range(steps):
            sim.exchange.step_market(float(dt_secs))
    finally:
        sim.market.paused = paused
    sim.exchange.tick()
    return _json({"marketSteps": sim.market.steps})


@control.post("/trade", response_model=None)
async def synthetic_trade(request: Request, sim: SimDep) -> Response:
    """Send a synthetic taker order (someone else trading): `side`, `sz`, optional limit `px`.
    It fills resting orders, the account's included, by price-time priority."""
    data = await _body(request)
    inst_id = _inst_id(sim, data)
    side = data.get("side")
    if side not in ("buy", "sell"):
        raise ControlError("bad_value", "side must be buy or sell")
    sz = _decimal(data, "sz", nullable=False)
    assert sz is not None
    if sz <= 0:
        raise ControlError("bad_value", "sz must be positive")
    px = _decimal(data, "px", nullable=True)
    inst = sim.exchange.instruments[inst_id]
    book = sim.exchange.book(inst_id)
    before = sum(
        (q for _, q, _ in book.levels("sell" if side == "buy" else "buy", 10_000)), Decimal(0)
    )
    with sim.exchange.operation():
        if px is None:
            sim.exchange.synthetic_market(inst, cast(Side, side), sz)
        else:
            sim.exchange.add_synthetic(inst, cast(Side, side), px, sz)
    after = sum(
        (q for _, q, _ in book.levels("sell" if side == "buy" else "buy", 10_000)), Decimal(0)
    )
    return _json({"instId": inst_id, "filled": fmt(before - after)})


@control.post("/reset", response_model=None)
async def reset(sim: SimDep) -> Response:
    """Cancel all orders, close positions without PnL, restore starting balances, unpin prices."""
    sim.exchange.reset_account()
    return _json({"reset": True})
