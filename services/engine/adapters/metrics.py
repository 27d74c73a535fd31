"""Prometheus metrics shared by every venue adapter (label `exchange`).

Defined once here so two venues never register the same metric name twice.
"""

from __future__ import annotations

from prometheus_client import Counter

FEED_BAD_MESSAGES = Counter(
    "adapter_feed_bad_messages_total",
    "Venue messages dropped as malformed, invalid, unknown or unexpected",
    ["exchange", "reason"],
)
FEED_RESYNCS = Counter(
    "adapter_feed_resyncs_total",
    "Order book resyncs (sequence gap, checksum mismatch, reconnect)",
    ["exchange", "reason"],
)
WS_RECONNECTS = Counter(
    "adapter_ws_reconnects_total", "WebSocket reconnects", ["exchange", "stream"]
)
EXEC_RECONCILED = Counter(
    "adapter_exec_reconciled_total",
    "Order updates and fills delivered by REST reconciliation (missed on the stream)",
    ["exchange", "kind"],
)
