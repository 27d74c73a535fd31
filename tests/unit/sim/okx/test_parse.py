"""Request validation gives OKX's codes, never a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.sim.okx import parse
from services.sim.okx.decimals import fmt, parse_decimal
from services.sim.okx.errors import OkxError

GOOD = {
    "instId": "BTC-USDT",
    "tdMode": "cash",
    "side": "buy",
    "ordType": "limit",
    "px": "100",
    "sz": "1",
}


def _code(fn: object, *args: object) -> str:
    with pytest.raises(OkxError) as info:
        fn(*args)  # type: ignore[operator]
    return info.value.code


def test_python_okx_style_body_with_empty_strings_and_null_parses() -> None:
    body = {
        **GOOD,
        "ccy": "",
        "clOrdId": "",
        "tag": "",
        "posSide": "",
        "reduceOnly": "",
        "tgtCcy": "",
        "stpMode": "",
        "pxUsd": "",
        "pxVol": "",
        "banAmend": "",
        "attachAlgoOrds": None,
    }
    req = parse.place_order(body)
    assert req.px == Decimal("100") and req.sz == Decimal("1") and req.stp_mode == "cancel_maker"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"instId": ""}, "50014"),
        ({"sz": ""}, "50014"),
        ({"sz": "abc"}, "51000"),
        ({"sz": "-1"}, "51000"),
        ({"sz": "1e3"}, "51000"),
        ({"sz": 1.5}, "51000"),
        ({"side": "long"}, "51000"),
        ({"ordType": "stop"}, "51000"),
        ({"tdMode": "margin"}, "51000"),
        ({"px": ""}, "50014"),
        ({"clOrdId": "has space"}, "51000"),
        ({"clOrdId": "x" * 33}, "51000"),
        ({"reduceOnly": "maybe"}, "51000"),
        ({"posSide": "long"}, "51000"),
    ],
)
def test_bad_order_fields(change: dict[str, object], code: str) -> None:
    assert _code(parse.place_order, {**GOOD, **change}) == code


def test_market_orders_need_no_price() -> None:
    req = parse.place_order({**GOOD, "ordType": "market", "px": ""})
    assert req.px is None


def test_body_decoding() -> None:
    assert _code(parse.decode_body, b"") == "50000"
    assert _code(parse.decode_body, b"{not json") == "50002"
    assert _code(parse.as_object, [1]) == "51000"
    assert _code(parse.as_list, [], 20, parse.errors.MAX_BATCH) == "50014"
    assert _code(parse.as_list, [{}] * 21, 20, parse.errors.MAX_BATCH) == "51111"


def test_cancel_all_after_range() -> None:
    assert parse.cancel_all_after({"timeOut": "0"}, 10, 120).timeout_secs == 0
    assert parse.cancel_all_after({"timeOut": "10"}, 10, 120).timeout_secs == 10
    assert _code(parse.cancel_all_after, {"timeOut": "5"}, 10, 120) == "54009"
    assert _code(parse.cancel_all_after, {"timeOut": "121"}, 10, 120) == "54009"
    assert _code(parse.cancel_all_after, {"timeOut": "ten"}, 10, 120) == "51000"


def test_decimal_rendering_matches_okx_strings() -> None:
    assert fmt(Decimal("8477.00")) == "8477"
    assert fmt(Decimal("100")) == "100"
    assert fmt(Decimal("0.00001000")) == "0.00001"
    assert fmt(Decimal("-0.021776769")) == "-0.021776769"
    assert fmt(Decimal("0E-8")) == "0"
    assert (
        parse_decimal("1e5") is None and parse_decimal("NaN") is None and parse_decimal("") is None
    )
