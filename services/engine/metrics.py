"""Prometheus metrics of the engine process (served on ENGINE_METRICS_PORT)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter("engine_events_published_total", "Events published on Pub/Sub", ["type"])
EVENTS_PUBLISH_FAILED = Counter(
    "engine_events_publish_failed_total", "Events that could not be published", ["type"]
)
COMMANDS_RECEIVED = Counter("engine_commands_total", "Commands received", ["type", "ok"])
COMMANDS_MALFORMED = Counter("engine_commands_malformed_total", "Undecodable commands")
HEARTBEATS = Counter("engine_heartbeats_total", "Registry heartbeats written")
HEARTBEAT_FAILURES = Counter("engine_heartbeat_failures_total", "Registry writes that failed")
LOOP_LAG = Histogram(
    "engine_event_loop_lag_seconds",
    "Delay between a timer's due time and when it ran",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
ACTIVE_BOTS = Gauge("engine_active_bots", "Bots running on this engine")
OUTBOX_DEPTH = Gauge("engine_outbox_depth", "Durable events not yet acknowledged by the workers")
