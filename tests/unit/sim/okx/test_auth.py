"""Signature checks against OKX's documented vectors and python-okx's own signing."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from okx import utils as okx_utils

from services.sim.okx import auth, errors
from services.sim.okx.auth import Credentials, RestAuthRequest

DOC_SECRET = "22582BD0CFF14C41EDBF1AB98506286D"  # the docs' example secret (PROTOCOLS §B.2.1)
CREDS = Credentials(api_key="key-1", secret_key=DOC_SECRET, passphrase="pass-1")
TS = "2020-12-08T09:08:57.715Z"
TS_MS = 1607418537715


def _request(**overrides: object) -> RestAuthRequest:
    base: dict[str, object] = {
        "method": "GET",
        "request_path": "/api/v5/account/balance?ccy=BTC",
        "body": b"",
        "key": CREDS.api_key,
        "sign": "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
        "timestamp": TS,
        "passphrase": CREDS.passphrase,
        "simulated_trading": "1",
    }
    base.update(overrides)
    return RestAuthRequest(**base)  # type: ignore[arg-type]


def test_sign_matches_the_documented_get_vector() -> None:
    prehash = auth.rest_prehash(TS, "GET", "/api/v5/account/balance?ccy=BTC", b"")
    assert auth.sign(DOC_SECRET, prehash) == "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="


def test_sign_matches_the_documented_post_vector() -> None:
    body = (
        b'{"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"limit","px":"2.15","sz":"2"}'
    )
    prehash = auth.rest_prehash(TS, "POST", "/api/v5/trade/order", body)
    assert auth.sign(DOC_SECRET, prehash) == "iwrdSpN7pm4G4u8+fswZUyH6mOM48+sBF6WvKpj4Dvk="


def test_ws_login_sign_matches_the_documented_vector() -> None:
    assert (
        auth.sign(DOC_SECRET, auth.ws_login_prehash("1538054050"))
        == "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M="
    )


def test_valid_request_passes() -> None:
    assert auth.check_rest(_request(), CREDS, now_ms=TS_MS, window_secs=30, demo=True) is None


def test_python_okx_signature_over_its_spaced_json_body_passes() -> None:
    # python-okx signs json.dumps(params) with ", " and ": " separators: the raw bytes count.
    body = '{"instId": "BTC-USDT", "sz": "1"}'
    sign = okx_utils.sign(
        okx_utils.pre_hash(TS, "POST", "/api/v5/trade/order", body, False), DOC_SECRET
    )
    request = _request(
        method="POST", request_path="/api/v5/trade/order", body=body.encode(), sign=sign.decode()
    )
    assert auth.check_rest(request, CREDS, now_ms=TS_MS, window_secs=30, demo=True) is None
    reencoded = _request(
        method="POST",
        request_path="/api/v5/trade/order",
        body=b'{"instId":"BTC-USDT","sz":"1"}',
        sign=sign.decode(),
    )
    assert (
        auth.check_rest(reencoded, CREDS, now_ms=TS_MS, window_secs=30, demo=True)
        is errors.SIGN_INVALID
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"key": None}, errors.KEY_EMPTY),
        ({"sign": ""}, errors.SIGN_EMPTY),
        ({"timestamp": None}, errors.TIMESTAMP_EMPTY),
        ({"passphrase": ""}, errors.PASSPHRASE_EMPTY),
        ({"timestamp": "1607418537715"}, errors.TIMESTAMP_INVALID),
        ({"timestamp": "2020-12-08 09:08:57.715"}, errors.TIMESTAMP_INVALID),
        ({"key": "other"}, errors.KEY_INVALID),
        ({"simulated_trading": None}, errors.KEY_ENVIRONMENT),
        ({"simulated_trading": "0"}, errors.KEY_ENVIRONMENT),
        ({"passphrase": "nope"}, errors.PASSPHRASE_WRONG),
        ({"sign": "AAAA"}, errors.SIGN_INVALID),
        ({"request_path": "/api/v5/account/balance?ccy=ETH"}, errors.SIGN_INVALID),
    ],
)
def test_each_broken_header_gets_its_okx_code(
    overrides: dict[str, object], expected: errors.ErrorSpec
) -> None:
    assert (
        auth.check_rest(_request(**overrides), CREDS, now_ms=TS_MS, window_secs=30, demo=True)
        is expected
    )


def test_timestamp_outside_the_window_is_expired_either_way() -> None:
    assert (
        auth.check_rest(_request(), CREDS, now_ms=TS_MS + 30_001, window_secs=30, demo=True)
        is errors.TIMESTAMP_EXPIRED
    )
    assert (
        auth.check_rest(_request(), CREDS, now_ms=TS_MS - 30_001, window_secs=30, demo=True)
        is errors.TIMESTAMP_EXPIRED
    )
    assert (
        auth.check_rest(_request(), CREDS, now_ms=TS_MS + 30_000, window_secs=30, demo=True) is None
    )


def test_live_key_refuses_the_demo_header() -> None:
    live = _request(simulated_trading=None)
    assert auth.check_rest(live, CREDS, now_ms=TS_MS, window_secs=30, demo=False) is None
    assert (
        auth.check_rest(_request(), CREDS, now_ms=TS_MS, window_secs=30, demo=False)
        is errors.KEY_ENVIRONMENT
    )


def test_iso_timestamp_parsing() -> None:
    assert auth.parse_iso_timestamp_ms(TS) == TS_MS
    assert auth.parse_iso_timestamp_ms("2020-12-08T09:08:57Z") == TS_MS - 715
    assert auth.parse_iso_timestamp_ms("2020-13-08T09:08:57.715Z") is None


def _login(ts: str | int, secret: str = DOC_SECRET, **overrides: object) -> dict[str, object]:
    mac = hmac.new(secret.encode(), f"{ts}GET/users/self/verify".encode(), hashlib.sha256)
    arg: dict[str, object] = {
        "apiKey": CREDS.api_key,
        "passphrase": CREDS.passphrase,
        "timestamp": ts,
        "sign": base64.b64encode(mac.digest()).decode(),
    }
    arg.update(overrides)
    return arg


def test_ws_login_accepts_string_and_number_timestamps() -> None:
    # The docs send a string; python-okx sends a JSON number.
    assert (
        auth.check_ws_login(_login("1538054050"), CREDS, now_secs=1538054060, window_secs=30)
        is None
    )
    assert (
        auth.check_ws_login(_login(1538054050), CREDS, now_secs=1538054060, window_secs=30) is None
    )


@pytest.mark.parametrize(
    ("arg", "code"),
    [
        (_login("1538054050", secret="wrong"), "60007"),
        (_login("1538054050", apiKey="nope"), "60005"),
        (_login("1538054050", passphrase="nope"), "60024"),
        (_login("abc"), "60004"),
        (_login("1538054000"), "60006"),
        (_login("1538054050", sign=""), "60027"),
    ],
)
def test_ws_login_failures(arg: dict[str, object], code: str) -> None:
    failure = auth.check_ws_login(arg, CREDS, now_secs=1538054060, window_secs=30)
    assert failure is not None and failure.code == code
