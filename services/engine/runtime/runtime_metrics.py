"""Prometheus metrics of the runtime (served with the engine's other metrics).

Hot-path counts (feed updates, coalesced books, dropped trades) are plain
integers on the objects that own them and are read at scrape time by one
collector: a prometheus `Counter.inc()` per book update would cost more than
the fan-out itself.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from services.engine.runtime.bot import BotRunner
    from services.engine.runtime.feeds import FeedManager

FEED_LATENCY = Histogram(
    "engine_feed_latency_seconds",
    "Venue timestamp to engine arrival of book updates (sampled)",
    ["exchange"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
FEED_SUBSCRIBES = Counter("engine_feed_subscribes_total", "Venue subscriptions made", ["exchange"])
FEED_UNSUBSCRIBES = Counter(
    "engine_feed_unsubscribes_total", "Venue subscriptions retired and dropped", ["exchange"]
)
ORDERS_PLACED = Counter("engine_orders_placed_total", "Orders accepted by a venue", ["exchange"])
ORDERS_REJECTED = Counter(
    "engine_orders_rejected_total", "Orders refused by a venue or failed to send", ["exchange"]
)
ORDERS_REFUSED = Counter(
    "engine_orders_refused_total",
    "Intents refused before risk (bot not running, engine halted, kill switch)",
    ["exchange", "reason"],
)
RISK_REJECTIONS = Counter(
    "engine_risk_rejections_total", "Intents rejected by a risk rule", ["exchange", "rule"]
)
RISK_STOPS = Counter("engine_risk_stops_total", "Bots stopped by a risk breach", ["exchange"])
CANCELS = Counter("engine_cancels_total", "Cancel requests sent", ["exchange", "ok"])
STRATEGY_ERRORS = Counter(
    "engine_strategy_errors_total", "Strategy hooks that raised (bot put in ERROR)", ["strategy"]
)
REDIS_UP = Gauge("engine_redis_up", "1 while the engine's Redis health check passes")
HALTED = Gauge("engine_halted", "1 while the engine is failed closed")
HALTS = Counter("engine_fail_closed_halts_total", "Times the engine failed closed")
RECONCILES = Counter("engine_reconciles_total", "Venue reconciliations", ["exchange", "ok"])
DEAD_MAN_REFRESHES = Counter(
    "engine_dead_man_refreshes_total", "Dead-man switch arm/refresh calls", ["exchange", "ok"]
)
LEASES_HELD = Gauge("engine_leases_held", "Bot leases this engine holds")
LEASE_RENEW_FAILURES = Counter(
    "engine_lease_renew_failures_total", "Lease renewals that failed (Redis error)"
)
LEASES_LOST = Counter("engine_leases_lost_total", "Bots stopped because their lease was at risk")
EVENTS_DROPPED = Counter(
    "engine_events_publish_dropped_total", "Events dropped from the publish queue (full)"
)

_children: dict[tuple[MetricWrapperBase, tuple[str, ...]], Any] = {}


def child(metric: MetricWrapperBase, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once per label set.

    `labels()` validates the values and takes a lock on every call (about
    three times the cost of the `inc()` that follows); the children never
    change, so the ones on per-order paths are kept here.
    """
    key = (metric, labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


_feeds: weakref.WeakSet[FeedManager] = weakref.WeakSet()
_bots: weakref.WeakSet[BotRunner] = weakref.WeakSet()


def register_feed_manager(manager: FeedManager) -> None:
    """Include `manager`'s counts in scrapes."""
    _feeds.add(manager)


def unregister_feed_manager(manager: FeedManager) -> None:
    """Stop including `manager`."""
    _feeds.discard(manager)


def register_bot(bot: BotRunner) -> None:
    """Include `bot`'s inbox counts in scrapes."""
    _bots.add(bot)


def unregister_bot(bot: BotRunner) -> None:
    """Stop including `bot`."""
    _bots.discard(bot)


class _RuntimeCollector(Collector):
    def collect(self) -> Iterator[Any]:
        updates = CounterMetricFamily(
            "engine_feed_updates", "Market data updates received", labels=["exchange", "channel"]
        )
        for manager in list(_feeds):
            for exchange, (books, trades) in manager.venue_counts().items():
                updates.add_metric([exchange, "book"], books)
                updates.add_metric([exchange, "trades"], trades)
        yield updates
        coalesced: defaultdict[str, int] = defaultdict(int)
        dropped: defaultdict[str, int] = defaultdict(int)
        delivered: defaultdict[str, int] = defaultdict(int)
        states: defaultdict[str, int] = defaultdict(int)
        for bot in list(_bots):
            ex = bot.config.exchange.value
            inbox = bot.inbox
            coalesced[ex] += inbox.books_coalesced
            dropped[ex] += inbox.trades_dropped
            delivered[ex] += bot.books_handled
            states[bot.state.value] += 1
        fam = CounterMetricFamily(
            "engine_bot_books_coalesced",
            "Book updates a bot skipped because a newer one of the same book was pending",
            labels=["exchange"],
        )
        for ex, n in coalesced.items():
            fam.add_metric([ex], n)
        yield fam
        fam = CounterMetricFamily(
            "engine_bot_trades_dropped",
            "Public trades dropped from a full bot inbox",
            labels=["exchange"],
        )
        for ex, n in dropped.items():
            fam.add_metric([ex], n)
        yield fam
        fam = CounterMetricFamily(
            "engine_bot_books_handled", "Book updates handed to strategies", labels=["exchange"]
        )
        for ex, n in delivered.items():
            fam.add_metric([ex], n)
        yield fam
        gauge = GaugeMetricFamily("engine_bots", "Bots on this engine by state", labels=["state"])
        for state, n in states.items():
            gauge.add_metric([state], n)
        yield gauge


REGISTRY.register(_RuntimeCollector())
