"""`trading book`: run the engine's real adapter feed and print one instrument's book.

Endpoints come from Settings (OKX_REST_URL, OKX_WS_PUBLIC_URL, ... - DESIGN §5),
so pointing the variables at a simulator prints the simulator's book through
exactly the code the engine runs. Credentials, where a venue's feed needs them,
come from the environment (DESIGN §6).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

import orjson
import typer
from pydantic import SecretStr

from services.cli.runtime import run_async
from services.engine.adapters.base import FeedProvider, VenueCredentials, VenueError
from services.engine.adapters.registry import UnknownVenue, load_entry_points
from services.engine.core.book import L2Book
from services.engine.core.types import (
    FeedChannel,
    FeedState,
    FundingRate,
    MarkPrice,
    Ticker,
    TradeTick,
)
from services.engine.runtime.venues import connect_venue
from services.shared.generated.enums import Exchange
from services.shared.logs import configure_logging
from services.shared.settings import get_settings

EXIT_TIMEOUT = 3
EXIT_UNKNOWN_INSTRUMENT = 4
EXIT_VENUE_ERROR = 5

# Per venue: VenueCredentials field -> environment variable (DESIGN §6).
_CREDENTIAL_ENV: dict[Exchange, dict[str, str]] = {
    Exchange.OKX: {
        "api_key": "OKX_API_KEY",
        "secret_key": "OKX_SECRET_KEY",
        "passphrase": "OKX_PASSPHRASE",
    },
    Exchange.KALSHI: {"api_key": "KALSHI_API_KEY_ID", "private_key": "KALSHI_PRIVATE_KEY_PATH"},
    Exchange.POLYMARKET: {"private_key": "POLYMARKET_PRIVATE_KEY"},
}
_EXTRA_ENV: dict[Exchange, dict[str, str]] = {
    Exchange.POLYMARKET: {
        "funder": "POLYMARKET_FUNDER",
        "signature_type": "POLYMARKET_SIGNATURE_TYPE",
    },
}


class BookFailed(Exception):
    """The book could not be printed; `exit_code` says why."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def credentials_from_env(
    exchange: Exchange, env: Mapping[str, str] = os.environ
) -> VenueCredentials | None:
    """The venue's credentials from the environment, or None when none are set."""
    values = {
        field: SecretStr(env[var])
        for field, var in _CREDENTIAL_ENV.get(exchange, {}).items()
        if env.get(var)
    }
    extra = {k: SecretStr(env[v]) for k, v in _EXTRA_ENV.get(exchange, {}).items() if env.get(v)}
    if not values and not extra:
        return None
    return VenueCredentials(**values, extra=extra)


def book_json(exchange: Exchange, book: L2Book, depth: int | None) -> dict[str, Any]:
    """`{"exchange","instrument","seq","bids","asks"}`, best first, decimals as strings."""
    return {
        "exchange": exchange.value,
        "instrument": book.instrument,
        "seq": book.seq,
        "bids": [[format(p, "f"), format(s, "f")] for p, s in book.bids(depth)],
        "asks": [[format(p, "f"), format(s, "f")] for p, s in book.asks(depth)],
    }


class _CountingHandler:
    """A FeedHandler that signals once the book has changed `target` times."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.updates = 0
        self.done = asyncio.Event()
        self.failed: str | None = None
        self.book: L2Book | None = None

    def on_book(self, book: L2Book) -> None:
        self.updates += 1
        if self.updates >= self.target and not self.done.is_set():
            # Copy now: later messages keep changing the live book.
            snapshot = L2Book(book.exchange, book.instrument)
            snapshot.apply_snapshot(book.bids(), book.asks(), seq=book.seq, ts_ms=book.ts_ms)
            self.book = snapshot
            self.done.set()

    def on_trade(self, trade: TradeTick) -> None:
        """Not subscribed."""

    def on_ticker(self, ticker: Ticker) -> None:
        """Not subscribed."""

    def on_funding(self, funding: FundingRate) -> None:
        """Not subscribed."""

    def on_mark(self, mark: MarkPrice) -> None:
        """Not subscribed."""

    def on_feed_state(
        self, instrument: str, channel: FeedChannel, state: FeedState, reason: str | None
    ) -> None:
        if state is FeedState.UNSUBSCRIBED and reason:
            self.failed = reason
            self.done.set()


def _ensure_registered(exchange: Exchange) -> None:
    from services.engine.adapters.registry import venue_factory

    try:
        venue_factory(exchange)
        return
    except UnknownVenue:
        pass
    load_entry_points()
    try:
        venue_factory(exchange)
    except UnknownVenue:
        # Not installed as an entry point (e.g. an editable checkout): import by convention.
        try:
            importlib.import_module(f"services.engine.adapters.{exchange.value}")
        except ImportError as exc:
            raise BookFailed(f"no adapter for {exchange.value}: {exc}", 2) from exc


async def fetch_book(
    exchange: Exchange, instrument: str, *, updates: int, timeout_secs: float
) -> L2Book:
    """Run the adapter feed until `updates` book updates arrived; return the book then."""
    _ensure_registered(exchange)
    adapter = connect_venue(exchange, get_settings(), credentials_from_env(exchange))
    feed: FeedProvider = adapter.feed
    handler = _CountingHandler(updates)
    try:
        await feed.start(handler)
        try:
            async with asyncio.timeout(timeout_secs):
                await feed.instrument(instrument)
        except VenueError as exc:
            raise BookFailed(
                f"unknown instrument {instrument!r} on {exchange.value}: {exc}",
                EXIT_UNKNOWN_INSTRUMENT,
            ) from exc
        await feed.subscribe(instrument, FeedChannel.BOOK)
        async with asyncio.timeout(timeout_secs):
            await handler.done.wait()
    except TimeoutError as exc:
        raise BookFailed(
            f"timed out after {timeout_secs:g}s with {handler.updates}/{updates} book updates "
            f"for {instrument} on {exchange.value}",
            EXIT_TIMEOUT,
        ) from exc
    except VenueError as exc:
        raise BookFailed(f"{exchange.value}: {exc}", EXIT_VENUE_ERROR) from exc
    finally:
        await feed.stop()
    if handler.failed is not None or handler.book is None:
        raise BookFailed(f"subscription failed: {handler.failed}", EXIT_UNKNOWN_INSTRUMENT)
    return handler.book


def book(
    exchange: str = typer.Option(..., "--exchange", help="Venue: okx, polymarket or kalshi."),
    instrument: str = typer.Option(..., "--instrument", help="The venue's instrument id."),
    updates: int = typer.Option(1, "--updates", min=1, help="Book updates to wait for."),
    depth: int | None = typer.Option(None, "--depth", min=1, help="Levels per side to print."),
    timeout_secs: float = typer.Option(30.0, "--timeout-secs", help="Give up after this long."),
) -> None:
    """Print an instrument's book (JSON) as the engine's adapter sees it after N updates."""
    try:
        venue = Exchange(exchange)
    except ValueError as exc:
        valid = ", ".join(e.value for e in Exchange)
        raise typer.BadParameter(
            f"unknown exchange {exchange!r}; valid: {valid}", param_hint="--exchange"
        ) from exc
    settings = get_settings()
    configure_logging("WARNING" if settings.log_level.upper() == "INFO" else settings.log_level)
    result: dict[str, Any] = {}

    async def main() -> None:
        got = await fetch_book(venue, instrument, updates=updates, timeout_secs=timeout_secs)
        result.update(book_json(venue, got, depth))

    try:
        run_async(main())
    except BookFailed as exc:
        typer.echo(f"trading book: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from exc
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
