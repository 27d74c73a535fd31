"""One error shape for every error the API returns.

`{"error": {"code", "message", "fields": [{"field", "message"}]}}`: validation
errors name each offending field, everything else has an empty `fields`. The
handlers never echo the rejected input back (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.shared.logs import get_logger
from services.store import StoreUnavailableError

log = get_logger(__name__)

# Where FastAPI says a value came from; the field name is what follows.
_LOCATIONS = frozenset({"query", "path", "body", "header", "cookie"})
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class FieldError(BaseModel):
    """One rejected field."""

    field: str = Field(description="Dotted path of the field, e.g. `limit` or `risk.maxLeverage`.")
    message: str


class ErrorDetail(BaseModel):
    """What went wrong."""

    code: str = Field(description="Stable machine-readable code, e.g. `validation_error`.")
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class ApiError(Exception):
    """Raise from a route to answer with the error shape."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        fields: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = [FieldError(field=f, message=m) for f, m in fields]


def error_body(code: str, message: str, fields: Sequence[FieldError] = ()) -> dict[str, Any]:
    """Return the JSON body of an error."""
    return ErrorResponse(
        error=ErrorDetail(code=code, message=message, fields=list(fields))
    ).model_dump()


def field_name(loc: Sequence[int | str]) -> str:
    """Turn a pydantic error location into a field path (`("query", "limit")` -> `limit`)."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "request"


def validation_fields(errors: Sequence[Any]) -> list[FieldError]:
    """Map pydantic/FastAPI validation errors to field errors, without the input values."""
    return [
        FieldError(field=field_name(err.get("loc", ())), message=str(err.get("msg", "invalid")))
        for err in errors
    ]


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = validation_fields(exc.errors())
    return JSONResponse(
        error_body("validation_error", "The request is not valid.", fields), status_code=422
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _api(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(error_body(exc.code, exc.message, exc.fields), status_code=exc.status_code)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # A dependency outage is not the client's fault and not a bug: 503, retry later.
    dependency = "mongo" if isinstance(exc, StoreUnavailableError) else "redis"
    log.warning(
        "dependency_unavailable", dependency=dependency, path=request.url.path, error=str(exc)[:200]
    )
    return JSONResponse(
        error_body("dependency_unavailable", f"{dependency} is not available; retry later."),
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled_error", path=request.url.path)
    return JSONResponse(error_body("internal_error", "Internal server error."), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, FastAPI's own included, answer in the one shape."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(ApiError, _api)
    app.add_exception_handler(StoreUnavailableError, _unavailable)
    app.add_exception_handler(RedisError, _unavailable)
    app.add_exception_handler(Exception, _unexpected)


# OpenAPI: documented on every route next to its response_model.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid request; `fields` names each field."},
    503: {"model": ErrorResponse, "description": "A dependency (Redis or MongoDB) is down."},
}
