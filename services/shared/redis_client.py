"""Redis connections: a plain URL or Sentinel, with separate pools per use.

Publishing, subscribing and cache/registry traffic get their own connection
pools so that a blocked subscriber or a burst of publishes never starves the
others (and a Pub/Sub connection is never returned to a shared pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel

from services.shared.settings import Settings


@dataclass
class RedisFactory:
    """Build Redis clients from settings; `close()` releases every pool it made."""

    settings: Settings
    _clients: list[Redis] = field(default_factory=list)
    _sentinel: Sentinel | None = None

    def _get_sentinel(self) -> Sentinel:
        if self._sentinel is None:
            timeout = self.settings.redis_socket_timeout_secs
            self._sentinel = Sentinel(  # type: ignore[no-untyped-call]
                self.settings.sentinel_addresses,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
            )
        return self._sentinel

    def _make(self, *, name: str) -> Redis:
        s = self.settings
        timeout = s.redis_socket_timeout_secs
        if s.sentinel_addresses:
            client: Redis = self._get_sentinel().master_for(
                s.redis_sentinel_master,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                client_name=name,
            )
        else:
            client = Redis.from_url(
                s.redis_url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                client_name=name,
            )
        self._clients.append(client)
        return client

    def publisher(self) -> Redis:
        """Return a client for PUBLISH."""
        return self._make(name="publish")

    def subscriber(self) -> Redis:
        """Return a client whose connections are used for Pub/Sub only.

        No socket timeout: a subscriber waits for messages indefinitely.
        """
        s = self.settings
        if s.sentinel_addresses:
            return self._make(name="subscribe")
        client: Redis = Redis.from_url(
            s.redis_url,
            socket_connect_timeout=s.redis_socket_timeout_secs,
            health_check_interval=5,
            client_name="subscribe",
        )
        self._clients.append(client)
        return client

    def arq(self) -> ArqRedis:
        """Return an arq client (a Redis subclass) for enqueueing durable jobs."""
        s = self.settings
        timeout = s.redis_socket_timeout_secs
        if s.sentinel_addresses:
            client: ArqRedis = self._get_sentinel().master_for(
                s.redis_sentinel_master,
                redis_class=ArqRedis,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
            )
        else:
            client = ArqRedis.from_url(
                s.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        self._clients.append(client)
        return client

    def cache(self) -> Redis:
        """Return a client for keys (registry, leases, marks)."""
        return self._make(name="cache")

    async def close(self) -> None:
        """Close every client this factory created."""
        clients, self._clients = self._clients, []
        for client in clients:
            await client.aclose()
