"""REST transport: signing on the wire, envelope checks, retries."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from services.engine.adapters.okx import auth
from services.engine.adapters.okx import errors as e
from services.engine.adapters.okx.http import OkxHttpClient
from tests.unit.engine.adapters.okx.fakes import FakeRest, fast_config, ok

SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
CREDS = auth.OkxCredentials(SecretStr("k"), SecretStr(SECRET), SecretStr("p"))
NOW = datetime(2020, 12, 8, 9, 8, 57, 715000, tzinfo=UTC)


def client(rest: FakeRest, **kw: object) -> OkxHttpClient:
    return OkxHttpClient(fast_config(**kw), CREDS, client=rest.client(), now=lambda: NOW)


async def test_signed_get_sends_the_signed_path_and_query() -> None:
    rest = FakeRest()
    rest.route("GET", "/api/v5/account/balance", lambda r: ok([]))
    await client(rest).get("/api/v5/account/balance", {"ccy": "BTC", "skip": None}, signed=True)
    [request] = rest.requests
    assert request.url.raw_path == b"/api/v5/account/balance?ccy=BTC"
    assert request.headers["OK-ACCESS-SIGN"] == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    assert request.headers["OK-ACCESS-TIMESTAMP"] == "2020-12-08T09:08:57.715Z"
    assert request.headers["x-simulated-trading"] == "0"


async def test_signed_post_signs_exactly_the_bytes_sent() -> None:
    rest = FakeRest()
    rest.route("POST", "/api/v5/trade/order", lambda r: ok([{"sCode": "0"}]))
    await client(rest).post("/api/v5/trade/order", {"instId": "BTC-USDT", "sz": "2"})
    [request] = rest.requests
    expected = auth.sign(
        SECRET, "2020-12-08T09:08:57.715Z", "POST", "/api/v5/trade/order", request.content.decode()
    )
    assert request.headers["OK-ACCESS-SIGN"] == expected


async def test_business_error_raises_with_code_and_message() -> None:
    rest = FakeRest()
    rest.route("GET", "/x", lambda r: {"code": "51000", "msg": "Parameter sz error", "data": []})
    with pytest.raises(e.OkxRequestError) as caught:
        await client(rest).get("/x")
    assert caught.value.code == "51000" and caught.value.message == "Parameter sz error"
    assert len(rest.requests) == 1


async def test_auth_error_is_not_retried() -> None:
    rest = FakeRest()
    rest.route("GET", "/x", lambda r: (401, {"code": "50113", "msg": "Invalid Sign", "data": []}))
    with pytest.raises(e.OkxAuthError):
        await client(rest).get("/x", signed=True)
    assert len(rest.requests) == 1


async def test_busy_and_unreadable_answers_are_retried_until_success() -> None:
    rest = FakeRest()
    answers = iter(
        [
            (502, "<html>bad gateway</html>"),
            (429, {"code": "50011", "msg": "Too Many Requests", "data": []}),
            ok([{"ts": "1"}]),
        ]
    )
    rest.route("GET", "/x", lambda r: next(answers))
    envelope = await client(rest, http_max_attempts=3).get("/x")
    assert envelope.code == "0" and len(rest.requests) == 3


async def test_connection_errors_become_retryable_transport_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    http = OkxHttpClient(
        fast_config(http_max_attempts=2),
        CREDS,
        client=httpx.AsyncClient(base_url="http://okx.test", transport=httpx.MockTransport(refuse)),
    )
    with pytest.raises(e.OkxTransportError):
        await http.get("/x")


async def test_per_item_failures_are_returned_for_the_caller() -> None:
    rest = FakeRest()
    rest.route(
        "POST",
        "/y",
        lambda r: {
            "code": "1",
            "msg": "All operations failed",
            "data": [{"sCode": "51008", "sMsg": "Insufficient"}],
        },
    )
    envelope = await client(rest).post("/y", {})
    assert envelope.code == "1"


async def test_private_call_without_credentials_fails_before_sending() -> None:
    rest = FakeRest()
    http = OkxHttpClient(fast_config(), None, client=rest.client())
    with pytest.raises(e.OkxAuthError):
        await http.get("/api/v5/account/balance", signed=True)
    assert rest.requests == []
