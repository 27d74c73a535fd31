"""python-okx's AccountAPI: balances, positions, leverage, funding settlement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.integration.sim.okx.conftest import SimHandle

D = Decimal


def _details(account: Any) -> dict[str, dict[str, str]]:
    answer = account.get_account_balance()
    assert answer["code"] == "0"
    return {d["ccy"]: d for d in answer["data"][0]["details"]}


def test_starting_balances_and_ccy_filter(account: Any) -> None:
    details = _details(account)
    assert {ccy: details[ccy]["cashBal"] for ccy in details} == {
        "BTC": "1",
        "ETH": "10",
        "USDT": "100000",
    }
    assert all(d["availBal"] == d["cashBal"] and d["frozenBal"] == "0" for d in details.values())
    only = account.get_account_balance(ccy="USDT")["data"][0]["details"]
    assert [d["ccy"] for d in only] == ["USDT"]


def test_resting_order_freezes_balance(trade: Any, account: Any, market: Any) -> None:
    bid = D(market.get_orderbook(instId="BTC-USDT", sz="1")["data"][0]["bids"][0][0])
    px = bid - 1000
    trade.place_order(
        instId="BTC-USDT", tdMode="cash", side="buy", ordType="limit", px=str(px), sz="0.5"
    )
    usdt = _details(account)["USDT"]
    assert D(usdt["ordFrozen"]) == px * D("0.5")
    assert D(usdt["availBal"]) == D(100000) - px * D("0.5")
    assert usdt["cashBal"] == "100000"


def test_positions_show_the_swap_position_with_the_leverage_set(
    trade: Any, account: Any, market: Any
) -> None:
    set_lever = account.set_leverage(lever="7", mgnMode="cross", instId="BTC-USDT-SWAP")
    assert set_lever["code"] == "0"
    assert (
        set_lever["data"][0]["lever"],
        set_lever["data"][0]["mgnMode"],
        set_lever["data"][0]["instId"],
    ) == (
        "7",
        "cross",
        "BTC-USDT-SWAP",
    )
    info = account.get_leverage(mgnMode="cross", instId="BTC-USDT-SWAP")["data"]
    assert [(i["instId"], i["mgnMode"], i["posSide"], i["lever"]) for i in info] == [
        ("BTC-USDT-SWAP", "cross", "net", "7")
    ]
    ask = market.get_orderbook(instId="BTC-USDT-SWAP", sz="1")["data"][0]["asks"][0]
    size = min(D(ask[1]), D(5))
    placed = trade.place_order(
        instId="BTC-USDT-SWAP", tdMode="cross", side="buy", ordType="market", sz=str(size)
    )
    assert placed["data"][0]["sCode"] == "0"
    positions = account.get_positions(instType="SWAP")["data"]
    assert len(positions) == 1
    pos = positions[0]
    assert (
        pos["instId"],
        pos["mgnMode"],
        pos["posSide"],
        pos["pos"],
        pos["lever"],
        pos["avgPx"],
        pos["ccy"],
    ) == (
        "BTC-USDT-SWAP",
        "cross",
        "net",
        str(size),
        "7",
        ask[0],
        "USDT",
    )
    notional = size * D("0.01") * D(pos["markPx"])
    assert D(pos["notionalUsd"]) == notional
    assert D(pos["imr"]) == (notional / 7).quantize(D("1e-16"))
    fee = -(size * D("0.01") * D(ask[0]) * D("0.0005"))
    assert D(pos["fee"]) == fee
    assert account.get_positions(instId="ETH-USDT-SWAP")["data"] == []
    assert account.get_positions(posId=pos["posId"])["data"][0]["posId"] == pos["posId"]


def test_isolated_position_posts_margin_out_of_cash(trade: Any, account: Any, market: Any) -> None:
    account.set_leverage(lever="10", mgnMode="isolated", instId="ETH-USDT-SWAP")
    ask = D(market.get_orderbook(instId="ETH-USDT-SWAP", sz="1")["data"][0]["asks"][0][0])
    trade.place_order(
        instId="ETH-USDT-SWAP", tdMode="isolated", side="buy", ordType="limit", px=str(ask), sz="1"
    )
    pos = account.get_positions(instId="ETH-USDT-SWAP")["data"][0]
    margin = D("1") * D("0.1") * ask / 10
    assert (pos["mgnMode"], D(pos["margin"])) == ("isolated", margin)
    usdt = _details(account)["USDT"]
    fee = ask * D("0.1") * D("0.0005")
    assert D(usdt["cashBal"]) == D(100000) - margin - fee
    assert D(pos["liqPx"]) < ask


def test_leverage_outside_the_instrument_range_is_refused(account: Any) -> None:
    answer = account.set_leverage(lever="500", mgnMode="cross", instId="BTC-USDT-SWAP")
    assert (answer["code"], answer["msg"]) == ("51000", "Parameter lever error")
    assert account.get_leverage(mgnMode="", instId="BTC-USDT-SWAP")["code"] == "50014"


def test_funding_settles_after_eight_hours_of_simulated_time(
    trade: Any, account: Any, public: Any, okx_sim: SimHandle
) -> None:
    trade.place_order(
        instId="BTC-USDT-SWAP", tdMode="cross", side="sell", ordType="market", sz="10"
    )
    okx_sim.control("mark-price", {"instId": "BTC-USDT-SWAP", "markPx": "60000"})
    okx_sim.control("funding-rate", {"instId": "BTC-USDT-SWAP", "fundingRate": "0.0003"})
    rate = public.get_funding_rate(instId="BTC-USDT-SWAP")["data"][0]
    assert rate["fundingRate"] == "0.0003"
    cash_before = D(_details(account)["USDT"]["cashBal"])
    sim_now = okx_sim.get("state")["simTime"]
    okx_sim.control("time/advance", {"seconds": (int(rate["fundingTime"]) - sim_now) / 1000 + 1})
    received = D(10) * D("0.01") * D(60000) * D("0.0003")  # a short receives a positive rate: 1.8
    assert D(_details(account)["USDT"]["cashBal"]) - cash_before == received
    pos = account.get_positions(instId="BTC-USDT-SWAP")["data"][0]
    assert D(pos["fundingFee"]) == received
    bill = account.get_account_bills(type="8")["data"][0]
    assert (bill["subType"], bill["instId"], bill["ccy"], bill["sz"], bill["px"]) == (
        "174",
        "BTC-USDT-SWAP",
        "USDT",
        "10",
        "60000",
    )
    assert D(bill["balChg"]) == D(bill["pnl"]) == received
    assert D(bill["bal"]) == D(_details(account)["USDT"]["cashBal"])
    settled = public.get_funding_rate(instId="BTC-USDT-SWAP")["data"][0]
    assert settled["settFundingRate"] == "0.0003"
    assert int(settled["fundingTime"]) == int(rate["fundingTime"]) + 8 * 3600 * 1000


def test_account_config_is_net_mode_futures_account(account: Any) -> None:
    config = account.get_account_config()["data"][0]
    assert (config["acctLv"], config["posMode"]) == ("2", "net_mode")


def test_trade_bills_record_each_balance_change(trade: Any, account: Any, market: Any) -> None:
    ask = market.get_orderbook(instId="ETH-USDT", sz="1")["data"][0]["asks"][0]
    size = min(D(ask[1]), D("0.5"))
    ord_id = trade.place_order(
        instId="ETH-USDT", tdMode="cash", side="buy", ordType="limit", px=ask[0], sz=str(size)
    )["data"][0]["ordId"]
    bills = account.get_account_bills(instType="SPOT")["data"]
    by_ccy = {b["ccy"]: b for b in bills if b["ordId"] == ord_id}
    assert set(by_ccy) == {"USDT", "ETH"}
    assert D(by_ccy["USDT"]["balChg"]) == -(D(ask[0]) * size)
    assert D(by_ccy["ETH"]["balChg"]) == size - size * D("0.001")
    assert (by_ccy["ETH"]["type"], by_ccy["ETH"]["subType"], by_ccy["ETH"]["fee"]) == (
        "2",
        "1",
        str(-(size * D("0.001"))),
    )
    fill = trade.get_fills(instId="ETH-USDT")["data"][0]
    assert fill["billId"] in {b["billId"] for b in bills}


def test_pinning_the_mark_below_liq_px_liquidates_an_isolated_long(
    trade: Any, account: Any, market: Any, okx_sim: SimHandle
) -> None:
    account.set_leverage(lever="25", mgnMode="isolated", instId="BTC-USDT-SWAP")
    trade.place_order(
        instId="BTC-USDT-SWAP", tdMode="isolated", side="buy", ordType="market", sz="2"
    )
    pos = account.get_positions(instId="BTC-USDT-SWAP")["data"][0]
    liq_px = D(pos["liqPx"])
    assert D(pos["avgPx"]) * D("0.95") < liq_px < D(pos["avgPx"])
    okx_sim.control("mark-price", {"instId": "BTC-USDT-SWAP", "markPx": str(liq_px + 5)})
    assert account.get_positions(instId="BTC-USDT-SWAP")["data"][0]["pos"] == "2"
    okx_sim.control("mark-price", {"instId": "BTC-USDT-SWAP", "markPx": str(liq_px - 5)})
    assert account.get_positions(instId="BTC-USDT-SWAP")["data"] == []
    liquidation = trade.get_orders_history(instType="SWAP")["data"][0]
    assert (
        liquidation["category"],
        liquidation["state"],
        liquidation["side"],
        liquidation["sz"],
    ) == (
        "full_liquidation",
        "filled",
        "sell",
        "2",
    )
    bill = account.get_account_bills(type="5")["data"][0]
    assert (bill["subType"], bill["ordId"]) == ("104", liquidation["ordId"])
