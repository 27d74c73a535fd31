"""Public WebSocket: python-okx's WsPublicAsync receives books; sequence ids and checksums hold;
other public channels, errors, ping/pong and the fault-injection surface."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
import websockets
from okx.websocket.WsPublicAsync import WsPublicAsync

from services.sim.okx.checksum import book_checksum
from tests.integration.sim.okx.conftest import Inbox, SimHandle, in_thread, is_push


class LocalBook:
    """A client-side book maintained from `books` pushes by OKX's merge rules."""

    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.bids = {lv[0]: lv for lv in snapshot["bids"]}
        self.asks = {lv[0]: lv for lv in snapshot["asks"]}
        self.seq = snapshot["seqId"]

    def apply(self, update: dict[str, Any]) -> None:
        for side, levels in ((self.bids, update["bids"]), (self.asks, update["asks"])):
            for level in levels:
                if level[1] == "0":
                    side.pop(level[0], None)
                else:
                    side[level[0]] = level
        self.seq = update["seqId"]

    def sorted(self) -> tuple[list[list[str]], list[list[str]]]:
        bids = sorted(self.bids.values(), key=lambda lv: Decimal(lv[0]), reverse=True)
        asks = sorted(self.asks.values(), key=lambda lv: Decimal(lv[0]))
        return bids, asks

    def checksum(self) -> int:
        bids, asks = self.sorted()
        return book_checksum(bids, asks)


async def _subscribe(sim: SimHandle, args: list[dict[str, str]]) -> tuple[WsPublicAsync, Inbox]:
    inbox = Inbox()
    client = WsPublicAsync(url=sim.endpoints.tls_ws_public_url)
    await client.start()
    await client.subscribe(args, callback=inbox)
    return client, inbox


async def test_sdk_receives_books_snapshot_and_consistent_updates(trusted_tls: SimHandle) -> None:
    sim = trusted_tls
    client, inbox = await _subscribe(sim, [{"channel": "books", "instId": "BTC-USDT"}])
    try:
        ack = await inbox.expect(lambda m: m.get("event") == "subscribe")
        assert ack["arg"] == {"channel": "books", "instId": "BTC-USDT"} and ack["connId"]
        snapshot = await inbox.expect(is_push("books", instId="BTC-USDT"))
        assert snapshot["action"] == "snapshot"
        data = snapshot["data"][0]
        assert data["prevSeqId"] == -1 and data["seqId"] >= 0
        book = LocalBook(data)
        assert book.checksum() == data["checksum"] != 0
        bids, asks = book.sorted()
        assert Decimal(bids[0][0]) < Decimal(asks[0][0])

        for _ in range(3):
            await in_thread(sim.control, "market/step", {"steps": 1})
            update = await inbox.expect(is_push("books", instId="BTC-USDT"))
            assert update["action"] == "update"
            change = update["data"][0]
            assert change["prevSeqId"] == book.seq and change["seqId"] > change["prevSeqId"]
            book.apply(change)
            assert book.checksum() == change["checksum"]

        published = await in_thread(sim.get, "book/BTC-USDT")
        assert published["seqId"] == book.seq
        assert (published["bids"], published["asks"]) == book.sorted()
    finally:
        await client.stop()


async def test_books5_bbo_tickers_trades_mark_and_funding_channels(trusted_tls: SimHandle) -> None:
    sim = trusted_tls
    inst = "ETH-USDT-SWAP"
    channels = ["books5", "bbo-tbt", "tickers", "trades", "mark-price", "funding-rate"]
    client, inbox = await _subscribe(sim, [{"channel": ch, "instId": inst} for ch in channels])
    try:
        books5 = await inbox.expect(is_push("books5", instId=inst))
        assert len(books5["data"][0]["bids"]) == 5 and books5["data"][0]["instId"] == inst
        bbo = await inbox.expect(is_push("bbo-tbt", instId=inst))
        assert bbo["data"][0]["bids"][0] == books5["data"][0]["bids"][0]
        ticker = await inbox.expect(is_push("tickers", instId=inst))
        assert ticker["data"][0]["bidPx"] == books5["data"][0]["bids"][0][0]
        mark = await inbox.expect(is_push("mark-price", instId=inst))
        assert mark["data"][0]["instType"] == "SWAP"
        funding = await inbox.expect(is_push("funding-rate", instId=inst))
        assert funding["data"][0]["instId"] == inst
        await in_thread(sim.control, "trade", {"instId": inst, "side": "sell", "sz": "3"})
        trade = await inbox.expect(is_push("trades", instId=inst))
        assert (trade["data"][0]["side"], trade["data"][0]["px"]) == (
            "sell",
            books5["data"][0]["bids"][0][0],
        )
        await in_thread(sim.control, "mark-price", {"instId": inst, "markPx": "1234.56"})
        moved = await inbox.expect(
            lambda m: is_push("mark-price")(m) and m["data"][0]["markPx"] == "1234.56"
        )
        assert moved["data"][0]["instId"] == inst
    finally:
        await client.stop()


