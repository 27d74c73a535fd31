"""Base class of every generated model: exact decimal strings on the wire."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, SerializationInfo, SerializerFunctionWrapHandler, field_serializer


def decimal_str(value: Decimal) -> str:
    """Fixed-point text for a Decimal: never exponent notation, never "-0"."""
    return "0" if value.is_zero() else format(value, "f")


class SchemaModel(BaseModel):
    """pydantic's default JSON for Decimal is `str()`, which can print `1E-8`."""

    @field_serializer("*", mode="wrap", when_used="json", check_fields=False)
    def _exact_decimals(
        self, value: Any, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> Any:
        if isinstance(value, Decimal):
            return decimal_str(value)
        return handler(value)
