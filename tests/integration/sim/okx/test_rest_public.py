"""python-okx's MarketAPI and PublicAPI against the simulator."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from tests.integration.sim.okx.conftest import SimHandle


def test_instruments_are_fully_specified(public: Any) -> None:
    swaps = public.get_instruments(instType="SWAP")
    assert swaps["code"] == "0"
    btc = next(i for i in swaps["data"] if i["instId"] == "BTC-USDT-SWAP")
    assert (
        btc["ctVal"],
        btc["ctType"],
        btc["settleCcy"],
        btc["tickSz"],
        btc["lotSz"],
        btc["minSz"],
        btc["state"],
    ) == (
        "0.01",
        "linear",
        "USDT",
        "0.1",
        "0.01",
        "0.01",
        "live",
    )
    spot = public.get_instruments(instType="SPOT", instId="ETH-USDT")["data"]
    assert [(s["baseCcy"], s["quoteCcy"]) for s in spot] == [("ETH", "USDT")]
    futures = public.get_instruments(instType="FUTURES")["data"]
    assert {f["instFamily"] for f in futures} == {"BTC-USD", "ETH-USD"}
    assert all(f["ctType"] == "inverse" and int(f["expTime"]) > time.time() * 1000 for f in futures)


def test_missing_inst_type_is_refused_with_50014(public: Any) -> None:
    answer = public.get_instruments(instType="")
    assert (answer["code"], answer["msg"]) == ("50014", "Parameter instType can not be empty.")


def test_order_book_is_sorted_and_sized(market: Any) -> None:
    book = market.get_orderbook(instId="BTC-USDT", sz="5")
    assert book["code"] == "0"
    data = book["data"][0]
    bids = [Decimal(level[0]) for level in data["bids"]]
    asks = [Decimal(level[0]) for level in data["asks"]]
    assert len(bids) == len(asks) == 5
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(level[2] == "0" and int(level[3]) >= 1 for level in data["bids"] + data["asks"])
    assert len(market.get_orderbook(instId="BTC-USDT")["data"][0]["asks"]) == 1


def test_tickers_agree_with_the_book(market: Any) -> None:
    tickers = market.get_tickers(instType="SWAP")["data"]
    assert {t["instId"] for t in tickers} == {"BTC-USDT-SWAP", "ETH-USDT-SWAP"}
    one = market.get_ticker(instId="BTC-USDT-SWAP")["data"][0]
    top = market.get_orderbook(instId="BTC-USDT-SWAP", sz="1")["data"][0]
    assert (one["bidPx"], one["askPx"]) == (top["bids"][0][0], top["asks"][0][0])
    assert one["instType"] == "SWAP"


def test_funding_rate_schedule_is_eight_hourly(public: Any) -> None:
    data = public.get_funding_rate(instId="BTC-USDT-SWAP")["data"][0]
    assert int(data["nextFundingTime"]) - int(data["fundingTime"]) == 8 * 3600 * 1000
    assert int(data["fundingTime"]) % (8 * 3600 * 1000) == 0
    assert Decimal("-0.00375") <= Decimal(data["fundingRate"]) <= Decimal("0.00375")
    assert public.get_funding_rate(instId="BTC-USDT")["code"] == "51001"


def test_mark_price_and_its_pin(public: Any, okx_sim: SimHandle) -> None:
    marks = public.get_mark_price(instType="SWAP")["data"]
    assert {m["instId"] for m in marks} == {"BTC-USDT-SWAP", "ETH-USDT-SWAP"}
    okx_sim.control("mark-price", {"instId": "ETH-USDT-SWAP", "markPx": "2999.5"})
    pinned = public.get_mark_price(instType="SWAP", instId="ETH-USDT-SWAP")["data"][0]
    assert pinned["markPx"] == "2999.5"


def test_system_time_is_the_wall_clock(public: Any) -> None:
    ts = int(public.get_system_time()["data"][0]["ts"])
    assert abs(ts - time.time() * 1000) < 5000