async def test_subscription_errors_as_okx_sends_them(trusted_tls: SimHandle) -> None:
    client, inbox = await _subscribe(
        trusted_tls,
        [
            {"channel": "books", "instId": "NOPE-USDT"},
            {"channel": "books-l2-tbt", "instId": "BTC-USDT"},
            {"channel": "funding-rate", "instId": "BTC-USDT"},
        ],
    )
    try:
        errors = [await inbox.expect(lambda m: m.get("event") == "error") for _ in range(3)]
        assert [e["code"] for e in errors] == ["60018", "64003", "60018"]
        assert errors[0]["msg"].startswith(
            "Wrong URL or channel:books,instId:NOPE-USDT doesn't exist."
        )
    finally:
        await client.stop()


async def test_ping_pong_and_invalid_requests(okx_sim: SimHandle) -> None:
    async with websockets.connect(okx_sim.endpoints.ws_public_url) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), 5) == "pong"
        await ws.send("{not json")
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (error["event"], error["code"], error["msg"]) == (
            "error",
            "60012",
            "Invalid request: {not json",
        )
        await ws.send(json.dumps({"op": "fly", "args": []}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["code"] == "60019"
        await ws.send(
            json.dumps(
                {
                    "id": "7",
                    "op": "subscribe",
                    "args": [{"channel": "tickers", "instId": "BTC-USDT"}],
                }
            )
        )
        ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert (ack["id"], ack["event"]) == ("7", "subscribe")
        await ws.send(
            json.dumps(
                {"op": "unsubscribe", "args": [{"channel": "tickers", "instId": "BTC-USDT"}]}
            )
        )
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message.get("event") == "unsubscribe":
                break


@pytest.mark.parametrize("kind", ["checksum", "gap", "reset"])
async def test_injected_book_faults_reach_the_client(okx_sim: SimHandle, kind: str) -> None:
    async with websockets.connect(okx_sim.endpoints.ws_public_url) as ws:
        await ws.send(
            json.dumps(
                {"op": "subscribe", "args": [{"channel": "books", "instId": "BTC-USDT-SWAP"}]}
            )
        )
        snapshot = None
        while snapshot is None:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message.get("action") == "snapshot":
                snapshot = message["data"][0]
        book = LocalBook(snapshot)
        await in_thread(
            okx_sim.control, "ws/books-fault", {"instId": "BTC-USDT-SWAP", "kind": kind}
        )
        update = json.loads(await asyncio.wait_for(ws.recv(), 5))["data"][0]
        if kind == "gap":
            assert update["prevSeqId"] != book.seq
        elif kind == "reset":
            assert update["prevSeqId"] == book.seq and update["seqId"] < update["prevSeqId"]
            book.apply(update)
            assert book.checksum() == update["checksum"]
        else:
            assert update["prevSeqId"] == book.seq
            book.apply(update)
            assert book.checksum() != update["checksum"]
            published = await in_thread(okx_sim.get, "book/BTC-USDT-SWAP")
            assert (
                published["bids"],
                published["asks"],
            ) == book.sorted()  # content itself is right


async def test_drop_closes_every_connection(okx_sim: SimHandle) -> None:
    async with websockets.connect(okx_sim.endpoints.ws_public_url) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), 5) == "pong"
        dropped = await in_thread(okx_sim.control, "ws/drop", {"code": 4009, "reason": "test"})
        assert dropped["dropped"] >= 1
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert ws.close_code == 4009
