"""Private WebSocket: python-okx's WsPrivateAsync logs in with the signed payload and receives
orders, positions and account pushes; login and order-entry errors as OKX sends them."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

import websockets
from okx.websocket.WsPrivateAsync import WsPrivateAsync

from services.sim.okx import constants as c
from tests.integration.sim.okx.conftest import Inbox, SimHandle, in_thread, is_push


def _client(sim: SimHandle, secret: str = c.DEFAULT_SECRET_KEY) -> WsPrivateAsync:
    return WsPrivateAsync(
        apiKey=c.DEFAULT_API_KEY,
        passphrase=c.DEFAULT_PASSPHRASE,
        secretKey=secret,
        url=sim.endpoints.tls_ws_private_url,
    )


async def _logged_in(sim: SimHandle) -> tuple[WsPrivateAsync, Inbox]:
    inbox = Inbox()
    client = _client(sim)
    await client.start()
    client.callback = inbox
    await client.login()
    login = await inbox.expect(lambda m: m.get("event") in ("login", "error"))
    assert (login["event"], login["code"]) == ("login", "0")
    return client, inbox


async def test_sdk_subscribe_logs_in_and_receives_order_updates(
    trusted_tls: SimHandle, trade: Any, market: Any
) -> None:
    sim = trusted_tls
    inbox = Inbox()
    client = _client(sim)
    await client.start()
    try:
        # The SDK's own flow: login, sleep 5 s, subscribe.
        await client.subscribe([{"channel": "orders", "instType": "ANY"}], callback=inbox)
        login = await inbox.expect(lambda m: m.get("event") in ("login", "error"))
        assert (login["event"], login["code"], login["msg"]) == ("login", "0", "")
        ack = await inbox.expect(lambda m: m.get("event") == "subscribe")
        assert ack["arg"] == {"channel": "orders", "instType": "ANY"}

        bid = Decimal(market.get_orderbook(instId="BTC-USDT", sz="1")["data"][0]["bids"][0][0])
        placed = await in_thread(
            trade.place_order,
            instId="BTC-USDT",
            tdMode="cash",
            side="buy",
            ordType="limit",
            px=str(bid - 20),
            sz="0.01",
            clOrdId="ws1",
        )
        ord_id = placed["data"][0]["ordId"]
        live = await inbox.expect(is_push("orders"))
        order = live["data"][0]
        assert live["arg"]["uid"] and live["arg"]["instType"] == "ANY"
        assert (order["ordId"], order["clOrdId"], order["state"], order["px"], order["sz"]) == (
            ord_id,
            "ws1",
            "live",
            str(bid - 20),
            "0.01",
        )
        await in_thread(trade.cancel_order, instId="BTC-USDT", ordId=ord_id)
        cancelled = await inbox.expect(is_push("orders"))
        assert (cancelled["data"][0]["state"], cancelled["data"][0]["cancelSource"]) == (
            "canceled",
            "1",
        )
    finally:
        await client.stop()


async def test_fills_push_orders_positions_and_account(trusted_tls: SimHandle, trade: Any) -> None:
    client, inbox = await _logged_in(trusted_tls)
    try:
        await client.send(
            "subscribe",
            [
                {"channel": "orders", "instType": "SWAP"},
                {"channel": "positions", "instType": "ANY"},
                {"channel": "account", "ccy": "USDT"},
            ],
        )
        snapshot = await inbox.expect(is_push("positions"))
        assert (snapshot["eventType"], snapshot["data"]) == ("snapshot", [])
        account = await inbox.expect(is_push("account"))
        assert account["eventType"] == "snapshot"
        assert [d["ccy"] for d in account["data"][0]["details"]] == ["USDT"]

        await in_thread(
            trade.place_order,
            instId="BTC-USDT-SWAP",
            tdMode="cross",
            side="buy",
            ordType="market",
            sz="3",
        )
        filled = await inbox.expect(is_push("orders"))
        order = filled["data"][0]
        assert (order["state"], order["fillSz"], order["accFillSz"], order["execType"]) == (
            "filled",
            "3",
            "3",
            "T",
        )
        assert Decimal(order["fillFee"]) < 0 and order["fillFeeCcy"] == "USDT"
        position = await inbox.expect(is_push("positions"))
        assert position["eventType"] == "event_update"
        assert (position["data"][0]["instId"], position["data"][0]["pos"]) == ("BTC-USDT-SWAP", "3")
        update = await inbox.expect(is_push("account"))
        assert update["eventType"] == "event_update"
        assert Decimal(update["data"][0]["details"][0]["cashBal"]) < Decimal(100000)
    finally:
        await client.stop()


async def test_ws_order_entry_places_through_the_socket(trusted_tls: SimHandle) -> None:
    client, inbox = await _logged_in(trusted_tls)
    try:
        await client.place_order(
            [
                {
                    "instId": "ETH-USDT",
                    "tdMode": "cash",
                    "side": "buy",
                    "ordType": "limit",
                    "px": "100",
                    "sz": "0.01",
                }
            ],
            id="o1",
        )
        reply = await inbox.expect(lambda m: m.get("op") == "order")
        assert (reply["id"], reply["code"], reply["data"][0]["sCode"]) == ("o1", "0", "0")
        await client.cancel_order(
            [{"instId": "ETH-USDT", "ordId": reply["data"][0]["ordId"]}], id="c1"
        )
        cancelled = await inbox.expect(lambda m: m.get("op") == "cancel-order")
        assert (cancelled["code"], cancelled["data"][0]["sCode"]) == ("0", "0")
    finally:
        await client.stop()


async def test_bad_login_is_refused_and_private_channels_need_login(trusted_tls: SimHandle) -> None:
    inbox = Inbox()
    client = _client(trusted_tls, secret="wrong-secret")
    await client.start()
    client.callback = inbox
    try:
        await client.send("subscribe", [{"channel": "orders", "instType": "ANY"}])
        before = await inbox.expect(lambda m: m.get("event") == "error")
        assert (before["code"], before["msg"]) == ("60011", "Please log in")
        await client.login()
        failed = await inbox.expect(lambda m: m.get("event") == "error")
        assert (failed["code"], failed["msg"]) == ("60007", "Invalid sign")
    finally:
        await client.stop()


async def test_login_rules_on_a_raw_socket(okx_sim: SimHandle) -> None:
    import base64
    import hashlib
    import hmac

    ts = str(int(time.time()))
    sign = base64.b64encode(
        hmac.new(
            c.DEFAULT_SECRET_KEY.encode(), f"{ts}GET/users/self/verify".encode(), hashlib.sha256
        ).digest()
    ).decode()
    login = {
        "op": "login",
        "args": [
            {
                "apiKey": c.DEFAULT_API_KEY,
                "passphrase": c.DEFAULT_PASSPHRASE,
                "timestamp": ts,
                "sign": sign,
            }
        ],
    }
    async with websockets.connect(okx_sim.endpoints.ws_private_url) as ws:
        await ws.send(json.dumps(login))
        ok = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (ok["event"], ok["code"]) == ("login", "0")
        await ws.send(json.dumps(login))
        again = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert again["code"] == "60031"
        await ws.send(
            json.dumps({"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT"}]})
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["code"] == "60018"
    stale = json.loads(json.dumps(login))
    stale["args"][0]["timestamp"] = str(int(ts) - 60)
    async with websockets.connect(okx_sim.endpoints.ws_private_url) as ws:
        await ws.send(json.dumps(stale))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["code"] == "60006"
