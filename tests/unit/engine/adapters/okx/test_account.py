"""Account: balances, positions and leverage over REST."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from pydantic import SecretStr

from services.engine.adapters.base import NotSupported
from services.engine.adapters.okx.account import OkxAccount
from services.engine.adapters.okx.auth import OkxCredentials
from services.engine.adapters.okx.http import OkxHttpClient
from services.shared.generated.enums import MarginMode, PositionSide
from tests.unit.engine.adapters.okx.fakes import FakeRest, fast_config, ok

CREDS = OkxCredentials(SecretStr("k"), SecretStr("s"), SecretStr("p"))


def account(rest: FakeRest) -> OkxAccount:
    return OkxAccount(OkxHttpClient(fast_config(), CREDS, client=rest.client()), now_ms=lambda: 7)


async def test_balances_and_positions() -> None:
    rest = FakeRest()
    rest.route(
        "GET",
        "/api/v5/account/balance",
        lambda r: ok(
            [
                {
                    "totalEq": "10",
                    "details": [
                        {
                            "ccy": "USDT",
                            "eq": "10",
                            "availBal": "8",
                            "frozenBal": "2",
                            "eqUsd": "10",
                        },
                        {"ccy": "BTC", "cashBal": "0.5", "availEq": "0.5", "frozenBal": "0"},
                    ],
                }
            ]
        ),
    )
    rest.route(
        "GET",
        "/api/v5/account/positions",
        lambda r: ok(
            [
                {
                    "instId": "BTC-USDT-SWAP",
                    "posSide": "net",
                    "pos": "-2",
                    "mgnMode": "cross",
                    "avgPx": "100",
                    "liqPx": "150",
                    "lever": "5",
                    "imr": "40",
                    "mgnRatio": "3.5",
                    "upl": "-1",
                    "ccy": "USDT",
                },
                {"instId": "ETH-USDT-SWAP", "posSide": "net", "pos": "0"},
            ]
        ),
    )
    acct = account(rest)
    usdt, btc = await acct.balances()
    assert (usdt.total, usdt.available, usdt.frozen, usdt.ts) == (
        Decimal(10),
        Decimal(8),
        Decimal(2),
        7,
    )
    assert (btc.total, btc.available) == (Decimal("0.5"), Decimal("0.5"))
    [pos] = await acct.positions()
    assert (pos.side, pos.size, pos.liquidationPrice, pos.marginRatio, pos.leverage) == (
        PositionSide.NET,
        Decimal(-2),
        Decimal(150),
        Decimal("3.5"),
        Decimal(5),
    )
    assert pos.marginMode is MarginMode.CROSS and pos.margin == Decimal(40)


async def test_set_leverage_posts_lever_and_margin_mode() -> None:
    rest = FakeRest()
    rest.route(
        "POST",
        "/api/v5/account/set-leverage",
        lambda r: ok(
            [{"lever": "5", "mgnMode": "isolated", "instId": "BTC-USDT-SWAP", "posSide": ""}]
        ),
    )
    await account(rest).set_leverage("BTC-USDT-SWAP", Decimal("5"), MarginMode.ISOLATED)
    [request] = rest.requests
    assert orjson.loads(request.content) == {
        "instId": "BTC-USDT-SWAP",
        "lever": "5",
        "mgnMode": "isolated",
    }
    with pytest.raises(NotSupported):
        await account(rest).set_leverage("BTC-USDT", Decimal("2"), MarginMode.CASH)
