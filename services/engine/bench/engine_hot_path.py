"""engine_hot_path: book update -> strategy -> risk -> order intent, in process (DESIGN §8).

The measured path is the engine's own: a venue feed applies a one-level delta
to its `L2Book` and hands it to the `FeedManager`, which offers it to the
bot's inbox; the bot's task (a real `BotRunner` on uvloop when installed)
calls the strategy's `on_book`, which submits a limit order at the best bid
through its `StrategyContext`; the `OrderRouter` builds the `OrderIntent`,
runs the full `RiskManager.check` (with the seven per-bot limits of
`RISK_LIMITS` set) and hands the accepted intent on. The bench stops there:
the intent sink stands in for the order lane (venue I/O is not part of the
hot path).

Every update reaches the strategy (the producer yields to the loop after each
one, so nothing is coalesced; the result says how many were). Latency is
measured per update from before the delta is applied to the intent leaving
risk. The intent sink removes each intent from risk's in-flight set at once,
as an acknowledgement would, so the open-order figure risk computes stays
realistic instead of growing with every update of the run.

Baseline in the same run: a plain loop over the same deltas doing the same
work without the engine (apply to the book, read best bid/ask, build the
intent, one size check). `ratio` = engine updates/s / baseline updates/s.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from decimal import Decimal
from typing import Any

import structlog

from services.engine.adapters.base import FeedHandler, FeedProvider
from services.engine.bench.runner import BenchResult
from services.engine.core.book import L2Book
from services.engine.core.types import FeedChannel, OrderIntent
from services.engine.runtime.engine import EngineRuntime, RuntimeConfig
from services.engine.strategies.base import (
    OrderRequest,
    Strategy,
    StrategyContext,
    StrategyParams,
)
from services.engine.strategies.registry import StrategyCatalog
from services.shared.generated.entities import BotConfig, Instrument
from services.shared.generated.enums import (
    EngineStatus,
    Exchange,
    InstrumentKind,
    OrderSide,
    OrderType,
)
from services.shared.logs import configure_logging
from services.shared.settings import Settings

UPDATES = 200_000
WARMUP = 5_000
ROUNDS = 3
DEPTH = 50
INSTRUMENT = "BTC-USD"
TICK = Decimal("0.01")
EXCHANGE = Exchange.KALSHI
# The bot's limits: every pre-trade rule a typical bot configures. The order
# rate limit sits above the bench's own rate (~200k intents per round), so
# every intent is accepted while the rule still counts its 60 s window.
RISK_LIMITS: dict[str, Any] = {
    "maxOrderSize": "1",
    "maxOrderNotional": "10000",
    "maxPositionSize": "100",
    "maxOpenOrders": 50,
    "maxOrdersPerMinute": 1_000_000,
    "priceBandPct": "5",
    "maxDailyLoss": "1000",
}

Delta = tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]


def book_stream(count: int, *, seed: int = 11) -> tuple[Delta, list[Delta]]:
    """A snapshot and `count` one-level deltas of a random-walk book (Decimal prices)."""
    rng = random.Random(seed)
    mid = 10_000  # ticks
    bids = [(Decimal(mid - i) * TICK, Decimal(rng.randint(1, 50))) for i in range(1, DEPTH + 1)]
    asks = [(Decimal(mid + i) * TICK, Decimal(rng.randint(1, 50))) for i in range(1, DEPTH + 1)]
    deltas: list[Delta] = []
    for i in range(count):
        offset = rng.randint(1, 20)
        size = Decimal(0) if rng.random() < 0.1 else Decimal(rng.randint(1, 80))
        if i & 1:
            deltas.append(([(Decimal(mid - offset) * TICK, size)], []))
        else:
            deltas.append(([], [(Decimal(mid + offset) * TICK, size)]))
    return (bids, asks), deltas


class BenchParams(StrategyParams):
    """Fixed order size."""

    size: Decimal = Decimal("0.01")


class BidJoiner(Strategy[BenchParams]):
    """Submit a limit buy at the best bid on every book update."""

    name = "bench_bid_joiner"
    params_model = BenchParams

    def on_book(self, ctx: StrategyContext, book: L2Book) -> None:
        bid = book.best_bid()
        if bid is not None:
            ctx.submit(
                OrderRequest(
                    instrument=book.instrument,
                    side=OrderSide.BUY,
                    size=self.params.size,
                    price=bid[0],
                    type=OrderType.LIMIT,
                )
            )


class _StreamFeed(FeedProvider):
    """A venue feed replaying the generated stream into the engine's handler."""

    def __init__(self) -> None:
        self.exchange = EXCHANGE
        self.handler: FeedHandler | None = None
        self.book_ = L2Book(EXCHANGE.value, INSTRUMENT)

    async def start(self, handler: FeedHandler) -> None:
        self.handler = handler

    async def stop(self) -> None:
        self.handler = None

    async def subscribe(self, instrument: str, channel: FeedChannel) -> None:
        return None

    async def unsubscribe(self, instrument: str, channel: FeedChannel) -> None:
        return None

    def book(self, instrument: str) -> L2Book | None:
        return self.book_ if instrument == INSTRUMENT else None

    async def instruments(self) -> list[Instrument]:
        return [await self.instrument(INSTRUMENT)]

    async def instrument(self, symbol: str) -> Instrument:
        return Instrument(
            exchange=EXCHANGE,
            symbol=symbol,
            kind=InstrumentKind.SPOT,
            base="BTC",
            quote="USD",
            tickSize=TICK,
            lotSize=Decimal("0.001"),
            minSize=Decimal("0.001"),
        )


