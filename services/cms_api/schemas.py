"""Request and response shapes of the API that are not shared entities."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.shared.generated.entities import EngineInfo
from services.shared.generated.enums import Exchange, ExchangeScope
from services.shared.generated.events import EventEnvelope, EventType
from services.store import MAX_LIMIT

# Same rule as the schemas' Identifier: no operators, no whitespace, no `$`.
IDENTIFIER = r"^[A-Za-z0-9_.:\-]+$"
DEFAULT_LIMIT = 100


class HealthResponse(BaseModel):
    """Liveness of the API and its dependencies."""

    status: Literal["ok", "fail"]
    checks: dict[str, str] = Field(
        description="Per dependency: `ok`, or `error: <short reason>`.",
        examples=[{"redis": "ok", "mongo": "ok"}],
    )
    failed: list[str] | None = Field(
        default=None, description="The dependencies that failed; absent when all are ok."
    )


class EnginePage(BaseModel):
    """Engines currently registered (heartbeat key alive)."""

    items: list[EngineInfo]
    next_cursor: str | None = None


class EventPage(BaseModel):
    """One page of persisted events, newest first."""

    items: list[EventEnvelope]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class EnginesQuery(BaseModel):
    """Filters of GET /api/engines."""

    model_config = ConfigDict(extra="forbid")

    exchange: Exchange | None = Field(default=None, description="Only engines serving this venue.")


class EventsQuery(BaseModel):
    """Filters and paging of GET /api/events."""

    model_config = ConfigDict(extra="forbid")

    engine_id: Annotated[str, Field(min_length=1, max_length=128, pattern=IDENTIFIER)] | None = None
    exchange: ExchangeScope | None = None
    type: EventType | None = Field(default=None, description="Event type, e.g. `fill`.")
    since: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Inclusive lower bound on `ts` (epoch ms)."
    )
    until: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Exclusive upper bound on `ts` (epoch ms)."
    )
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: Annotated[str, Field(min_length=1, max_length=512)] | None = Field(
        default=None, description="`next_cursor` of the previous page."
    )

    @field_validator("until")
    @classmethod
    def _until_after_since(cls, value: int | None, info: ValidationInfo) -> int | None:
        since = info.data.get("since")
        if value is not None and since is not None and value <= since:
            raise ValueError("must be greater than since")
        return value
