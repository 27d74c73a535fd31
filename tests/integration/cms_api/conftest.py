"""Run the real API (uvicorn, lifespan and all) in-process on a free port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from services.cli.local_servers import free_port
from services.cms_api.runtime import Runtime
from services.cms_api.server import uvicorn_config
from services.shared.settings import Settings
from tests.support.waiting import wait_until


@dataclass
class RunningApi:
    """A served app and an HTTP client bound to it."""

    base_url: str
    server: uvicorn.Server
    client: httpx.AsyncClient

    @property
    def runtime(self) -> Runtime:
        """The app's open connections (for waiting on the relay)."""
        app: Any = self.server.config.app  # the socketio.ASGIApp create_app returned
        fastapi_app: FastAPI = app.other_asgi_app
        runtime: Runtime = fastapi_app.state.runtime
        return runtime


@asynccontextmanager
async def run_api(settings: Settings) -> AsyncIterator[RunningApi]:
    """Serve `create_app(settings)` with the production uvicorn config until the block ends."""
    port = free_port()
    config = uvicorn_config(settings, host="127.0.0.1", port=port)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()  # surface a startup failure
        return bool(server.started)

    await wait_until(started, timeout_secs=15, interval_secs=0.02, what="uvicorn to start")
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            yield RunningApi(base_url, server, client)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)


@pytest.fixture
def api_factory() -> Callable[[Settings], AbstractAsyncContextManager[RunningApi]]:
    """`async with api_factory(settings) as api:` runs an API for the block."""
    return run_api


@pytest.fixture
async def api(settings: Settings, redis: object) -> AsyncIterator[RunningApi]:
    """The API on the session Redis (flushed) and the test's own database."""
    async with run_api(settings) as running:
        yield running
