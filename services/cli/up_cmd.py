"""`trading up`: the whole stack on one machine, stopped cleanly with Ctrl-C.

Redis and MongoDB are reused when something answers at REDIS_URL / MONGO_URL,
else started locally (redis-server or the bundled valkey; SecantusDB). Then
one engine, one worker, the API and the built dashboard, each a child process
in its own process group with its log under `.run/logs/`. Ctrl-C (or SIGTERM)
stops them in reverse order and waits until every one is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import typer
from rich.console import Console

from services.cli.demo import CommandFailed, start_demo_bots
from services.cli.local_servers import (
    ManagedProcess,
    ServerStartError,
    free_port,
    port_answers,
    start_mongo,
    start_redis,
)
from services.shared.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
console = Console(stderr=True)


class UpError(RuntimeError):
    """The stack could not be started."""


@dataclass
class Stack:
    """Every child process `trading up` started, in start order."""

    run_dir: Path
    children: list[ManagedProcess] = field(default_factory=list)

    def spawn(
        self, name: str, argv: list[str], env: dict[str, str], cwd: Path = ROOT
    ) -> ManagedProcess:
        """Start a child with its log in the run directory."""
        child = ManagedProcess(
            name=name, argv=argv, log_path=self.run_dir / "logs" / f"{name}.log", env=env, cwd=cwd
        ).start()
        self.children.append(child)
        return child

    def adopt(self, child: ManagedProcess) -> None:
        """Track a child started elsewhere (the local servers)."""
        self.children.append(child)

    def stop(self) -> None:
        """Stop every child, newest first, and wait for each."""
        for child in reversed(self.children):
            if child.alive():
                console.print(f"  stopping {child.name}")
            child.stop(timeout_secs=15)
        self.children.clear()


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.hostname or '127.0.0.1'}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _is_local(host: str) -> bool:
    return host in {"localhost", "127.0.0.1", "::1"}


def wait_until(
    check: Callable[[], bool], what: str, timeout_secs: float, child: ManagedProcess | None = None
) -> None:
    """Poll `check` until true; fail with the child's log tail if it dies or time runs out."""
    deadline = time.monotonic() + timeout_secs
    while time.monotonic() < deadline:
        if child is not None and not child.alive():
            raise UpError(f"{child.name} exited:\n{child.log_tail()}")
        if check():
            return
        time.sleep(0.2)
    tail = f"\n{child.log_tail()}" if child is not None else ""
    raise UpError(f"timed out waiting for {what}{tail}")


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _engine_listed(api: str, engine_id: str) -> bool:
    try:
        items = httpx.get(f"{api}/api/engines", timeout=1.0).json().get("items", [])
    except (httpx.HTTPError, ValueError):
        return False
    return any(item.get("engineId") == engine_id for item in items)


def _newest_source_mtime() -> float:
    sources = [FRONTEND / "package-lock.json", FRONTEND / "next.config.ts"]
    sources += [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    return max((p.stat().st_mtime for p in sources if p.exists()), default=0.0)


def ensure_frontend_built(env: dict[str, str]) -> None:
    """Install node modules and build the dashboard when the build is missing or stale."""
    npm = shutil.which("npm")
    if npm is None:
        raise UpError("npm not found: install Node.js 20+ (make setup does)")
    if not (FRONTEND / "node_modules").exists():
        console.print("  installing dashboard dependencies (npm ci)…")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True, env=env)
    build_id = FRONTEND / ".next" / "BUILD_ID"
    if not build_id.exists() or build_id.stat().st_mtime < _newest_source_mtime():
        console.print("  building the dashboard (about half a minute)…")
        subprocess.run([npm, "run", "build"], cwd=FRONTEND, check=True, env=env)


