"""`trading sim okx` prints what to export and serves until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from services.sim.okx import constants as c


def test_sim_okx_prints_env_vars_and_serves() -> None:
    command = [
        sys.executable,
        "-m",
        "services.cli.main",
        "sim",
        "okx",
        "--port",
        "0",
        "--seed",
        "5",
        "--paused",
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        exports: dict[str, str] = {}
        deadline = time.monotonic() + 30
        assert process.stdout is not None
        while "OKX_PASSPHRASE" not in exports and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value
        rest = exports["OKX_REST_URL"]
        port = rest.rsplit(":", 1)[1]
        assert exports["OKX_WS_PUBLIC_URL"] == f"ws://127.0.0.1:{port}/ws/v5/public"
        assert exports["OKX_WS_PRIVATE_URL"] == f"ws://127.0.0.1:{port}/ws/v5/private"
        assert (exports["OKX_API_KEY"], exports["OKX_SECRET_KEY"], exports["OKX_PASSPHRASE"]) == (
            c.DEFAULT_API_KEY,
            c.DEFAULT_SECRET_KEY,
            c.DEFAULT_PASSPHRASE,
        )
        assert httpx.get(f"{rest}/api/v5/public/time").json()["code"] == "0"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    assert process.returncode == 0


def test_other_venues_are_not_implemented_yet() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "sim", "kalshi"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not implemented yet" in result.stderr
