"""Test strategies and small async helpers for the runtime unit tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from services.engine.core.book import L2Book
from services.engine.core.types import TradeTick
from services.engine.strategies.base import (
    OrderRequest,
    Strategy,
    StrategyContext,
    StrategyParams,
)
from services.shared.generated.entities import Fill, Order
from services.shared.generated.enums import OrderSide


class RecorderParams(StrategyParams):
    raise_on_book: int | None = None
    submit_size: Decimal | None = None
    block_ms: float = 0


class Recorder(Strategy[RecorderParams]):
    """Records every hook call; can raise, submit or be slow on demand."""

    name = "recorder"
    params_model = RecorderParams
    instances: list[Recorder] = []

    def __init__(self, params: RecorderParams) -> None:
        super().__init__(params)
        self.calls: list[str] = []
        self.books: list[tuple[str, Decimal | None]] = []
        self.orders: list[Order] = []
        self.fills: list[Fill] = []
        self.submitted: list[str | None] = []
        self.rejects: list[str | None] = []
        Recorder.instances.append(self)

    def on_start(self, ctx: StrategyContext) -> None:
        self.calls.append("start")

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        self.calls.append("book")
        bid = book.best_bid()
        self.books.append((book.instrument, bid[0] if bid else None))
        if self.params.block_ms:
            time.sleep(self.params.block_ms / 1000)  # a slow strategy, on purpose
        if self.params.raise_on_book is not None and len(self.books) >= self.params.raise_on_book:
            raise RuntimeError("recorder exploded")
        if self.params.submit_size is not None and bid is not None:
            self.submitted.append(
                ctx.submit(
                    OrderRequest(
                        instrument=book.instrument,
                        side=OrderSide.BUY,
                        size=self.params.submit_size,
                        price=bid[0],
                    )
                )
            )
            self.rejects.append(ctx.last_reject)

    def on_trade(self, ctx: StrategyContext, trade: TradeTick) -> None:
        self.calls.append("trade")

    def on_order(self, ctx: StrategyContext, order: Order) -> None:
        self.calls.append(f"order:{order.status.value}")
        self.orders.append(order)

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.calls.append("fill")
        self.fills.append(fill)

    def on_timer(self, ctx: StrategyContext, now_ms: int) -> None:
        self.calls.append("timer")

    def on_stop(self, ctx: StrategyContext) -> None:
        self.calls.append("stop")


async def eventually(
    check: Callable[[], bool], *, timeout_secs: float = 3.0, what: str = "condition"
) -> None:
    """Yield to the loop until `check()` holds, or fail after the deadline."""
    deadline = time.monotonic() + timeout_secs
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)
