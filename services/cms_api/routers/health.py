"""GET /health: is the API able to reach Redis and MongoDB right now."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.cms_api.checks import check_dependencies
from services.cms_api.deps import RuntimeDep
from services.cms_api.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthResponse,
    response_model_exclude_none=True,
    responses={503: {"model": HealthResponse, "description": "A dependency is down."}},
)
async def read_health(runtime: RuntimeDep) -> JSONResponse:
    """Report each dependency; 503 names the ones that did not answer within 1 s."""
    report = await check_dependencies(runtime.cache, runtime.store)
    return JSONResponse(
        report.model_dump(exclude_none=True), status_code=200 if report.status == "ok" else 503
    )
