"""`noop`: subscribes to its instruments and never trades (demos, smoke tests)."""

from __future__ import annotations

from services.engine.core.book import L2Book
from services.engine.strategies.base import Strategy, StrategyContext, StrategyParams


class NoopParams(StrategyParams):
    """No parameters."""


class NoopStrategy(Strategy[NoopParams]):
    """Watch the books; place nothing."""

    name = "noop"
    display_name = "No-op"
    description = "Subscribes to its instruments and never places an order."
    params_model = NoopParams

    def __init__(self, params: NoopParams) -> None:
        super().__init__(params)
        self.books_seen = 0
        self.ticks = 0

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        """Count the update."""
        self.books_seen += 1

    def on_timer(self, ctx: StrategyContext, now_ms: int) -> None:
        """Count the tick."""
        self.ticks += 1
