"""Every error the API returns has one shape, with the offending fields named."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field

from services.cms_api.errors import ApiError, field_name, install_error_handlers
from services.store import StoreUnavailableError


class _Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=10, ge=1, le=50)


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/items")
    async def items(q: Annotated[_Filters, Query()]) -> dict[str, int]:
        return {"limit": q.limit}

    @app.get("/conflict")
    async def conflict() -> None:
        raise ApiError(409, "conflict", "Already running.", [("botId", "is running")])

    @app.get("/down")
    async def down() -> None:
        raise StoreUnavailableError("no primary")

    return app


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get(path)


def test_field_name_drops_the_location() -> None:
    assert field_name(("query", "limit")) == "limit"
    assert field_name(("body", "risk", 0, "maxLeverage")) == "risk.0.maxLeverage"
    assert field_name(()) == "request"


async def test_validation_error_names_the_field_without_echoing_input() -> None:
    response = await _get("/items?limit=sekret-999")
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    assert [f["field"] for f in body["error"]["fields"]] == ["limit"]
    assert "sekret" not in response.text


async def test_unknown_query_parameter_is_refused_by_name() -> None:
    response = await _get("/items?limit=5&$where=1")
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["$where"]


async def test_not_found_and_api_errors_share_the_shape() -> None:
    missing = await _get("/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "Not Found", "fields": []}}
    conflict = await _get("/conflict")
    assert conflict.status_code == 409
    assert conflict.json()["error"] == {
        "code": "conflict",
        "message": "Already running.",
        "fields": [{"field": "botId", "message": "is running"}],
    }


async def test_a_dependency_outage_is_a_503_not_a_500() -> None:
    response = await _get("/down")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "dependency_unavailable"
    assert "mongo" in response.json()["error"]["message"]