class _Host:
    """The RuntimeHost of the bench: counts events instead of publishing them."""

    engine_id = "bench"
    exchanges = [EXCHANGE]

    def __init__(self) -> None:
        self.events = 0

    def publish(
        self,
        event_type: Any,
        payload: Any,
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        self.events += 1

    async def set_status(self, status: EngineStatus, reason: str) -> None:
        return None


async def _engine_rate(snapshot: Delta, warmup: list[Delta], deltas: list[Delta]) -> dict[str, Any]:
    from redis.asyncio import Redis

    from services.engine.adapters import registry as venue_registry
    from services.engine.adapters.base import VenueAdapter
    from services.engine.paper.executor import PaperExecutor

    feed = _StreamFeed()
    previous = venue_registry._FACTORIES.get(EXCHANGE)
    venue_registry.register_venue(EXCHANGE, lambda _e, _c: VenueAdapter(feed, None, None))
    catalog = StrategyCatalog()
    catalog.register(BidJoiner)
    host = _Host()
    # Never contacted: leases and fail-closed are not part of the hot path.
    cache = Redis.from_url("redis://127.0.0.1:9/0")

    class _Silent(PaperExecutor):
        def on_book(self, book: L2Book) -> None:  # the paper tap is not in the measured path
            return None

    runtime = EngineRuntime(
        host,
        Settings(),
        cache,
        config=RuntimeConfig(),
        catalog=catalog,
        paper_factory=lambda cfg, clock, _kit: _Silent(cfg.exchange, {}, clock=clock),
    )
    config = BotConfig.model_validate(
        {
            "id": "bench-bot",
            "name": "bench",
            "exchange": EXCHANGE.value,
            "mode": "paper",
            "strategy": BidJoiner.name,
            "instruments": [INSTRUMENT],
            "tickIntervalMs": 60_000,
            "riskLimits": RISK_LIMITS,
        }
    )
    runner = runtime._runner_for(config)
    await runner.start("bench")
    risk_inflight = runtime.risk._bots[runner.bot_id].inflight
    latencies: list[int] = []
    starts: list[int] = [0]
    perf = time.perf_counter_ns

    def sink(intent: OrderIntent) -> None:
        latencies.append(perf() - starts[0])
        # Acknowledged at once (see the module docstring).
        risk_inflight.pop(intent.client_order_id, None)

    runtime.router.intent_sink = sink
    book = feed.book_
    book.apply_snapshot(*snapshot)
    handler = feed.handler
    assert handler is not None
    apply_delta = book.apply_delta
    on_book = handler.on_book
    sleep = asyncio.sleep
    try:
        for bids, asks in warmup:
            apply_delta(bids, asks)
            on_book(book)
            await sleep(0)
        latencies.clear()
        handled0 = runner.books_handled
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        for bids, asks in deltas:
            starts[0] = perf()
            apply_delta(bids, asks)
            on_book(book)
            await sleep(0)
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
        await runner.stop("bench done")
        await asyncio.sleep(0)  # let the lease release stop() spawned run; shutdown cancels it
        await runtime.shutdown()
        await cache.aclose()
        if previous is None:
            venue_registry._FACTORIES.pop(EXCHANGE, None)
        else:
            venue_registry.register_venue(EXCHANGE, previous)
    latencies.sort()
    n = len(latencies)
    return {
        "updates_per_s": len(deltas) / elapsed,
        "p50_us": latencies[n // 2] / 1000 if n else None,
        "p99_us": latencies[min(n - 1, int(n * 0.99))] / 1000 if n else None,
        "intents": n,
        "strategy_calls": runner.books_handled - handled0,
        "coalesced": runner.inbox.books_coalesced,
    }


def _baseline_rate(snapshot: Delta, deltas: list[Delta]) -> float:
    """The same work as a plain loop: apply, top of book, intent, one size check."""
    book = L2Book(EXCHANGE.value, INSTRUMENT)
    book.apply_snapshot(*snapshot)
    size = Decimal("0.01")
    limit = Decimal(1)
    sink: list[OrderIntent] = []
    append = sink.append
    apply_delta = book.apply_delta
    n = 0
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        for bids, asks in deltas:
            apply_delta(bids, asks)
            bid = book.best_bid()
            if bid is not None and size <= limit:
                n += 1
                append(
                    OrderIntent(
                        "b",
                        "kalshi",
                        INSTRUMENT,
                        OrderSide.BUY,
                        OrderType.LIMIT,
                        size,
                        f"x{n}",
                        bid[0],
                    )
                )
            if len(sink) > 4096:
                sink.clear()
        elapsed = time.perf_counter() - t0
    finally:
        gc.enable()
    return len(deltas) / elapsed


def _run_loop(coro: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - platforms without uvloop
        return asyncio.run(coro)
    return uvloop.run(coro)


def run(updates: int = UPDATES, rounds: int = ROUNDS) -> BenchResult:
    """Best of `rounds` for the engine and the baseline, over the same stream."""
    if not structlog.is_configured():
        # Bot state lines go to stderr, at WARNING: stdout carries only the result.
        configure_logging("WARNING")
    snapshot, deltas = book_stream(updates + WARMUP)
    measured = deltas[WARMUP:]
    best: dict[str, Any] | None = None
    for _ in range(rounds):
        result = _run_loop(_engine_rate(snapshot, deltas[:WARMUP], measured))
        if best is None or result["updates_per_s"] > best["updates_per_s"]:
            best = result
    assert best is not None
    baseline = max(_baseline_rate(snapshot, measured) for _ in range(rounds))
    return {
        "bench": "engine_hot_path",
        "metrics": {
            "updates_per_s": best["updates_per_s"],
            "p50_us": best["p50_us"],
            "p99_us": best["p99_us"],
            "intents": best["intents"],
            "strategy_calls": best["strategy_calls"],
            "coalesced": best["coalesced"],
        },
        "baseline": {"raw_loop_updates_per_s": baseline},
        "ratio": best["updates_per_s"] / baseline,
    }
