"""Redis connections: a plain URL or Sentinel, with separate pools per use.

Publishing, subscribing and cache/registry traffic get their own connection
pools so that a blocked subscriber or a burst of publishes never starves the
others (and a Pub/Sub connection is never returned to a shared pool).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.asyncio.sentinel import Sentinel

from services.shared.settings import Settings

R = TypeVar("R", bound=Redis)


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

    def _make(
        self, name: str, redis_class: type[R], *, read_timeout: bool = True, **extra: Any
    ) -> R:
        """One client of `redis_class`, on the Sentinel master or the plain URL."""
        s = self.settings
        options: dict[str, Any] = {
            "socket_connect_timeout": s.redis_socket_timeout_secs,
            "client_name": name,
            **extra,
        }
        if read_timeout:
            options["socket_timeout"] = s.redis_socket_timeout_secs
        if s.sentinel_addresses:
            client = self._get_sentinel().master_for(
                s.redis_sentinel_master, redis_class=redis_class, **options
            )
        else:
            client = redis_class.from_url(s.redis_url, **options)
        self._clients.append(client)
        return cast(R, client)

    def publisher(self) -> Redis:
        """Return a client for PUBLISH."""
        return self._make("publish", Redis)

    def subscriber(self) -> Redis:
        """Return a client whose connections are used for Pub/Sub only.

        No read timeout (a subscriber waits for messages indefinitely); a
        periodic health check notices a master that vanished silently.
        """
        return self._make("subscribe", Redis, read_timeout=False, health_check_interval=5)

    def arq(self) -> ArqRedis:
        """Return an arq client (a Redis subclass) for enqueueing durable jobs."""
        return self._make("arq", ArqRedis)

    def cache(self) -> Redis:
        """Return a client for keys (registry, leases, marks)."""
        return self._make("cache", Redis)

    async def close(self) -> None:
        """Close every client this factory created."""
        clients, self._clients = self._clients, []
        for client in clients:
            await client.aclose()
