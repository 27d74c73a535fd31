"""feed_parse: raw venue WS message -> applied L2Book -> best bid/ask (DESIGN §8).

OKX: `books` one-level update messages, as bytes exactly as a socket hands
them over, fed through the real adapter path (`OkxFeed.on_raw`: decode,
seqId/prevSeqId check, Decimal levels, `L2Book.apply_delta`, handler reading
best bid and ask). Checksums are 0, as OKX has sent since mid-2026.

Baselines in the same run over the same bytes: `orjson.loads` alone; a plain
loop of `orjson.loads` + dict updates of the levels (no validation, no
ordering); and `orjson.loads` + a SortedDict per side with float keys + best
bid/ask (the "plain orjson + sorted-map loop" of DESIGN §8). `ratio` = okx
msgs/s / plain dict loop msgs/s.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from decimal import Decimal
from typing import Any

import orjson
from sortedcontainers import SortedDict

from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.okx.http import OkxHttpClient
from services.engine.adapters.okx.providers import OkxInstrumentProvider
from services.engine.bench.runner import BenchResult
from services.engine.core.book import L2Book
from services.engine.core.types import (
    FeedChannel,
    FeedState,
    FundingRate,
    MarkPrice,
    Ticker,
    TradeTick,
)

INSTRUMENT = "BTC-USDT-SWAP"
MESSAGES = 200_000
DEPTH = 400  # levels per side of the starting snapshot (the `books` depth)
ROUNDS = 3
TICK = Decimal("0.1")


def okx_messages(count: int = MESSAGES, *, seed: int = 7) -> tuple[bytes, list[bytes]]:
    """A `books` snapshot and `count` one-level updates chained by seqId."""
    rng = random.Random(seed)
    mid = 650_000  # in ticks
    bids = [
        [str(Decimal(mid - i) * TICK), str(rng.randint(1, 50)), "0", "1"]
        for i in range(1, DEPTH + 1)
    ]
    asks = [[str(Decimal(mid + i) * TICK), str(rng.randint(1, 50)), "0", "1"] for i in range(DEPTH)]
    seq = 1_000
    ts = 1_700_000_000_000
    snapshot = orjson.dumps(
        {
            "arg": {"channel": "books", "instId": INSTRUMENT},
            "action": "snapshot",
            "data": [
                {
                    "asks": asks,
                    "bids": bids,
                    "ts": str(ts),
                    "checksum": 0,
                    "prevSeqId": -1,
                    "seqId": seq,
                }
            ],
        }
    )
    updates = []
    for i in range(count):
        side = i & 1
        offset = rng.randint(1, 40)
        px = str(Decimal(mid - offset if side else mid + offset - 1) * TICK)
        # Mostly size changes, some deletes (re-added later by other updates).
        size = "0" if rng.random() < 0.15 else str(rng.randint(1, 80))
        level = [[px, size, "0", "1"]]
        data = {
            "asks": [] if side else level,
            "bids": level if side else [],
            "ts": str(ts + i),
            "checksum": 0,
            "prevSeqId": seq,
            "seqId": seq + 1,
        }
        seq += 1
        updates.append(
            orjson.dumps(
                {
                    "arg": {"channel": "books", "instId": INSTRUMENT},
                    "action": "update",
                    "data": [data],
                }
            )
        )
    return snapshot, updates


class _TopOfBook:
    """A FeedHandler that reads best bid and ask on every book update."""

    def __init__(self) -> None:
        self.updates = 0
        self.last: tuple[Any, Any] = (None, None)
        self.states: list[FeedState] = []

    def on_book(self, book: L2Book) -> None:
        self.updates += 1
        self.last = (book.best_bid(), book.best_ask())

    def on_trade(self, trade: TradeTick) -> None: ...
    def on_ticker(self, ticker: Ticker) -> None: ...
    def on_funding(self, funding: FundingRate) -> None: ...
    def on_mark(self, mark: MarkPrice) -> None: ...

    def on_feed_state(
        self, instrument: str, channel: FeedChannel, state: FeedState, reason: str | None
    ) -> None:
        self.states.append(state)


async def _okx_rate(snapshot: bytes, updates: list[bytes]) -> float:
    config = OkxConfig()
    feed = OkxFeed(config, OkxInstrumentProvider(OkxHttpClient(config), config))
    handler = _TopOfBook()
    feed.bind(handler)
    await feed.subscribe(INSTRUMENT, FeedChannel.BOOK)
    feed.on_raw(snapshot)
    on_raw = feed.on_raw
    start = time.perf_counter()
    for raw in updates:
        on_raw(raw)
    elapsed = time.perf_counter() - start
    if handler.updates != len(updates) + 1 or feed.resyncs or feed.bad_messages:
        raise RuntimeError(
            f"feed_parse: {handler.updates} book updates for {len(updates) + 1} messages, "
            f"resyncs {dict(feed.resyncs)}, bad {dict(feed.bad_messages)}"
        )
    return len(updates) / elapsed


def _orjson_rate(updates: list[bytes]) -> float:
    loads = orjson.loads
    start = time.perf_counter()
    for raw in updates:
        loads(raw)
    return len(updates) / (time.perf_counter() - start)


def _plain_loop_rate(snapshot: bytes, updates: list[bytes]) -> float:
    loads = orjson.loads
    first = loads(snapshot)["data"][0]
    bids = {level[0]: level[1] for level in first["bids"]}
    asks = {level[0]: level[1] for level in first["asks"]}
    start = time.perf_counter()
    for raw in updates:
        data = loads(raw)["data"][0]
        for level in data["bids"]:
            if level[1] == "0":
                bids.pop(level[0], None)
            else:
                bids[level[0]] = level[1]
        for level in data["asks"]:
            if level[1] == "0":
                asks.pop(level[0], None)
            else:
                asks[level[0]] = level[1]
    return len(updates) / (time.perf_counter() - start)


def _sorted_map_rate(snapshot: bytes, updates: list[bytes]) -> float:
    """orjson + a SortedDict per side (float keys) + best bid/ask: DESIGN §8's ~500k/s loop."""
    loads = orjson.loads
    first = loads(snapshot)["data"][0]
    bids = SortedDict({-float(level[0]): level[1] for level in first["bids"]})
    asks = SortedDict({float(level[0]): level[1] for level in first["asks"]})
    start = time.perf_counter()
    for raw in updates:
        data = loads(raw)["data"][0]
        for level in data["bids"]:
            if level[1] == "0":
                bids.pop(-float(level[0]), None)
            else:
                bids[-float(level[0])] = level[1]
        for level in data["asks"]:
            if level[1] == "0":
                asks.pop(float(level[0]), None)
            else:
                asks[float(level[0])] = level[1]
        bids.peekitem(0)
        asks.peekitem(0)
    return len(updates) / (time.perf_counter() - start)


def run(messages: int = MESSAGES, rounds: int = ROUNDS) -> BenchResult:
    """Best of `rounds` for the adapter path and for both baselines."""
    snapshot, updates = okx_messages(messages)
    okx: list[float] = []
    raw_json: list[float] = []
    plain: list[float] = []
    sorted_map: list[float] = []
    gc.collect()
    for _ in range(rounds):
        okx.append(asyncio.run(_okx_rate(snapshot, updates)))
        raw_json.append(_orjson_rate(updates))
        plain.append(_plain_loop_rate(snapshot, updates))
        sorted_map.append(_sorted_map_rate(snapshot, updates))
    best_okx, best_plain = max(okx), max(plain)
    return {
        "bench": "feed_parse",
        "metrics": {
            "okx_msgs_per_s": round(best_okx),
            "polymarket_msgs_per_s": None,
            "kalshi_msgs_per_s": None,
        },
        "baseline": {
            "orjson_loads_per_s": round(max(raw_json)),
            "plain_dict_loop_per_s": round(best_plain),
            "orjson_sorted_map_per_s": round(max(sorted_map)),
        },
        "ratio": round(best_okx / best_plain, 3),
        "messages": messages,
    }
