"""Signing against the OKX docs' example secret (PROTOCOLS.md B.2 test vectors)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pydantic import SecretStr

from services.engine.adapters.base import VenueCredentials
from services.engine.adapters.okx import auth

DOCS_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"
CREDS = auth.OkxCredentials(SecretStr("key-1"), SecretStr(DOCS_SECRET), SecretStr("pass-1"))


def test_get_signature_covers_path_with_query() -> None:
    sign = auth.sign(
        DOCS_SECRET, "2020-12-08T09:08:57.715Z", "GET", "/api/v5/account/balance?ccy=BTC", ""
    )
    assert sign == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="


def test_post_signature_covers_raw_body() -> None:
    body = (
        '{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"2.15","sz":"2"}'
    )
    sign = auth.sign(DOCS_SECRET, "2020-12-08T09:08:57.715Z", "post", "/api/v5/trade/order", body)
    assert sign == "iwrdSpN7pm4G4u8+fswZUyH6mOM48+sBF6WvKpj4Dvk="


def test_ws_login_signs_unix_seconds_and_verify_path() -> None:
    args = auth.ws_login_args(CREDS, timestamp_secs=1538054050)
    assert args == {
        "apiKey": "key-1",
        "passphrase": "pass-1",
        "timestamp": "1538054050",
        "sign": "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=",
    }


def test_rest_timestamp_is_iso_utc_with_milliseconds() -> None:
    local = datetime(2020, 12, 8, 17, 8, 57, 715999, tzinfo=timezone(timedelta(hours=8)))
    assert auth.rest_timestamp(local) == "2020-12-08T09:08:57.715Z"
    assert auth.rest_timestamp(datetime(2021, 1, 2, 3, 4, 5, tzinfo=UTC)) == (
        "2021-01-02T03:04:05.000Z"
    )


def test_rest_headers_carry_key_sign_timestamp_passphrase_and_demo_flag() -> None:
    headers = auth.rest_headers(
        CREDS,
        timestamp="2020-12-08T09:08:57.715Z",
        method="GET",
        request_path="/api/v5/account/balance?ccy=BTC",
        body="",
        demo=True,
    )
    assert headers["OK-ACCESS-KEY"] == "key-1"
    assert headers["OK-ACCESS-SIGN"] == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
    assert headers["OK-ACCESS-TIMESTAMP"] == "2020-12-08T09:08:57.715Z"
    assert headers["OK-ACCESS-PASSPHRASE"] == "pass-1"
    assert headers["x-simulated-trading"] == "1"
    assert headers["Content-Type"] == "application/json"


def test_credentials_need_all_three_parts_and_never_print() -> None:
    partial = VenueCredentials(api_key=SecretStr("k"), secret_key=SecretStr("s"))
    assert auth.OkxCredentials.from_venue(partial) is None
    assert auth.OkxCredentials.from_venue(None) is None
    full = VenueCredentials(
        api_key=SecretStr("k"), secret_key=SecretStr("s"), passphrase=SecretStr("p")
    )
    creds = auth.OkxCredentials.from_venue(full)
    assert creds is not None
    assert "s" not in repr(creds).replace("OkxCredentials", "")
