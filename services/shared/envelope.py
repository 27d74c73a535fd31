"""Build event envelopes: engine identity, wall-clock `ts` and a gapless `seq`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from services.shared.generated.enums import ExchangeScope
from services.shared.generated.events import EventEnvelope, EventType
from services.shared.sequencer import Sequencer


def now_ms() -> int:
    """Current Unix time in milliseconds."""
    return time.time_ns() // 1_000_000


class EventBuilder:
    """Stamp payloads into envelopes for one engine."""

    def __init__(
        self, engine_id: str, sequencer: Sequencer, clock: Callable[[], int] = now_ms
    ) -> None:
        self.engine_id = engine_id
        self._seq = sequencer
        self._clock = clock

    def build(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: ExchangeScope | str = ExchangeScope.ALL,
        bot_id: str | None = None,
    ) -> EventEnvelope:
        """Return the next envelope; consumes one sequence number."""
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        return EventEnvelope(
            type=event_type,
            engineId=self.engine_id,
            exchange=ExchangeScope(exchange),
            botId=bot_id,
            ts=self._clock(),
            seq=self._seq.next(),
            payload=body,
        )
