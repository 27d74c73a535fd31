"""GET /api/engines: the engines alive in the Redis registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from services.cms_api.deps import CacheDep
from services.cms_api.errors import ERROR_RESPONSES
from services.cms_api.schemas import EnginePage, EnginesQuery
from services.shared import names
from services.shared.generated.entities import EngineInfo
from services.shared.logs import get_logger

log = get_logger(__name__)

router = APIRouter(prefix="/api/engines", tags=["engines"])

# Keys per SCAN round trip and per MGET: a registry holds tens of engines, not millions.
SCAN_COUNT = 200
MGET_CHUNK = 100


@router.get("", response_model=EnginePage, responses=ERROR_RESPONSES)
async def list_engines(query: Annotated[EnginesQuery, Query()], cache: CacheDep) -> EnginePage:
    """List registered engines, sorted by id (records with a live heartbeat key only)."""
    pattern = names.engine_key_pattern()
    keys = [key async for key in cache.scan_iter(match=pattern, count=SCAN_COUNT)]
    engines: list[EngineInfo] = []
    for start in range(0, len(keys), MGET_CHUNK):
        chunk = keys[start : start + MGET_CHUNK]
        for key, raw in zip(chunk, await cache.mget(chunk), strict=True):
            if raw is None:
                continue  # expired between SCAN and MGET
            try:
                engines.append(EngineInfo.model_validate_json(raw))
            except ValidationError as exc:
                log.warning("engine_record_invalid", key=str(key), error=str(exc)[:200])
    if query.exchange is not None:
        engines = [e for e in engines if query.exchange in e.exchanges]
    engines.sort(key=lambda e: e.engineId)
    return EnginePage(items=engines, next_cursor=None)
