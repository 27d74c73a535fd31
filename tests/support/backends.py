"""Real Redis and MongoDB-wire servers for the test session (DESIGN §5).

TEST_BACKEND=auto (default) uses testcontainers when a Docker engine answers,
else local processes; `local`, `docker` and `external` force one way.
`external` reads TEST_REDIS_URL and TEST_MONGO_URL.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from services.cli.local_servers import ManagedProcess, free_port, start_mongo, start_redis


@dataclass(frozen=True)
class Backends:
    """Where the session's servers are."""

    kind: str
    redis_url: str
    mongo_url: str


def docker_answers(timeout_secs: float = 2.0) -> bool:
    """True when a Docker engine answers `GET /_ping` (unix socket or tcp DOCKER_HOST)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            path = host.removeprefix("unix://")
            if not Path(path).exists():
                return False
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = path
        elif host.startswith("tcp://"):
            name, _, port = host.removeprefix("tcp://").rpartition(":")
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (name, int(port))
        else:
            return False
        with sock:
            sock.settimeout(timeout_secs)
            sock.connect(address)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(256)
    except (OSError, ValueError):
        return False


@contextmanager
def local_backends(workdir: Path) -> Iterator[Backends]:
    """Start redis-server (or valkey) and SecantusDB on free ports."""
    redis: ManagedProcess | None = None
    mongo: ManagedProcess | None = None
    try:
        redis_port, mongo_port = free_port(), free_port()
        redis = start_redis(redis_port, workdir)
        mongo = start_mongo(mongo_port, workdir)
        yield Backends(
            "local", f"redis://127.0.0.1:{redis_port}/0", f"mongodb://127.0.0.1:{mongo_port}"
        )
    finally:
        for server in (mongo, redis):
            if server is not None:
                server.stop()


@contextmanager
def docker_backends() -> Iterator[Backends]:
    """Start redis:7 and mongo:7 containers."""
    from testcontainers.mongodb import MongoDbContainer
    from testcontainers.redis import RedisContainer

    with RedisContainer("redis:7") as redis, MongoDbContainer("mongo:7") as mongo:
        host = redis.get_container_host_ip()
        port = redis.get_exposed_port(6379)
        yield Backends("docker", f"redis://{host}:{port}/0", mongo.get_connection_url())


@contextmanager
def session_backends(workdir: Path) -> Iterator[Backends]:
    """Pick and start the backends named by TEST_BACKEND."""
    kind = os.environ.get("TEST_BACKEND", "auto")
    if kind not in {"auto", "local", "docker", "external"}:
        raise ValueError(f"TEST_BACKEND={kind!r}: expected auto, local, docker or external")
    if kind == "external":
        redis_url, mongo_url = os.environ.get("TEST_REDIS_URL"), os.environ.get("TEST_MONGO_URL")
        if not redis_url or not mongo_url:
            raise ValueError("TEST_BACKEND=external needs TEST_REDIS_URL and TEST_MONGO_URL")
        yield Backends("external", redis_url, mongo_url)
    elif kind == "docker" or (kind == "auto" and docker_answers()):
        with docker_backends() as backends:
            yield backends
    else:
        with local_backends(workdir) as backends:
            yield backends
