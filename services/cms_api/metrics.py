"""Prometheus metrics of the CMS API, in a registry per app instance.

A registry per app (not prometheus-client's global one) lets tests and
`trading up` build several apps in one process without duplicate-metric errors.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass(frozen=True)
class ApiMetrics:
    """The counters and gauges the API exports on /metrics."""

    registry: CollectorRegistry
    relayed_events: Counter
    malformed_events: Counter
    relay_losses: Counter
    socket_clients: Gauge

    @classmethod
    def create(cls) -> ApiMetrics:
        """Return fresh metrics in their own registry."""
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            relayed_events=Counter(
                "cms_relay_events",
                "Engine events relayed from Redis to Socket.IO clients",
                registry=registry,
            ),
            malformed_events=Counter(
                "cms_relay_malformed_events",
                "Messages on engine event channels that were not valid envelopes (dropped)",
                registry=registry,
            ),
            relay_losses=Counter(
                "cms_relay_subscription_losses",
                "Times the relay lost a live Redis subscription (it then resubscribes)",
                registry=registry,
            ),
            socket_clients=Gauge(
                "cms_socket_clients", "Connected Socket.IO clients", registry=registry
            ),
        )
