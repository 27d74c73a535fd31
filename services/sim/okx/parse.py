"""Pure request parsing: raw JSON / query values in, typed requests or an `OkxError` out.

python-okx sends every optional field, empty ones as "" (and `attachAlgoOrds` as null), so an
empty string means "absent" throughout, as it does on OKX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import orjson

from services.sim.okx import errors
from services.sim.okx.book import Side
from services.sim.okx.constants import CL_ORD_ID_MAX_LEN, TAG_MAX_LEN
from services.sim.okx.decimals import parse_decimal
from services.sim.okx.errors import OkxError

ORDER_TYPES = frozenset({"market", "limit", "post_only", "fok", "ioc", "optimal_limit_ioc"})
TD_MODES = frozenset({"cash", "cross", "isolated"})
SIDES = frozenset({"buy", "sell"})
POS_SIDES = frozenset({"", "net"})  # the simulated account is in net mode
STP_MODES = frozenset({"", "cancel_maker", "cancel_taker", "cancel_both"})
TGT_CCYS = frozenset({"", "base_ccy", "quote_ccy"})
MGN_MODES = frozenset({"cross", "isolated"})
INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"})
_CL_ORD_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TAG = re.compile(r"^[A-Za-z0-9]{1,16}$")

Json = dict[str, object]


def decode_body(raw: bytes) -> object:
    """Decode a POST body: empty → 50000, not JSON → 50002."""
    if not raw.strip():
        raise OkxError(errors.BODY_EMPTY)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise OkxError(errors.JSON_SYNTAX) from exc


def as_object(value: object) -> Json:
    """Require a JSON object (a single-order endpoint); anything else is a parameter error."""
    if not isinstance(value, dict):
        raise OkxError(errors.PARAM_ERROR, "body")
    return value


def as_list(value: object, limit: int, too_many: errors.ErrorSpec) -> list[Json]:
    """Require a non-empty JSON array of objects of at most `limit` items (batch endpoints)."""
    if isinstance(value, dict):
        value = [value]  # OKX accepts a single object on batch endpoints too
    if not isinstance(value, list) or not value:
        raise OkxError(errors.PARAM_EMPTY, "body")
    if len(value) > limit:
        raise OkxError(too_many, limit)
    for item in value:
        if not isinstance(item, dict):
            raise OkxError(errors.PARAM_ERROR, "body")
    return list(value)


def opt_str(data: Mapping[str, object], key: str) -> str:
    """Read an optional string parameter; null and "" mean absent, numbers are taken as text."""
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        raise OkxError(errors.PARAM_ERROR, key)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    raise OkxError(errors.PARAM_ERROR, key)


def req_str(data: Mapping[str, object], key: str) -> str:
    """Read a required string parameter (50014 when missing or empty)."""
    value = opt_str(data, key)
    if not value:
        raise OkxError(errors.PARAM_EMPTY, key)
    return value


def enum_str(
    data: Mapping[str, object], key: str, allowed: frozenset[str], *, required: bool
) -> str:
    """Read a parameter that must be one of `allowed` (51000 otherwise)."""
    value = req_str(data, key) if required else opt_str(data, key)
    if value not in allowed and not (value == "" and not required):
        raise OkxError(errors.PARAM_ERROR, key)
    return value


def positive_decimal(data: Mapping[str, object], key: str, *, required: bool) -> Decimal | None:
    """Read a positive plain-decimal string parameter."""
    text = req_str(data, key) if required else opt_str(data, key)
    if not text:
        return None
    number = parse_decimal(text)
    if number is None or number <= 0:
        raise OkxError(errors.PARAM_ERROR, key)
    return number


def opt_bool(data: Mapping[str, object], key: str) -> bool:
    """Read a boolean sent as true/false or "true"/"false" ("" = false)."""
    value = data.get(key)
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise OkxError(errors.PARAM_ERROR, key)


def cl_ord_id(data: Mapping[str, object], key: str = "clOrdId") -> str:
    """Read a client order id: up to 32 alphanumerics."""
    value = opt_str(data, key)
    if value and (len(value) > CL_ORD_ID_MAX_LEN or not _CL_ORD_ID.match(value)):
        raise OkxError(errors.PARAM_ERROR, key)
    return value


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """A validated POST /trade/order body."""

    inst_id: str
    td_mode: str
    side: Side
    ord_type: str
    sz: Decimal
    px: Decimal | None
    cl_ord_id: str
    tag: str
    pos_side: str
    reduce_only: bool
    tgt_ccy: str
    stp_mode: str
    ccy: str


def place_order(data: Mapping[str, object]) -> PlaceOrder:
    """Validate one order; px is required for every type but market and optimal_limit_ioc."""
    inst_id = req_str(data, "instId")
    td_mode = enum_str(data, "tdMode", TD_MODES, required=True)
    side = cast(Side, enum_str(data, "side", SIDES, required=True))
    ord_type = enum_str(data, "ordType", ORDER_TYPES, required=True)
    sz = positive_decimal(data, "sz", required=True)
    assert sz is not None
    needs_px = ord_type not in ("market", "optimal_limit_ioc")
    px = positive_decimal(data, "px", required=needs_px)
    if not needs_px:
        px = None  # OKX ignores px on market orders
    tag = opt_str(data, "tag")
    if tag and (len(tag) > TAG_MAX_LEN or not _TAG.match(tag)):
        raise OkxError(errors.PARAM_ERROR, "tag")
    return PlaceOrder(
        inst_id=inst_id,
        td_mode=td_mode,
        side=side,
        ord_type=ord_type,
        sz=sz,
        px=px,
        cl_ord_id=cl_ord_id(data),
        tag=tag,
        pos_side=enum_str(data, "posSide", POS_SIDES, required=False),
        reduce_only=opt_bool(data, "reduceOnly"),
        tgt_ccy=enum_str(data, "tgtCcy", TGT_CCYS, required=False),
        stp_mode=enum_str(data, "stpMode", STP_MODES, required=False) or "cancel_maker",
        ccy=opt_str(data, "ccy"),
    )


@dataclass(frozen=True, slots=True)
class OrderRef:
    """instId plus ordId or clOrdId (cancel, order details)."""

    inst_id: str
    ord_id: str
    cl_ord_id: str


def order_ref(data: Mapping[str, object]) -> OrderRef:
    """Validate an order reference; the caller decides what a missing id means."""
    return OrderRef(
        inst_id=req_str(data, "instId"),
        ord_id=opt_str(data, "ordId"),
        cl_ord_id=cl_ord_id(data),
    )


@dataclass(frozen=True, slots=True)
class AmendOrder:
    """A validated POST /trade/amend-order body."""

    ref: OrderRef
    new_sz: Decimal | None
    new_px: Decimal | None
    cxl_on_fail: bool
    req_id: str


def amend_order(data: Mapping[str, object]) -> AmendOrder:
    """Validate an amendment: newSz and/or newPx."""
    req_id = cl_ord_id(data, "reqId")
    return AmendOrder(
        ref=order_ref(data),
        new_sz=positive_decimal(data, "newSz", required=False),
        new_px=positive_decimal(data, "newPx", required=False),
        cxl_on_fail=opt_bool(data, "cxlOnFail"),
        req_id=req_id,
    )


@dataclass(frozen=True, slots=True)
class SetLeverage:
    """A validated POST /account/set-leverage body."""

    inst_id: str
    ccy: str
    lever: Decimal
    mgn_mode: str
    pos_side: str


def set_leverage(data: Mapping[str, object]) -> SetLeverage:
    """Validate set-leverage: lever and mgnMode always, instId for instrument-level settings."""
    lever = positive_decimal(data, "lever", required=True)
    assert lever is not None
    mgn_mode = enum_str(data, "mgnMode", MGN_MODES, required=True)
    inst_id = opt_str(data, "instId")
    ccy = opt_str(data, "ccy")
    if not inst_id and not ccy:
        raise OkxError(errors.PARAM_EMPTY, "instId")
    return SetLeverage(
        inst_id=inst_id,
        ccy=ccy,
        lever=lever,
        mgn_mode=mgn_mode,
        pos_side=enum_str(data, "posSide", frozenset({"", "long", "short", "net"}), required=False),
    )


@dataclass(frozen=True, slots=True)
class CancelAllAfter:
    """A validated POST /trade/cancel-all-after body."""

    timeout_secs: int
    tag: str


def cancel_all_after(data: Mapping[str, object], low: int, high: int) -> CancelAllAfter:
    """Validate timeOut: 0 (disable) or within [low, high] seconds (54009 otherwise)."""
    text = req_str(data, "timeOut")
    if not text.isdigit():
        raise OkxError(errors.PARAM_ERROR, "timeOut")
    timeout = int(text)
    if timeout != 0 and not low <= timeout <= high:
        raise OkxError(errors.RANGE_ERROR, "timeOut", low, high)
    tag = opt_str(data, "tag")
    if tag and (len(tag) > TAG_MAX_LEN or not _TAG.match(tag)):
        raise OkxError(errors.PARAM_ERROR, "tag")
    return CancelAllAfter(timeout_secs=timeout, tag=tag)


def page_limit(query: Mapping[str, str], maximum: int) -> int:
    """Read `limit` (1..maximum, default maximum)."""
    text = query.get("limit", "")
    if not text:
        return maximum
    if not text.isdigit() or not 1 <= int(text) <= maximum:
        raise OkxError(errors.PARAM_ERROR, "limit")
    return int(text)


def inst_type(query: Mapping[str, str], *, required: bool) -> str:
    """Read `instType` (SPOT, MARGIN, SWAP, FUTURES, OPTION)."""
    value = query.get("instType", "")
    if not value:
        if required:
            raise OkxError(errors.PARAM_EMPTY, "instType")
        return ""
    if value not in INST_TYPES:
        raise OkxError(errors.PARAM_ERROR, "instType")
    return value
