"""`trading engine` in a child process, with a self-driving test venue registered first.

Usage: `python -m tests.support.engine_proc engine --engine-id X --exchanges kalshi`.
The arguments after the module go to the real `trading` command line
(`services.cli.main:app`, the console script's target); before handing over,
this registers a paper-only test venue for Kalshi through the venue registry
whose feed moves a random-walk book every 20 ms for each subscribed
instrument. Nothing else differs from `trading engine`.
"""

from __future__ import annotations

import asyncio
import random
import sys

from services.engine.adapters.base import (
    FeedHandler,
    VenueAdapter,
    VenueCredentials,
    VenueEndpoints,
)
from services.engine.adapters.registry import register_venue
from services.engine.core.types import FeedChannel
from services.shared.generated.enums import Exchange
from tests.support.fake_venue import FakeFeed

TICK_SECS = 0.02


class DrivenFeed(FakeFeed):
    """A FakeFeed that moves its own books."""

    def __init__(self, exchange: Exchange, seed: int = 1) -> None:
        super().__init__(exchange)
        self._rng = random.Random(seed)
        self._mid: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self, handler: FeedHandler) -> None:
        await super().start(handler)
        self._task = asyncio.create_task(self._drive())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await super().stop()

    async def _drive(self) -> None:
        while True:
            for instrument, channel in list(self.subscribed):
                if channel is not FeedChannel.BOOK:
                    continue
                mid = self._mid.get(instrument, 10_000) + self._rng.choice((-3, -1, 0, 1, 3))
                self._mid[instrument] = mid
                self.push_book(instrument, f"{(mid - 1) / 100:.2f}", f"{(mid + 1) / 100:.2f}")
                self.push_trade(instrument, f"{mid / 100:.2f}")
            await asyncio.sleep(TICK_SECS)


def main() -> None:
    """Register the venue, then run the `trading` CLI with the remaining arguments."""
    feed = DrivenFeed(Exchange.KALSHI)

    def factory(endpoints: VenueEndpoints, credentials: VenueCredentials | None) -> VenueAdapter:
        return VenueAdapter(feed, None, None)

    register_venue(Exchange.KALSHI, factory)
    from services.cli.main import app

    app(args=sys.argv[1:], prog_name="trading")


if __name__ == "__main__":
    main()
