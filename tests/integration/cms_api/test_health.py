"""/health follows Redis and MongoDB going away and coming back, without a restart."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from services.cli.local_servers import ManagedProcess, free_port, start_mongo, start_redis
from services.shared.settings import Settings
from tests.integration.cms_api.conftest import RunningApi
from tests.support.waiting import wait_until

OK = {"status": "ok", "checks": {"redis": "ok", "mongo": "ok"}}


class Private:
    """Throw-away Redis and MongoDB servers this test may stop and restart."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.redis_port, self.mongo_port = free_port(), free_port()
        self.redis: ManagedProcess | None = start_redis(self.redis_port, workdir / "redis")
        self.mongo: ManagedProcess | None = start_mongo(self.mongo_port, workdir / "mongo")

    def stop(self, name: str) -> None:
        server = getattr(self, name)
        assert server is not None
        _halt(server)
        setattr(self, name, None)

    def start(self, name: str) -> None:
        if name == "redis":
            self.redis = start_redis(self.redis_port, self.workdir / "redis")
        else:
            self.mongo = start_mongo(self.mongo_port, self.workdir / "mongo")

    def close(self) -> None:
        for server in (self.redis, self.mongo):
            if server is not None:
                _halt(server)


def _halt(server: ManagedProcess) -> None:
    # A crash, the harshest outage; also instant (SecantusDB takes 2-10 s to exit
    # on SIGINT/SIGTERM once a client has connected). Both servers are in-memory.
    server.signal(signal.SIGKILL)
    assert server.proc is not None
    server.proc.wait(timeout=10)
    server.stop()


@pytest.fixture
def private(tmp_path: Path) -> Iterator[Private]:
    servers = Private(tmp_path)
    yield servers
    servers.close()


async def _until_healthy(api: RunningApi) -> None:
    async def healthy() -> bool:
        response = await api.client.get("/health")
        return response.status_code == 200 and response.json() == OK

    await wait_until(healthy, timeout_secs=15, interval_secs=0.1, what="/health to recover")


@pytest.mark.parametrize("dependency", ["redis", "mongo"])
async def test_health_reports_a_down_dependency_and_recovers_by_itself(
    private: Private,
    settings: Settings,
    api_factory: Callable[[Settings], AbstractAsyncContextManager[RunningApi]],
    dependency: str,
) -> None:
    own = settings.model_copy(
        update={
            "redis_url": f"redis://127.0.0.1:{private.redis_port}/0",
            "mongo_url": f"mongodb://127.0.0.1:{private.mongo_port}",
        }
    )
    other = "mongo" if dependency == "redis" else "redis"
    async with api_factory(own) as api:
        await _until_healthy(api)

        private.stop(dependency)
        started = time.monotonic()
        response = await api.client.get("/health")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "fail"
        assert body["failed"] == [dependency]
        assert body["checks"][other] == "ok"
        assert body["checks"][dependency].startswith("error: ")
        # A dead dependency never hangs the endpoint.
        assert elapsed < 2.0

        if dependency == "redis":
            # Reads that need Redis answer 503 in the error shape, not 500.
            engines = await api.client.get("/api/engines")
            assert engines.status_code == 503
            assert engines.json()["error"]["code"] == "dependency_unavailable"

        private.start(dependency)
        await _until_healthy(api)
