"""OKX request signing: pure functions over python-okx's own helpers.

REST: `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, ts + METHOD + path?query + body))`
with an ISO-8601 millisecond UTC timestamp. WS login signs
`unix_seconds + "GET" + "/users/self/verify"`. The HMAC key is the secret's
UTF-8 bytes (docs: "REST Authentication / Signature").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from okx import utils as sdk_utils
from pydantic import SecretStr

from services.engine.adapters.base import VenueCredentials
from services.engine.adapters.okx.constants import WS_LOGIN_PATH


@dataclass(frozen=True, slots=True)
class OkxCredentials:
    """API key, secret and passphrase; never logged (SecretStr)."""

    api_key: SecretStr
    secret_key: SecretStr
    passphrase: SecretStr

    @classmethod
    def from_venue(cls, creds: VenueCredentials | None) -> OkxCredentials | None:
        """The OKX triple from engine credentials, or None when any part is missing."""
        if creds is None or not (creds.api_key and creds.secret_key and creds.passphrase):
            return None
        return cls(creds.api_key, creds.secret_key, creds.passphrase)

    def __repr__(self) -> str:
        return "OkxCredentials(***)"


def rest_timestamp(now: datetime) -> str:
    """`2020-12-08T09:08:57.715Z`: the OK-ACCESS-TIMESTAMP format."""
    utc = now.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def sign(secret: str, timestamp: str, method: str, request_path: str, body: str) -> str:
    """The OK-ACCESS-SIGN value; `request_path` includes the query string, if any."""
    prehash = sdk_utils.pre_hash(timestamp, method, request_path, body, debug=False)
    return bytes(sdk_utils.sign(prehash, secret)).decode("ascii")


def rest_headers(
    creds: OkxCredentials,
    *,
    timestamp: str,
    method: str,
    request_path: str,
    body: str,
    demo: bool,
) -> dict[str, str]:
    """Headers of a signed REST request (the SDK's header builder)."""
    signature = sign(creds.secret_key.get_secret_value(), timestamp, method, request_path, body)
    headers = sdk_utils.get_header(
        creds.api_key.get_secret_value(),
        signature,
        timestamp,
        creds.passphrase.get_secret_value(),
        "1" if demo else "0",
        debug=False,
    )
    return {str(k): str(v) for k, v in headers.items()}


def public_headers(*, demo: bool) -> dict[str, str]:
    """Headers of an unsigned REST request."""
    headers = sdk_utils.get_header_no_sign("1" if demo else "0", debug=False)
    return {str(k): str(v) for k, v in headers.items()}


def ws_login_args(creds: OkxCredentials, *, timestamp_secs: int) -> dict[str, str]:
    """The single `args` entry of `{"op":"login"}`; the timestamp is unix seconds."""
    ts = str(timestamp_secs)
    return {
        "apiKey": creds.api_key.get_secret_value(),
        "passphrase": creds.passphrase.get_secret_value(),
        "timestamp": ts,
        "sign": sign(creds.secret_key.get_secret_value(), ts, "GET", WS_LOGIN_PATH, ""),
    }
