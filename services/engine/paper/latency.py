"""How long the simulated venue takes to see an order or a cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Order


class LatencyModel(Protocol):
    """Delays between a request and the simulated venue acting on it."""

    def submit_delay_ms(self, intent: OrderIntent) -> int:
        """Milliseconds until a new order reaches the matching engine."""
        ...

    def cancel_delay_ms(self, order: Order) -> int:
        """Milliseconds until a cancel reaches the matching engine."""
        ...


@dataclass(frozen=True, kw_only=True)
class FixedLatency:
    """The same delay for every order and every cancel."""

    submit_ms: int = 0
    cancel_ms: int = 0

    def __post_init__(self) -> None:
        if self.submit_ms < 0 or self.cancel_ms < 0:
            raise ValueError("latency cannot be negative")

    def submit_delay_ms(self, intent: OrderIntent) -> int:
        """Return `submit_ms`."""
        return self.submit_ms

    def cancel_delay_ms(self, order: Order) -> int:
        """Return `cancel_ms`."""
        return self.cancel_ms


NO_LATENCY = FixedLatency()
