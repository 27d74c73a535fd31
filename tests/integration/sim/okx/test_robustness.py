"""Bad client input always gets OKX's envelope (never a 500); the market moves and fills resting
orders by itself; idle sockets are closed; the seed fixes the market."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.sim.okx import constants as c
from services.sim.okx.config import SimConfig
from services.sim.okx.server import SimThread
from tests.integration.sim.okx.conftest import SimHandle

POST_PATHS = [
    "/api/v5/trade/order",
    "/api/v5/trade/batch-orders",
    "/api/v5/trade/cancel-order",
    "/api/v5/trade/cancel-batch-orders",
    "/api/v5/trade/amend-order",
    "/api/v5/trade/amend-batch-orders",
    "/api/v5/trade/cancel-all-after",
    "/api/v5/account/set-leverage",
]
GET_PATHS = [
    "/api/v5/trade/order",
    "/api/v5/trade/orders-pending",
    "/api/v5/trade/fills",
    "/api/v5/account/positions",
    "/api/v5/account/leverage-info",
    "/api/v5/account/balance",
    "/api/v5/market/books",
    "/api/v5/market/ticker",
    "/api/v5/market/tickers",
    "/api/v5/public/instruments",
    "/api/v5/public/mark-price",
    "/api/v5/public/funding-rate",
]


def _signed(method: str, path: str, body: bytes = b"") -> dict[str, str]:
    """OKX headers signed over the raw bytes (python-okx can only sign valid UTF-8)."""
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    mac = hmac.new(
        c.DEFAULT_SECRET_KEY.encode(), f"{ts}{method}{path}".encode() + body, hashlib.sha256
    )
    return {
        "OK-ACCESS-KEY": c.DEFAULT_API_KEY,
        "OK-ACCESS-SIGN": base64.b64encode(mac.digest()).decode(),
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": c.DEFAULT_PASSPHRASE,
        "x-simulated-trading": "1",
        "Content-Type": "application/json",
    }


def _assert_envelope(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    assert set(body) >= {"code", "msg", "data"} and isinstance(body["code"], str)
    return body


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
order_like = st.fixed_dictionaries(
    {},
    optional={
        key: json_values
        | st.sampled_from(["", "BTC-USDT", "buy", "limit", "cash", "1", "-1", "0.1"])
        for key in (
            "instId",
            "tdMode",
            "side",
            "ordType",
            "sz",
            "px",
            "ordId",
            "clOrdId",
            "newSz",
            "newPx",
            "lever",
            "mgnMode",
            "timeOut",
        )
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(POST_PATHS),
    payload=json_values | order_like | st.lists(order_like, max_size=3),
)
def test_arbitrary_json_bodies_get_an_okx_envelope(
    okx_sim: SimHandle, path: str, payload: object
) -> None:
    body = json.dumps(payload).encode()
    _assert_envelope(okx_sim.http.post(path, content=body, headers=_signed("POST", path, body)))


@pytest.mark.parametrize("body", [b"", b"   ", b"{", b"\xff\xfe", b"[1,2", b"null"])
@pytest.mark.parametrize("path", POST_PATHS)
def test_malformed_bodies_get_50000_50002_or_51000(
    okx_sim: SimHandle, path: str, body: bytes
) -> None:
    response = okx_sim.http.post(path, content=body, headers=_signed("POST", path, body))
    assert _assert_envelope(response)["code"] in {"50000", "50002", "51000", "50014"}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(GET_PATHS),
    query=st.dictionaries(
        st.sampled_from(
            [
                "instId",
                "instType",
                "ordId",
                "clOrdId",
                "sz",
                "limit",
                "after",
                "ccy",
                "mgnMode",
                "posId",
                "uly",
            ]
        ),
        st.text(alphabet="abcXYZ019-_.,", max_size=10),
        max_size=4,
    ),
)
def test_arbitrary_queries_get_an_okx_envelope(
    okx_sim: SimHandle, path: str, query: dict[str, str]
) -> None:
    request = okx_sim.http.build_request("GET", path, params=query)
    raw = request.url.raw_path.decode()
    request.headers.update(_signed("GET", raw))
    _assert_envelope(okx_sim.http.send(request))


def test_unknown_path_and_wrong_method(okx_sim: SimHandle) -> None:
    missing = okx_sim.http.get("/api/v5/nothing/here")
    assert (missing.status_code, missing.json()["code"]) == (404, "50005")
    wrong = okx_sim.http.get("/api/v5/trade/cancel-order")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "50115")


def test_the_running_market_moves_and_fills_resting_orders(
    okx_sim: SimHandle, trade: Any, market: Any
) -> None:
    inst = "ETH-USDT-SWAP"
    book = market.get_orderbook(instId=inst, sz="1")["data"][0]
    bid, ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
    tick = Decimal("0.01")
    assert ask - bid > 2 * tick
    # Quote both sides inside the spread: either the flow or a move of the market fills one.
    ids = [
        trade.place_order(
            instId=inst, tdMode="cross", side=side, ordType="limit", px=str(px), sz="1"
        )["data"][0]["ordId"]
        for side, px in (("buy", bid + tick), ("sell", ask - tick))
    ]
    trades_before = market.get_trades(instId=inst, limit="1")["data"]
    okx_sim.control("market/resume")
    try:
        deadline = time.monotonic() + 20
        filled: list[str] = []
        while time.monotonic() < deadline and not filled:
            filled = [
                i
                for i in ids
                if trade.get_order(instId=inst, ordId=i)["data"][0]["accFillSz"] != "0"
            ]
            time.sleep(0.1)
        assert filled, "no resting order filled within 20 s of a running market"
    finally:
        okx_sim.control("market/pause")
    assert market.get_trades(instId=inst, limit="1")["data"] != trades_before
    fills = trade.get_fills(instId=inst)["data"]
    assert {f["ordId"] for f in fills} <= set(ids) and all(f["execType"] == "M" for f in fills)


def test_same_seed_gives_the_same_opening_books() -> None:
    books = []
    for _ in range(2):
        thread = SimThread(
            SimConfig(port=0, seed=99, market_paused=True, start_time_ms=1_767_225_600_000)
        )
        endpoints = thread.start()
        try:
            with httpx.Client(base_url=endpoints.rest_url) as client:
                books.append(
                    client.get("/api/v5/market/books?instId=BTC-USDT-SWAP&sz=20").json()["data"][0][
                        "bids"
                    ]
                )
        finally:
            thread.stop()
    assert books[0] == books[1]


async def test_idle_socket_is_closed_with_4004() -> None:
    thread = SimThread(SimConfig(port=0, ws_idle_timeout_secs=0.5, market_paused=True))
    endpoints = await asyncio.to_thread(thread.start)
    try:
        async with websockets.connect(endpoints.ws_public_url) as ws:
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert (ws.close_code, ws.close_reason) == (4004, "No data received in 30s")
    finally:
        await asyncio.to_thread(thread.stop)
