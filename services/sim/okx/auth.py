"""Pure checks of OKX request signing: REST headers (§B.2.1) and the WS login op (§B.2.2).

Nothing here does I/O or reads a clock: the caller passes the current time in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from services.sim.okx import errors
from services.sim.okx.constants import WS_LOGIN_PATH
from services.sim.okx.errors import ErrorSpec

# ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z. OKX documents the millisecond
# form; up to 6 fraction digits are tolerated the way a lenient server would.
_ISO_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z$")


@dataclass(frozen=True, slots=True)
class Credentials:
    """The single API key the simulator accepts."""

    api_key: str
    secret_key: str
    passphrase: str


@dataclass(frozen=True, slots=True)
class RestAuthRequest:
    """What the REST signature check needs from one HTTP request, exactly as received."""

    method: str
    request_path: str  # raw path plus "?" + raw query string when there is one
    body: bytes  # raw body bytes: OKX signs the string the client sent, never a re-encoding
    key: str | None
    sign: str | None
    timestamp: str | None
    passphrase: str | None
    simulated_trading: str | None  # the x-simulated-trading header


def sign(secret_key: str, prehash: bytes) -> str:
    """Return base64(HMAC-SHA256(secret, prehash)); the key is the secret's UTF-8 bytes."""
    digest = hmac.new(secret_key.encode("utf-8"), prehash, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def rest_prehash(timestamp: str, method: str, request_path: str, body: bytes) -> bytes:
    """Build `timestamp + METHOD + requestPath + body` as bytes."""
    return (timestamp + method.upper() + request_path).encode("utf-8") + body


def ws_login_prehash(timestamp: str) -> bytes:
    """Build the WS login prehash `timestamp + "GET" + "/users/self/verify"`."""
    return (timestamp + "GET" + WS_LOGIN_PATH).encode("utf-8")


def parse_iso_timestamp_ms(text: str) -> int | None:
    """Parse OK-ACCESS-TIMESTAMP into Unix milliseconds; None when malformed."""
    match = _ISO_TS.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:
        return None
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return int(moment.timestamp()) * 1000 + millis


def check_rest(
    request: RestAuthRequest,
    credentials: Credentials,
    *,
    now_ms: int,
    window_secs: int,
    demo: bool,
) -> ErrorSpec | None:
    """Check one private REST request; return the OKX error it deserves, or None when valid.

    `demo` says which environment the key belongs to: a demo key needs
    `x-simulated-trading: 1`, a live key must not send it as 1 (50101 either way).
    """
    if not request.key:
        return errors.KEY_EMPTY
    if not request.sign:
        return errors.SIGN_EMPTY
    if not request.timestamp:
        return errors.TIMESTAMP_EMPTY
    if not request.passphrase:
        return errors.PASSPHRASE_EMPTY
    sent_ms = parse_iso_timestamp_ms(request.timestamp)
    if sent_ms is None:
        return errors.TIMESTAMP_INVALID
    if abs(now_ms - sent_ms) > window_secs * 1000:
        return errors.TIMESTAMP_EXPIRED
    if not hmac.compare_digest(request.key, credentials.api_key):
        return errors.KEY_INVALID
    if (request.simulated_trading == "1") != demo:
        return errors.KEY_ENVIRONMENT
    if not hmac.compare_digest(request.passphrase, credentials.passphrase):
        return errors.PASSPHRASE_WRONG
    expected = sign(
        credentials.secret_key,
        rest_prehash(request.timestamp, request.method, request.request_path, request.body),
    )
    if not hmac.compare_digest(request.sign.encode("utf-8"), expected.encode("ascii")):
        return errors.SIGN_INVALID
    return None


def check_ws_login(
    arg: Mapping[str, object],
    credentials: Credentials,
    *,
    now_secs: float,
    window_secs: int,
) -> ErrorSpec | None:
    """Check one `login` arg (apiKey, passphrase, timestamp, sign); None when valid.

    The docs type `timestamp` as a string of Unix seconds; python-okx sends a JSON number,
    so both are accepted.
    """
    api_key = arg.get("apiKey")
    passphrase = arg.get("passphrase")
    raw_ts = arg.get("timestamp")
    signature = arg.get("sign")
    for name, value in (
        ("apiKey", api_key),
        ("passphrase", passphrase),
        ("timestamp", raw_ts),
        ("sign", signature),
    ):
        if value is None or value == "":
            return ErrorSpec(errors.WS_PARAM_EMPTY.code, errors.WS_PARAM_EMPTY.format(name))
    if isinstance(raw_ts, bool) or not isinstance(raw_ts, int | str):
        return errors.WS_INVALID_TIMESTAMP
    ts_text = str(raw_ts)
    if not re.fullmatch(r"\d{1,12}(\.\d+)?", ts_text):
        return errors.WS_INVALID_TIMESTAMP
    if abs(now_secs - float(ts_text)) > window_secs:
        return errors.WS_TIMESTAMP_EXPIRED
    if not isinstance(api_key, str) or not hmac.compare_digest(api_key, credentials.api_key):
        return errors.WS_INVALID_KEY
    if not isinstance(passphrase, str) or not hmac.compare_digest(
        passphrase, credentials.passphrase
    ):
        return errors.WS_WRONG_PASSPHRASE
    expected = sign(credentials.secret_key, ws_login_prehash(ts_text))
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature.encode("utf-8"), expected.encode("ascii")
    ):
        return errors.WS_INVALID_SIGN
    return None