def start_stack(
    stack: Stack,
    *,
    api_port: int,
    web_port: int,
    frontend: bool,
    engine_id: str,
    simulators: bool = True,
    demo: bool = True,
) -> dict[str, str]:
    """Start everything; return the URLs to print."""
    settings = get_settings()
    env = dict(os.environ)
    env.setdefault("TRADING_DATA_DIR", str(stack.run_dir / "data"))
    env["NEXT_TELEMETRY_DISABLED"] = "1"
    # The browser calls the API from the dashboard's origin: allow it, whatever the port.
    origins = [o for o in settings.cors_origins.split(",") if o]
    origins += [f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"]
    env["CORS_ORIGINS"] = ",".join(dict.fromkeys(origins))

    with console.status("starting Redis…"):
        host, port = _host_port(settings.redis_url, 6379)
        if settings.sentinel_addresses or port_answers(host, port):
            console.print(f"[green]✓[/] Redis: reusing {settings.redis_url}")
        elif _is_local(host):
            stack.adopt(start_redis(port, stack.run_dir / "redis"))
            console.print(f"[green]✓[/] Redis: started on 127.0.0.1:{port}")
        else:
            raise UpError(f"Redis at {settings.redis_url} does not answer")
    with console.status("starting MongoDB…"):
        host, port = _host_port(settings.mongo_url, 27017)
        if port_answers(host, port):
            console.print(f"[green]✓[/] MongoDB: reusing {settings.mongo_url}")
        elif _is_local(host):
            stack.adopt(start_mongo(port, stack.run_dir / "mongo", in_memory=False))
            console.print(f"[green]✓[/] MongoDB: started SecantusDB on 127.0.0.1:{port}")
        else:
            raise UpError(f"MongoDB at {settings.mongo_url} does not answer")

    wanted = [("API", api_port)] + ([("dashboard", web_port)] if frontend else [])
    for name, port in wanted:
        if port_answers("127.0.0.1", port):
            raise UpError(f"port {port} for the {name} is already in use (--api-port/--web-port)")
    trading = [sys.executable, "-m", "services.cli.main"]
    if simulators:
        with console.status("starting the OKX simulator…"):
            sim_port = free_port()
            sim = stack.spawn(
                "sim-okx", [*trading, "sim", "okx", "--port", str(sim_port), "--seed", "7"], env
            )
            wait_until(lambda: port_answers("127.0.0.1", sim_port), "the OKX simulator", 30, sim)
            env["OKX_REST_URL"] = f"http://127.0.0.1:{sim_port}"
            env["OKX_WS_PUBLIC_URL"] = f"ws://127.0.0.1:{sim_port}/ws/v5/public"
            env["OKX_WS_PRIVATE_URL"] = f"ws://127.0.0.1:{sim_port}/ws/v5/private"
            console.print(f"[green]✓[/] OKX simulator on 127.0.0.1:{sim_port}")
    api_url = f"http://127.0.0.1:{api_port}"
    with console.status("starting the worker…"):
        stack.spawn("worker", [*trading, "worker"], env)
        console.print("[green]✓[/] worker started")
    with console.status("starting the API…"):
        api = stack.spawn(
            "api", [*trading, "api", "--host", "127.0.0.1", "--port", str(api_port)], env
        )
        wait_until(lambda: _http_ok(f"{api_url}/health"), "the API to become healthy", 60, api)
        console.print(f"[green]✓[/] API healthy at {api_url}")
    with console.status("starting the engine…"):
        engine = stack.spawn(
            "engine", [*trading, "engine", "--engine-id", engine_id, "--metrics-port", "0"], env
        )
        wait_until(lambda: _engine_listed(api_url, engine_id), "the engine to register", 30, engine)
        console.print(f"[green]✓[/] engine {engine_id} registered")
    if demo:
        with console.status("starting demo bots…"):
            try:
                bots = start_demo_bots(env.get("REDIS_URL", settings.redis_url), engine_id)
            except CommandFailed as exc:
                raise UpError(f"demo bots: {exc}") from exc
            console.print(f"[green]✓[/] demo bots running: {', '.join(bots)}")
    urls = {"api": api_url, "docs": f"{api_url}/docs"}
    if frontend:
        web_env = {**env, "TRADING_API_URL": api_url, "PORT": str(web_port)}
        with console.status("preparing the dashboard…"):
            ensure_frontend_built(web_env)
        with console.status("starting the dashboard…"):
            npm = shutil.which("npm") or "npm"
            web = stack.spawn(
                "dashboard",
                [npm, "run", "start", "--", "-p", str(web_port), "-H", "127.0.0.1"],
                web_env,
                cwd=FRONTEND,
            )
            web_url = f"http://127.0.0.1:{web_port}"
            wait_until(lambda: _http_ok(f"{web_url}/engines"), "the dashboard", 90, web)
            console.print(f"[green]✓[/] dashboard at {web_url}")
        urls["dashboard"] = web_url
    return urls


def up(
    api_port: int = typer.Option(8000, "--api-port", help="CMS API port."),
    web_port: int = typer.Option(3000, "--web-port", help="Dashboard port."),
    no_frontend: bool = typer.Option(False, "--no-frontend", help="Do not start the dashboard."),
    engine_id: str = typer.Option("engine-1", "--engine-id", help="Id of the engine started."),
    live_feeds: bool = typer.Option(
        False, "--live-feeds", help="Use the real venues' feeds (needs internet), no simulators."
    ),
    no_demo: bool = typer.Option(False, "--no-demo", help="Do not start the demo paper bots."),
    run_dir: Path = typer.Option(Path(".run"), "--run-dir", help="Logs and local data."),
) -> None:
    """Start the whole stack locally; Ctrl-C stops everything."""
    stack = Stack(run_dir.resolve())

    def on_signal(signum: int, frame: object) -> None:
        # Only raise here: touching a lock the interrupted code may hold deadlocks.
        raise KeyboardInterrupt

    # Installed explicitly: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        urls = start_stack(
            stack,
            api_port=api_port,
            web_port=web_port,
            frontend=not no_frontend,
            engine_id=engine_id,
            simulators=not live_feeds,
            demo=not no_demo and not live_feeds,
        )
        console.print()
        for name, url in urls.items():
            console.print(f"  [bold]{name:<10}[/] {url}")
        console.print(f"  [bold]{'logs':<10}[/] {stack.run_dir / 'logs'}")
        console.print("\nThe stack is up. Press Ctrl-C to stop it.")
        print("READY", flush=True)
        while True:
            for child in stack.children:
                if not child.alive():
                    raise UpError(f"{child.name} exited unexpectedly:\n{child.log_tail()}")
            time.sleep(1.0)
    except KeyboardInterrupt:
        console.print("\nstopping…")
    except (UpError, ServerStartError, subprocess.CalledProcessError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    finally:
        # A second Ctrl-C must not abandon children half-way through stopping.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stack.stop()
    console.print("stopped; no process left running.")
