"""Request signing is checked exactly as OKX does: errors 50101-50113 over HTTP 401."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import okx.Account as Account
import okx.Trade as Trade
import pytest
from okx import utils as okx_utils

from services.sim.okx import constants as c
from tests.integration.sim.okx.conftest import SimHandle


def test_wrong_secret_gets_50113(sdk_factory: Any) -> None:
    answer = sdk_factory(Trade.TradeAPI, api_secret_key="not-the-secret").get_order_list()
    assert (answer["code"], answer["msg"], answer["data"]) == ("50113", "Invalid Sign", [])


def test_stale_timestamp_gets_50102(sdk_factory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=45)).isoformat(timespec="milliseconds")
    monkeypatch.setattr(okx_utils, "get_timestamp", lambda: stale.replace("+00:00", "Z"))
    answer = sdk_factory(Account.AccountAPI).get_account_balance()
    assert (answer["code"], answer["msg"]) == ("50102", "Timestamp request expired.")


def test_wrong_passphrase_and_key_and_environment(sdk_factory: Any) -> None:
    assert (
        sdk_factory(Account.AccountAPI, passphrase="nope").get_account_balance()["code"] == "50105"
    )
    assert sdk_factory(Account.AccountAPI, api_key="nope").get_account_balance()["code"] == "50111"
    # flag "0" sends x-simulated-trading: 0 -- a demo key used against production.
    assert sdk_factory(Account.AccountAPI, flag="0").get_account_balance()["code"] == "50101"


def test_unsigned_private_request_is_refused_with_401(okx_sim: SimHandle) -> None:
    response = okx_sim.http.get("/api/v5/account/balance")
    assert response.status_code == 401
    assert response.json() == {
        "code": "50103",
        "msg": 'Request header "OK-ACCESS-KEY" cannot be empty.',
        "data": [],
    }


def test_signature_covers_the_query_string(okx_sim: SimHandle) -> None:
    ts = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    signed_path = "/api/v5/account/balance?ccy=BTC"
    sign = okx_utils.sign(
        okx_utils.pre_hash(ts, "GET", signed_path, "", False), c.DEFAULT_SECRET_KEY
    ).decode()
    headers = {
        "OK-ACCESS-KEY": c.DEFAULT_API_KEY,
        "OK-ACCESS-SIGN": sign,
        "OK-ACCESS-TIMESTAMP": ts,
        "OK-ACCESS-PASSPHRASE": c.DEFAULT_PASSPHRASE,
        "x-simulated-trading": "1",
    }
    with httpx.Client(base_url=okx_sim.endpoints.rest_url) as client:
        assert client.get(signed_path, headers=headers).json()["code"] == "0"
        tampered = client.get("/api/v5/account/balance?ccy=ETH", headers=headers)
        assert (tampered.status_code, tampered.json()["code"]) == (401, "50113")
