"""The OKX adapter against the OKX simulator (`trading sim okx`), over real sockets.

The simulator runs as its own process, exactly as a user starts it; the tests
learn its URLs and demo keys from what it prints. Between the adapter and the
simulator's public WebSocket sits `WsTap`, a relay the tests use to drop or
corrupt frames and cut connections, so gap, checksum and reconnect handling is
exercised without touching the simulator's internals.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.engine.adapters.base import VenueCredentials
from tests.integration.engine.adapters.okx.simctl import SimControl
from tests.integration.engine.adapters.okx.tap import WsTap

pytestmark = pytest.mark.integration

_EXPORT = re.compile(r"^export (OKX_[A-Z_]+)=(\S+)$")


@dataclass(frozen=True)
class SimEndpoints:
    rest_url: str
    ws_public_url: str
    ws_private_url: str
    api_key: str
    secret_key: str
    passphrase: str

    def credentials(self) -> VenueCredentials:
        from pydantic import SecretStr

        return VenueCredentials(
            api_key=SecretStr(self.api_key),
            secret_key=SecretStr(self.secret_key),
            passphrase=SecretStr(self.passphrase),
        )


@contextlib.asynccontextmanager
async def run_sim(*args: str, seed: int = 11) -> AsyncIterator[SimEndpoints]:
    """Start `trading sim okx --port 0` and yield what it prints to export."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "sim",
        "okx",
        "--port",
        "0",
        "--seed",
        str(seed),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    assert proc.stdout is not None
    found: dict[str, str] = {}
    drain: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(30):
            while "OKX_PASSPHRASE" not in found:
                line = await proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"simulator exited early: rc={await proc.wait()}")
                match = _EXPORT.match(line.decode().strip())
                if match:
                    found[match.group(1)] = match.group(2)

        async def _drain() -> None:  # keep the pipe from filling up
            assert proc.stdout is not None
            while await proc.stdout.readline():
                pass

        drain = asyncio.create_task(_drain())
        yield SimEndpoints(
            rest_url=found["OKX_REST_URL"],
            ws_public_url=found["OKX_WS_PUBLIC_URL"],
            ws_private_url=found["OKX_WS_PRIVATE_URL"],
            api_key=found["OKX_API_KEY"],
            secret_key=found["OKX_SECRET_KEY"],
            passphrase=found["OKX_PASSPHRASE"],
        )
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(10):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if drain is not None:
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain


@pytest.fixture(scope="module")
async def sim() -> AsyncIterator[SimEndpoints]:
    """One simulator per test module (real checksums)."""
    async with run_sim(seed=11) as endpoints:
        yield endpoints


@pytest.fixture
async def tap(sim: SimEndpoints) -> AsyncIterator[WsTap]:
    """A relay in front of the simulator's public WebSocket."""
    relay = WsTap(sim.ws_public_url)
    await relay.start()
    yield relay
    await relay.stop()


@pytest.fixture
async def private_tap(sim: SimEndpoints) -> AsyncIterator[WsTap]:
    """A relay in front of the simulator's private WebSocket."""
    relay = WsTap(sim.ws_private_url)
    await relay.start()
    yield relay
    await relay.stop()


@pytest.fixture
async def control(sim: SimEndpoints) -> AsyncIterator[SimControl]:
    """The simulator's /sim control surface."""
    ctl = SimControl(sim.rest_url)
    yield ctl
    await ctl.aclose()
