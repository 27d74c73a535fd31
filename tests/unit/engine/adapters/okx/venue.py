"""A tiny scripted OKX account behind FakeRest + FakeConnector, for executor unit tests.

Only what the executor's tests need, written from the OKX docs' request and
response shapes; the real protocol check is the integration suite against the
simulator.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson

from services.engine.adapters.okx import constants as c
from tests.unit.engine.adapters.okx.fakes import FakeConnection, FakeConnector, FakeRest, ok

INST = "BTC-USDT-SWAP"


class MiniVenue:
    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}  # ordId -> order object
        self.fills: list[dict[str, Any]] = []
        self.next_id = 1000
        self.next_bill = 5000
        self.clock_ms = 1_700_000_000_000
        self.lose_next_place_response = False
        self.reject_code: str | None = None
        self.login_failures = 0
        self.cancel_all_after: list[str] = []
        self.batch_sizes: list[int] = []
        self.rest = FakeRest()
        self.connector = FakeConnector(self._on_ws_send)
        r = self.rest.route
        r("GET", c.PATH_ORDERS_PENDING, self._pending)
        r("GET", c.PATH_FILLS, self._fills)
        r("GET", c.PATH_ORDER_DETAILS, self._details)
        r("POST", c.PATH_PLACE_ORDER, self._place)
        r("POST", c.PATH_BATCH_ORDERS, self._batch_place)
        r("POST", c.PATH_CANCEL_ORDER, self._cancel)
        r("POST", c.PATH_AMEND_ORDER, self._amend)
        r("POST", c.PATH_CANCEL_BATCH, self._cancel_batch)
        r("POST", c.PATH_CANCEL_ALL_AFTER, self._caa)

    # -- state helpers ---------------------------------------------------------------
    def tick(self) -> str:
        self.clock_ms += 1
        return str(self.clock_ms)

    def add_order(
        self, cl: str = "", *, state: str = "live", sz: str = "1", px: str = "100", inst: str = INST
    ) -> dict[str, Any]:
        self.next_id += 1
        ts = self.tick()
        order = {
            "instType": "SWAP",
            "instId": inst,
            "ordId": str(self.next_id),
            "clOrdId": cl,
            "px": px,
            "sz": sz,
            "ordType": "limit",
            "side": "buy",
            "tdMode": "cross",
            "state": state,
            "accFillSz": "0",
            "avgPx": "",
            "fillPx": "",
            "fillSz": "",
            "tradeId": "",
            "fillTime": "",
            "fee": "0",
            "feeCcy": "USDT",
            "fillFee": "",
            "execType": "",
            "cTime": ts,
            "uTime": ts,
        }
        self.orders[order["ordId"]] = order
        return order

    def fill(self, order: dict[str, Any], sz: str, px: str = "100") -> dict[str, Any]:
        """Fill part of an order: update it, record the fill, return the WS push data."""
        self.next_bill += 1
        trade_id = str(self.next_bill + 70_000)
        ts = self.tick()
        acc = str(float(order["accFillSz"]) + float(sz)).rstrip("0").rstrip(".")
        order.update(
            accFillSz=acc,
            fillSz=sz,
            fillPx=px,
            tradeId=trade_id,
            fillTime=ts,
            uTime=ts,
            avgPx=px,
            fillFee="-0.01",
            execType="M",
            state="filled" if float(acc) >= float(order["sz"]) else "partially_filled",
        )
        self.fills.append(
            {
                "instType": "SWAP",
                "instId": order["instId"],
                "tradeId": trade_id,
                "ordId": order["ordId"],
                "clOrdId": order["clOrdId"],
                "billId": str(self.next_bill),
                "fillPx": px,
                "fillSz": sz,
                "side": order["side"],
                "execType": "M",
                "fee": "-0.01",
                "feeCcy": "USDT",
                "ts": ts,
                "fillTime": ts,
            }
        )
        return dict(order)

    def push_order(self, conn: FakeConnection, order: dict[str, Any]) -> None:
        conn.push({"arg": {"channel": "orders", "instType": "ANY", "uid": "1"}, "data": [order]})

    # -- WS ------------------------------------------------------------------------------
    def _on_ws_send(self, conn: FakeConnection, data: bytes) -> None:
        if data == b"ping":
            conn.push(b"pong")
            return
        msg = orjson.loads(data)
        if msg.get("op") == "login":
            if self.login_failures:
                self.login_failures -= 1
                conn.push(
                    {"event": "error", "code": "60009", "msg": "Login failed.", "connId": "c1"}
                )
            else:
                conn.push({"event": "login", "code": "0", "msg": "", "connId": "c1"})
        elif msg.get("op") == "subscribe":
            conn.push(
                {
                    "id": msg.get("id", ""),
                    "event": "subscribe",
                    "arg": msg["args"][0],
                    "connId": "c1",
                }
            )

    # -- REST ----------------------------------------------------------------------------
    @staticmethod
    def _q(request: httpx.Request) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}

    def _pending(self, request: httpx.Request) -> dict[str, Any]:
        q = self._q(request)
        live = [
            o
            for o in sorted(self.orders.values(), key=lambda o: -int(o["ordId"]))
            if o["state"] in ("live", "partially_filled")
            and q.get("instId", o["instId"]) == o["instId"]
        ]
        if "after" in q:
            live = [o for o in live if int(o["ordId"]) < int(q["after"])]
        return ok(live[: int(q.get("limit", "100"))])

    def _fills(self, request: httpx.Request) -> dict[str, Any]:
        q = self._q(request)
        rows = sorted(self.fills, key=lambda f: -int(f["billId"]))
        if "after" in q:
            rows = [f for f in rows if int(f["billId"]) < int(q["after"])]
        return ok(rows[: int(q.get("limit", "100"))])

    def _find(self, q: dict[str, str]) -> dict[str, Any] | None:
        for o in self.orders.values():
            if ("ordId" in q and o["ordId"] == q["ordId"]) or (
                "clOrdId" in q and o["clOrdId"] == q["clOrdId"]
            ):
                return o
        return None

    def _details(self, request: httpx.Request) -> dict[str, Any]:
        found = self._find(self._q(request))
        if found is None:
            return {"code": "51603", "msg": "Order does not exist", "data": []}
        return ok([found])

    def _place(self, request: httpx.Request) -> dict[str, Any]:
        body = orjson.loads(request.content)
        if self.reject_code:
            return {
                "code": "1",
                "msg": "All operations failed",
                "data": [
                    {
                        "ordId": "",
                        "clOrdId": body["clOrdId"],
                        "sCode": self.reject_code,
                        "sMsg": "Order failed. Insufficient USDT balance in account.",
                        "ts": "1",
                    }
                ],
            }
        if any(o["clOrdId"] == body["clOrdId"] for o in self.orders.values()):
            return {
                "code": "1",
                "msg": "",
                "data": [
                    {
                        "ordId": "",
                        "clOrdId": body["clOrdId"],
                        "sCode": "51016",
                        "sMsg": "Duplicated clOrdId",
                        "ts": "1",
                    }
                ],
            }
        order = self.add_order(
            body["clOrdId"], sz=body["sz"], px=body.get("px", ""), inst=body["instId"]
        )
        if self.lose_next_place_response:
            self.lose_next_place_response = False
            raise httpx.ReadTimeout("response lost", request=request)
        return ok(
            [
                {
                    "ordId": order["ordId"],
                    "clOrdId": order["clOrdId"],
                    "tag": "",
                    "ts": order["cTime"],
                    "sCode": "0",
                    "sMsg": "Order placed",
                }
            ]
        )

    def _batch_place(self, request: httpx.Request) -> dict[str, Any]:
        acks = []
        for body in orjson.loads(request.content):
            if float(body["sz"]) > 1000:
                acks.append(
                    {
                        "ordId": "",
                        "clOrdId": body["clOrdId"],
                        "sCode": "51008",
                        "sMsg": "Insufficient margin",
                        "ts": "1",
                    }
                )
                continue
            order = self.add_order(
                body["clOrdId"], sz=body["sz"], px=body.get("px", ""), inst=body["instId"]
            )
            acks.append(
                {
                    "ordId": order["ordId"],
                    "clOrdId": order["clOrdId"],
                    "sCode": "0",
                    "sMsg": "",
                    "ts": order["cTime"],
                }
            )
        failed = sum(1 for a in acks if a["sCode"] != "0")
        code = "0" if not failed else ("1" if failed == len(acks) else "2")
        return {"code": code, "msg": "", "data": acks}

    def _cancel(self, request: httpx.Request) -> dict[str, Any]:
        body = orjson.loads(request.content)
        order = self._find({k: body[k] for k in ("ordId", "clOrdId") if k in body})
        if order is None or order["state"] not in ("live", "partially_filled"):
            return {
                "code": "1",
                "msg": "",
                "data": [
                    {
                        "ordId": "",
                        "clOrdId": "",
                        "sCode": "51400",
                        "sMsg": "Cancellation failed",
                        "ts": "1",
                    }
                ],
            }
        order.update(state="canceled", uTime=self.tick())
        return ok(
            [
                {
                    "ordId": order["ordId"],
                    "clOrdId": order["clOrdId"],
                    "sCode": "0",
                    "sMsg": "",
                    "ts": "1",
                }
            ]
        )

    def _amend(self, request: httpx.Request) -> dict[str, Any]:
        body = orjson.loads(request.content)
        order = self._find({"clOrdId": body["clOrdId"]})
        assert order is not None
        if "newPx" in body:
            order["px"] = body["newPx"]
        if "newSz" in body:
            order["sz"] = body["newSz"]
        order["uTime"] = self.tick()
        return ok(
            [
                {
                    "ordId": order["ordId"],
                    "clOrdId": order["clOrdId"],
                    "reqId": "",
                    "sCode": "0",
                    "sMsg": "",
                    "ts": "1",
                }
            ]
        )

    def _cancel_batch(self, request: httpx.Request) -> dict[str, Any]:
        body = orjson.loads(request.content)
        self.batch_sizes.append(len(body))
        acks = []
        for item in body:
            order = self.orders[item["ordId"]]
            order.update(state="canceled", uTime=self.tick())
            acks.append(
                {
                    "ordId": order["ordId"],
                    "clOrdId": order["clOrdId"],
                    "sCode": "0",
                    "sMsg": "",
                    "ts": "1",
                }
            )
        return ok(acks)

    def _caa(self, request: httpx.Request) -> dict[str, Any]:
        body = orjson.loads(request.content)
        self.cancel_all_after.append(body["timeOut"])
        return ok([{"triggerTime": "0", "tag": "", "ts": "1"}])
