"""OKX REST transport: signing, rate limits, retries, envelope checks. No parsing.

Returns the response envelope with `data` still raw; callers decode it into
the wire struct they expect. A `code` of "1"/"2" with per-item results is
returned too (the caller reads each item's `sCode`); any other non-zero code
raises the matching `OkxError`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import httpx
import msgspec
import orjson
from okx import utils as sdk_utils

from services.engine.adapters.okx import auth
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.errors import (
    CODE_ALL_FAILED,
    CODE_OK,
    CODE_PARTIAL,
    OkxAuthError,
    OkxError,
    OkxRequestError,
    OkxTransportError,
    backoff_delay,
    error_from_code,
    retry,
)
from services.engine.adapters.okx.ratelimit import RateLimiter
from services.engine.adapters.okx.schemas import RestEnvelope
from services.shared.logs import get_logger

T = TypeVar("T")
Params = Mapping[str, str | int | None]

log = get_logger(__name__)
_ENVELOPE = msgspec.json.Decoder(RestEnvelope)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OkxHttpClient:
    """Async OKX REST client over httpx, signed with python-okx's helpers."""

    def __init__(
        self,
        config: OkxConfig,
        credentials: auth.OkxCredentials | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        limiter: RateLimiter | None = None,
        now: Callable[[], datetime] = _utc_now,
        rand: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._config = config
        self._creds = credentials
        self._client = client
        self._owns_client = client is None
        self._users = 0
        self._limiter = limiter or RateLimiter(sleep=sleep)
        self._now = now
        self._rand = rand
        self._sleep = sleep

    @property
    def has_credentials(self) -> bool:
        """True when private endpoints can be signed."""
        return self._creds is not None

    def retain(self) -> None:
        """Note one more user (feed, executor); `release` closes after the last."""
        self._users += 1

    async def release(self) -> None:
        """Drop one user; the connection pool closes when none is left."""
        self._users = max(0, self._users - 1)
        if self._users == 0:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (it reopens on the next request)."""
        client = self._client
        if client is not None and self._owns_client:
            self._client = None
            await client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self._config.rest_url, timeout=self._config.http_timeout_secs
            )
        return self._client

    async def get(
        self,
        path: str,
        params: Params | None = None,
        *,
        signed: bool = False,
        inst_id: str | None = None,
    ) -> RestEnvelope:
        """GET `path?params` (None and "" values are left out, as the SDK does)."""
        query = sdk_utils.parse_params_to_str(dict(params)) if params else ""
        return await self._with_retry("GET", path + query, "", path, signed, inst_id, 1)

    async def post(
        self, path: str, body: Any, *, inst_id: str | None = None, cost: int = 1
    ) -> RestEnvelope:
        """POST a JSON body (always signed); `cost` counts orders on batch endpoints."""
        text = orjson.dumps(body).decode()
        return await self._with_retry("POST", path, text, path, True, inst_id, cost)

    def _delay(self, attempt: int) -> float:
        return backoff_delay(
            attempt,
            initial_secs=self._config.http_retry_initial_delay_secs,
            max_secs=self._config.http_retry_max_delay_secs,
            jitter_ratio=self._config.reconnect_jitter_ratio,
            rand=self._rand,
        )

    async def _with_retry(
        self,
        method: str,
        request_path: str,
        body: str,
        path: str,
        signed: bool,
        inst_id: str | None,
        cost: int,
    ) -> RestEnvelope:
        call = partial(self._once, method, request_path, body, path, signed, inst_id, cost)
        return await retry(
            call,
            max_attempts=self._config.http_max_attempts,
            delay=self._delay,
            sleep=self._sleep,
        )

    async def _once(
        self,
        method: str,
        request_path: str,
        body: str,
        path: str,
        signed: bool,
        inst_id: str | None,
        cost: int,
    ) -> RestEnvelope:
        await self._limiter.acquire(method, path, inst_id=inst_id, cost=cost)
        if signed:
            if self._creds is None:
                raise OkxAuthError("50103", "no API credentials configured")
            headers = auth.rest_headers(
                self._creds,
                timestamp=auth.rest_timestamp(self._now()),
                method=method,
                request_path=request_path,
                body=body,
                demo=self._config.demo,
            )
        else:
            headers = auth.public_headers(demo=self._config.demo)
        try:
            response = await self._http().request(
                method, request_path, content=body.encode() if body else None, headers=headers
            )
        except httpx.HTTPError as exc:
            raise OkxTransportError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        return self._envelope(method, path, response)

    def _envelope(self, method: str, path: str, response: httpx.Response) -> RestEnvelope:
        status = response.status_code
        try:
            envelope = _ENVELOPE.decode(response.content)
        except msgspec.DecodeError:
            snippet = response.text[:200]
            if status >= 500 or status == 429:
                raise error_from_code(f"http{status}", snippet, http_status=status) from None
            if status >= 400:
                raise OkxRequestError(f"http{status}", snippet, http_status=status) from None
            raise OkxTransportError(
                f"{method} {path}: not an OKX envelope: {snippet!r}", http_status=status
            ) from None
        code = str(envelope.code)
        envelope.code = code
        if code == CODE_OK:
            return envelope
        if code in (CODE_ALL_FAILED, CODE_PARTIAL) and bytes(envelope.data).strip() != b"[]":
            return envelope
        err = error_from_code(code, envelope.msg, http_status=status)
        log.warning(
            "okx.rest.error",
            method=method,
            path=path,
            code=code,
            msg=envelope.msg,
            http_status=status,
        )
        raise err


def decode_data(envelope: RestEnvelope, item_type: type[T]) -> list[T]:
    """Decode an envelope's `data` array into wire structs."""
    try:
        return msgspec.json.decode(envelope.data, type=list[item_type])  # type: ignore[valid-type]
    except msgspec.DecodeError as exc:
        raise OkxError("decode", f"unexpected response shape: {exc}") from exc
