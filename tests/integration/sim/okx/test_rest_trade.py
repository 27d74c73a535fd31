"""python-okx's TradeAPI: place, query, amend, cancel, batch, fills — and OKX's error codes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import okx.Trade as Trade

from tests.integration.sim.okx.conftest import SimHandle

D = Decimal


def _best(market: Any, inst_id: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    book = market.get_orderbook(instId=inst_id, sz="1")["data"][0]
    return (
        D(book["bids"][0][0]),
        D(book["bids"][0][1]),
        D(book["asks"][0][0]),
        D(book["asks"][0][1]),
    )


def _pending(trade: Any, **filters: str) -> list[dict[str, Any]]:
    answer = trade.get_order_list(**filters)
    assert answer["code"] == "0", answer
    rows: list[dict[str, Any]] = answer["data"]
    return rows


def test_place_query_amend_cancel_round_trip(trade: Any, market: Any) -> None:
    bid, _, _, _ = _best(market, "BTC-USDT")
    px = bid - D(100)
    placed = trade.place_order(
        instId="BTC-USDT",
        tdMode="cash",
        side="buy",
        ordType="limit",
        px=str(px),
        sz="0.01",
        clOrdId="rt1",
    )
    assert placed["code"] == "0"
    result = placed["data"][0]
    assert (result["sCode"], result["sMsg"], result["clOrdId"]) == ("0", "Order placed", "rt1")
    assert result["ordId"].isdigit() and len(result["ordId"]) >= 18
    assert "inTime" in placed and "outTime" in placed
    ord_id = result["ordId"]

    rows = _pending(trade, instId="BTC-USDT")
    assert [(r["ordId"], r["px"], r["sz"], r["state"], r["side"], r["ordType"]) for r in rows] == [
        (ord_id, str(px), "0.01", "live", "buy", "limit")
    ]

    amended = trade.amend_order(instId="BTC-USDT", ordId=ord_id, newPx=str(px - 1), reqId="r1")
    assert (amended["code"], amended["data"][0]["sCode"], amended["data"][0]["reqId"]) == (
        "0",
        "0",
        "r1",
    )
    details = trade.get_order(instId="BTC-USDT", clOrdId="rt1")["data"][0]
    assert (details["ordId"], details["px"], details["state"]) == (ord_id, str(px - 1), "live")

    cancelled = trade.cancel_order(instId="BTC-USDT", ordId=ord_id)
    assert (cancelled["code"], cancelled["data"][0]["sCode"]) == ("0", "0")
    assert _pending(trade, instId="BTC-USDT") == []
    final = trade.get_order(instId="BTC-USDT", ordId=ord_id)["data"][0]
    assert (final["state"], final["cancelSource"]) == ("canceled", "1")


def test_buy_fill_moves_balances_by_price_times_size_and_fee(
    trade: Any, account: Any, market: Any
) -> None:
    before = {d["ccy"]: d for d in account.get_account_balance()["data"][0]["details"]}
    _, _, ask, ask_sz = _best(market, "BTC-USDT")
    size = min(ask_sz, D("0.01"))
    placed = trade.place_order(
        instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px=str(ask), sz=str(size)
    )
    assert placed["data"][0]["sCode"] == "0"
    order = trade.get_order(instId="BTC-USDT", ordId=placed["data"][0]["ordId"])["data"][0]
    assert (order["state"], order["accFillSz"], order["avgPx"], order["fillPx"]) == (
        "filled",
        str(size),
        str(ask),
        str(ask),
    )
    fee = size * D("0.001")
    assert (order["fee"], order["feeCcy"]) == (str(-fee), "BTC")
    after = {d["ccy"]: d for d in account.get_account_balance()["data"][0]["details"]}
    assert D(before["USDT"]["cashBal"]) - D(after["USDT"]["cashBal"]) == ask * size
    assert D(after["BTC"]["cashBal"]) - D(before["BTC"]["cashBal"]) == size - fee

    fills = trade.get_fills(instId="BTC-USDT")["data"]
    assert len(fills) == 1
    fill = fills[0]
    assert (
        fill["ordId"],
        fill["fillPx"],
        fill["fillSz"],
        fill["side"],
        fill["execType"],
        fill["feeCcy"],
    ) == (
        placed["data"][0]["ordId"],
        str(ask),
        str(size),
        "buy",
        "T",
        "BTC",
    )
    assert (fill["fee"], fill["feeRate"]) == (str(-fee), "-0.001")


def test_resting_order_fills_by_price_time_priority_against_the_flow(
    trade: Any, market: Any, okx_sim: SimHandle
) -> None:
    _, _, ask, ask_sz = _best(market, "ETH-USDT-SWAP")
    placed = trade.place_order(
        instId="ETH-USDT-SWAP", tdMode="cross", side="sell", ordType="limit", px=str(ask), sz="5"
    )
    ord_id = placed["data"][0]["ordId"]
    okx_sim.control("trade", {"instId": "ETH-USDT-SWAP", "side": "buy", "sz": str(ask_sz)})
    assert trade.get_order(instId="ETH-USDT-SWAP", ordId=ord_id)["data"][0]["accFillSz"] == "0"
    okx_sim.control("trade", {"instId": "ETH-USDT-SWAP", "side": "buy", "sz": "2"})
    order = trade.get_order(instId="ETH-USDT-SWAP", ordId=ord_id)["data"][0]
    assert (order["state"], order["accFillSz"], order["fillSz"], order["fillPx"]) == (
        "partially_filled",
        "2",
        "2",
        str(ask),
    )
    fill = trade.get_fills(instId="ETH-USDT-SWAP")["data"][0]
    assert (fill["execType"], fill["feeRate"]) == ("M", "-0.0002")


def test_batch_orders_succeed_or_fail_one_by_one(trade: Any, market: Any) -> None:
    bid, _, _, _ = _best(market, "BTC-USDT-SWAP")
    good = {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "side": "buy",
        "ordType": "limit",
        "px": str(bid - 50),
        "sz": "1",
    }
    bad_lot = {**good, "sz": "0.015"}
    answer = trade.place_multiple_orders([good, bad_lot, {**good, "clOrdId": "b3"}])
    assert (answer["code"], answer["msg"]) == ("2", "Bulk operation partially succeeded.")
    assert [r["sCode"] for r in answer["data"]] == ["0", "51121", "0"]
    ids = [r["ordId"] for r in answer["data"] if r["sCode"] == "0"]
    cancelled = trade.cancel_multiple_orders([{"instId": "BTC-USDT-SWAP", "ordId": i} for i in ids])
    assert cancelled["code"] == "0" and [r["sCode"] for r in cancelled["data"]] == ["0", "0"]
    all_bad = trade.place_multiple_orders([bad_lot])
    assert (all_bad["code"], all_bad["msg"]) == ("1", "All operations failed")


def test_okx_error_codes_for_bad_orders(trade: Any, market: Any) -> None:
    bid, _, ask, _ = _best(market, "BTC-USDT")

    def place(**fields: str) -> dict[str, Any]:
        body = {
            "instId": "BTC-USDT",
            "tdMode": "cash",
            "side": "buy",
            "ordType": "limit",
            "px": str(bid - 10),
            "sz": "0.01",
        }
        body.update(fields)
        answer: dict[str, Any] = trade.place_order(**body)
        return answer

    insufficient = place(sz="100")
    assert (insufficient["code"], insufficient["msg"]) == ("1", "All operations failed")
    assert (insufficient["data"][0]["sCode"], insufficient["data"][0]["sMsg"]) == (
        "51008",
        "Order failed. Insufficient USDT balance in account",
    )
    assert place(sz="0.000001")["data"][0]["sCode"] == "51020"
    assert place(sz="0.000010001")["data"][0]["sCode"] == "51121"
    assert place(instId="DOGE-USDT")["data"][0]["sCode"] == "51001"
    assert (place(sz="abc")["code"], place(sz="abc")["msg"]) == ("51000", "Parameter sz error")
    assert place(px="")["code"] == "50014"
    place(clOrdId="dup1")
    assert place(clOrdId="dup1")["data"][0]["sCode"] == "51016"
    post_only = place(ordType="post_only", px=str(ask))
    assert post_only["data"][0]["sCode"] == "0"
    rejected = trade.get_order(instId="BTC-USDT", ordId=post_only["data"][0]["ordId"])["data"][0]
    assert (rejected["state"], rejected["cancelSource"]) == ("canceled", "31")

    missing = trade.get_order(instId="BTC-USDT", ordId="1234567890123456789")
    assert (missing["code"], missing["msg"], missing["data"]) == (
        "51603",
        "Order does not exist.",
        [],
    )
    cancel_missing = trade.cancel_order(instId="BTC-USDT", ordId="1234567890123456789")
    assert (cancel_missing["code"], cancel_missing["data"][0]["sCode"]) == ("1", "51400")
    amend_missing = trade.amend_order(instId="BTC-USDT", ordId="1234567890123456789", newPx="1")
    assert amend_missing["data"][0]["sCode"] == "51603"


def test_amend_of_a_post_only_into_the_spread_is_refused_with_51511(
    trade: Any, market: Any
) -> None:
    bid, _, ask, _ = _best(market, "BTC-USDT-SWAP")
    placed = trade.place_order(
        instId="BTC-USDT-SWAP",
        tdMode="cross",
        side="buy",
        ordType="post_only",
        px=str(bid - 10),
        sz="1",
    )
    ord_id = placed["data"][0]["ordId"]
    refused = trade.amend_order(instId="BTC-USDT-SWAP", ordId=ord_id, newPx=str(ask))
    assert (refused["code"], refused["data"][0]["sCode"]) == ("1", "51511")
    assert trade.get_order(instId="BTC-USDT-SWAP", ordId=ord_id)["data"][0]["px"] == str(bid - 10)


def test_orders_pending_pages_newest_first(trade: Any, market: Any) -> None:
    bid, _, _, _ = _best(market, "ETH-USDT")
    ids = []
    for i in range(5):
        answer = trade.place_order(
            instId="ETH-USDT",
            tdMode="cash",
            side="buy",
            ordType="limit",
            px=str(bid - 10 - i),
            sz="0.01",
        )
        ids.append(answer["data"][0]["ordId"])
    first = _pending(trade, instId="ETH-USDT", limit="2")
    assert [r["ordId"] for r in first] == ids[::-1][:2]
    second = _pending(trade, instId="ETH-USDT", limit="2", after=first[-1]["ordId"])
    assert [r["ordId"] for r in second] == ids[::-1][2:4]


def test_cancel_all_after_cancels_resting_orders_when_the_timer_lapses(
    sdk_factory: Any, market: Any, okx_sim: SimHandle
) -> None:
    trade = sdk_factory(Trade.TradeAPI)
    bid, _, _, _ = _best(market, "BTC-USDT")
    ord_id = trade.place_order(
        instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px=str(bid - 100), sz="0.01"
    )["data"][0]["ordId"]
    # python-okx 0.4.4 has no cancel_all_after(); its generic signed request is the SDK's way.
    armed = trade._request_with_params("POST", "/api/v5/trade/cancel-all-after", {"timeOut": "10"})
    assert armed["code"] == "0"
    trigger, ts = int(armed["data"][0]["triggerTime"]), int(armed["data"][0]["ts"])
    assert trigger - ts == 10_000
    okx_sim.control("time/advance", {"seconds": 9})
    assert [r["ordId"] for r in _pending(trade)] == [ord_id]
    okx_sim.control("time/advance", {"seconds": 2})
    assert _pending(trade) == []
    assert trade.get_order(instId="BTC-USDT", ordId=ord_id)["data"][0]["cancelSource"] == "20"

    out_of_range = trade._request_with_params(
        "POST", "/api/v5/trade/cancel-all-after", {"timeOut": "5"}
    )
    assert (out_of_range["code"], out_of_range["msg"]) == (
        "54009",
        "The range of timeOut should be [10, 120].",
    )
    disarm = trade._request_with_params("POST", "/api/v5/trade/cancel-all-after", {"timeOut": "0"})
    assert disarm["data"][0]["triggerTime"] == "0"
