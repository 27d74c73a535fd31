"""Fast JSON for events and commands, with Decimals kept exact.

Decimals are written as plain fixed-point strings (never floats, never
exponent notation) so every consumer, the dashboard included, reads the same
digits the engine computed.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from pydantic import BaseModel

from services.shared.generated.commands import EngineCommand
from services.shared.generated.events import EventEnvelope
from services.shared.model_base import decimal_str


class CodecError(ValueError):
    """A message could not be decoded into the expected shape."""


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="python", exclude_none=False)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Encode a value (models, Decimals and enums included) as compact JSON bytes."""
    return orjson.dumps(value, default=_default)


def loads(data: bytes | str) -> Any:
    """Decode JSON; numbers stay numbers, money fields are strings by schema."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise CodecError(f"malformed JSON: {exc}") from exc


def decode_event(data: bytes | str) -> EventEnvelope:
    """Decode and validate one event envelope."""
    try:
        return EventEnvelope.model_validate(loads(data))
    except ValueError as exc:
        raise CodecError(f"invalid event: {exc}") from exc


def decode_command(data: bytes | str) -> EngineCommand:
    """Decode and validate one engine command."""
    try:
        return EngineCommand.model_validate(loads(data))
    except ValueError as exc:
        raise CodecError(f"invalid command: {exc}") from exc
