"""GET /api/events: persisted engine events, filtered and cursor-paginated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.cms_api.deps import StoreDep
from services.cms_api.errors import ERROR_RESPONSES, ApiError
from services.cms_api.schemas import EventPage, EventsQuery
from services.store import InvalidCursorError

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("", response_model=EventPage, responses=ERROR_RESPONSES)
async def list_events(query: Annotated[EventsQuery, Query()], store: StoreDep) -> EventPage:
    """List events newest first (ts, then engineId, then seq); follow `next_cursor` for more."""
    try:
        items, next_cursor = await store.events.list_events(
            engine_id=query.engine_id,
            exchange=query.exchange,
            event_type=query.type,
            since=query.since,
            until=query.until,
            limit=query.limit,
            cursor=query.cursor,
        )
    except InvalidCursorError as exc:
        raise ApiError(
            422, "validation_error", "The request is not valid.", [("cursor", str(exc))]
        ) from exc
    return EventPage(items=items, next_cursor=next_cursor)
