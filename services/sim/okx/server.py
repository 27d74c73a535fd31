"""Run a simulator over HTTP(S): uvicorn listeners plus the market/publish loop.

`SimServer.serve()` runs inside an event loop (the CLI); `SimThread` runs one in a background
thread with its own loop (tests, embedding), so synchronous clients can call it freely.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

import structlog
import uvicorn

from services.sim.okx import constants as c
from services.sim.okx import tls
from services.sim.okx.app import create_app
from services.sim.okx.config import SimConfig
from services.sim.okx.factory import Simulator, build_simulator

log = structlog.get_logger("services.sim.okx")


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner (two listeners share one)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a running simulator listens."""

    host: str
    port: int
    tls_port: int | None
    tls_cert_file: Path | None

    @property
    def rest_url(self) -> str:
        """OKX_REST_URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_public_url(self) -> str:
        """OKX_WS_PUBLIC_URL."""
        return f"ws://{self.host}:{self.port}{c.WS_PUBLIC_PATH}"

    @property
    def ws_private_url(self) -> str:
        """OKX_WS_PRIVATE_URL."""
        return f"ws://{self.host}:{self.port}{c.WS_PRIVATE_PATH}"

    @property
    def tls_rest_url(self) -> str | None:
        """https:// base on the TLS listener, if any."""
        return None if self.tls_port is None else f"https://{self.host}:{self.tls_port}"

    @property
    def tls_ws_public_url(self) -> str | None:
        """wss:// public URL on the TLS listener, if any."""
        return (
            None
            if self.tls_port is None
            else f"wss://{self.host}:{self.tls_port}{c.WS_PUBLIC_PATH}"
        )

    @property
    def tls_ws_private_url(self) -> str | None:
        """wss:// private URL on the TLS listener, if any."""
        return (
            None
            if self.tls_port is None
            else f"wss://{self.host}:{self.tls_port}{c.WS_PRIVATE_PATH}"
        )


class SimServer:
    """One simulator served by uvicorn on `port` (and `tls_port` when configured)."""

    def __init__(self, config: SimConfig, sim: Simulator | None = None) -> None:
        self.config = config
        self.sim = sim or build_simulator(config)
        self.app = create_app(self.sim)
        self._servers: list[_Server] = []
        self._stop = asyncio.Event()
        self.endpoints: Endpoints | None = None
        self._cert: Path | None = None
        self._key: Path | None = None

    def _uvicorn_config(self, port: int, *, secure: bool) -> uvicorn.Config:
        options: dict[str, object] = {}
        if secure:
            options = {"ssl_certfile": str(self._cert), "ssl_keyfile": str(self._key)}
        return uvicorn.Config(
            self.app,
            host=self.config.host,
            port=port,
            ws="websockets-sansio",
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws_ping_interval=None,  # OKX keepalive is the text ping/pong, not protocol pings
            **options,  # type: ignore[arg-type]
        )

    async def serve(self, on_ready: Callable[[Endpoints], None] | None = None) -> None:
        """Listen until `stop()`; call `on_ready` once every listener is bound."""
        configs = [self._uvicorn_config(self.config.port, secure=False)]
        if self.config.tls_port is not None:
            if self.config.tls_cert_file and self.config.tls_key_file:
                self._cert, self._key = self.config.tls_cert_file, self.config.tls_key_file
            else:
                self._cert, self._key = tls.self_signed(self.config.tls_dir)
            configs.append(self._uvicorn_config(self.config.tls_port, secure=True))
        self._servers = [_Server(cfg) for cfg in configs]
        ticker = asyncio.create_task(self._run_ticks(), name="okx-sim-ticks")
        serving = [asyncio.create_task(s.serve(), name="okx-sim-uvicorn") for s in self._servers]
        try:
            while not all(s.started for s in self._servers):
                if any(t.done() for t in serving):
                    break  # a listener failed to bind; fall through and surface its error
                await asyncio.sleep(0.01)
            if all(s.started for s in self._servers):
                ports = [s.servers[0].sockets[0].getsockname()[1] for s in self._servers]
                self.endpoints = Endpoints(
                    host=self.config.host,
                    port=ports[0],
                    tls_port=ports[1] if len(ports) > 1 else None,
                    tls_cert_file=self._cert,
                )
                if on_ready is not None:
                    on_ready(self.endpoints)
                stopper = asyncio.create_task(self._stop.wait())
                await asyncio.wait([*serving, stopper], return_when=asyncio.FIRST_COMPLETED)
                stopper.cancel()
        finally:
            for server in self._servers:
                server.should_exit = True
            self.sim.hub.drop_all(1001, "simulator stopping")
            results = await asyncio.gather(*serving, return_exceptions=True)
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result
        if any(s.started is False for s in self._servers):
            raise SystemExit(f"could not listen on {self.config.host}:{self.config.port}")

    def stop(self) -> None:
        """Ask `serve()` to return (call from the server's loop)."""
        self._stop.set()

    def install_signal_handlers(self) -> None:
        """Stop cleanly on SIGINT/SIGTERM (main thread, running loop)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop)

    async def _run_ticks(self) -> None:
        interval = self.config.tick_interval_secs
        while True:
            await asyncio.sleep(interval)
            try:
                self.sim.step()
            except Exception:  # the simulator must outlive a bug in one step
                log.exception("okx_sim_step_failed")


class SimThread:
    """A simulator running in a daemon thread with its own event loop."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: SimServer | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="okx-sim", daemon=True)
        self.endpoints: Endpoints | None = None

    @property
    def sim(self) -> Simulator:
        """The running simulator (only touch it from its loop, e.g. via `call`)."""
        assert self._server is not None
        return self._server.sim

    def start(self, timeout_secs: float = 30.0) -> Endpoints:
        """Start and wait until every listener is bound."""
        self._thread.start()
        if not self._ready.wait(timeout_secs):
            raise TimeoutError("OKX simulator did not start in time")
        if self._error is not None:
            raise RuntimeError("OKX simulator failed to start") from self._error
        assert self.endpoints is not None
        return self.endpoints

    def stop(self, timeout_secs: float = 10.0) -> None:
        """Stop the server and join the thread."""
        if self._loop is not None and self._server is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._server.stop)
        self._thread.join(timeout_secs)

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._server = SimServer(self.config)

            def ready(endpoints: Endpoints) -> None:
                self.endpoints = endpoints
                self._ready.set()

            await self._server.serve(on_ready=ready)

        try:
            asyncio.run(run())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
        finally:
            self._ready.set()
