"""End to end: `trading up` starts every tier; a real browser sees live heartbeats.

The stack starts its own Redis and MongoDB (nothing answers on the ports it is
given), so this also proves `trading up` on a machine with nothing running.
The second test presses Ctrl-C and proves no process is left behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Request, async_playwright
from pymongo import AsyncMongoClient

from services.cli.local_servers import free_port, port_answers
from services.shared.generated.constants import EVENTS_COLLECTION
from tests.support.procs import alive, descendants, signal_safe_kill

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]
ROOT = Path(__file__).resolve().parents[2]
ENGINE_ID = "engine-e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class RunningStack:
    proc: subprocess.Popen[str]
    api: str
    web: str
    ports: dict[str, int]
    output: list[str] = field(default_factory=list)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium on PATH: `make setup-system` installs it")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    ports = {name: free_port() for name in ("redis", "mongo", "api", "web")}
    env = {
        **os.environ,
        "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "MONGO_URL": f"mongodb://127.0.0.1:{ports['mongo']}",
        "MONGO_DB": "e2e",
        "TRADING_ENV": "test",
    }
    run_dir = tmp_path_factory.mktemp("up")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "services.cli.main", "up",
            "--api-port", str(ports["api"]),
            "--web-port", str(ports["web"]),
            "--engine-id", ENGINE_ID,
            "--run-dir", str(run_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )  # fmt: skip
    running = RunningStack(
        proc, f"http://127.0.0.1:{ports['api']}", f"http://127.0.0.1:{ports['web']}", ports
    )
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            running.output.append(line.rstrip())
            if line.strip() == "READY":
                ready.set()

    pump_thread = threading.Thread(target=pump, daemon=True)
    pump_thread.start()
    deadline = time.monotonic() + 300
    while not ready.is_set() and proc.poll() is None and time.monotonic() < deadline:
        ready.wait(0.5)
    if not ready.is_set():
        proc.kill()
        pytest.fail("trading up did not become ready:\n" + "\n".join(running.output[-60:]))
    tree = descendants(proc.pid)
    yield running
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    signal_safe_kill({pid for pid in tree if alive(pid)})
    pump_thread.join(timeout=5)
    if proc.stdout is not None:
        proc.stdout.close()


async def test_dashboard_shows_engine_heartbeat_age_updating_live(stack: RunningStack) -> None:
    async with httpx.AsyncClient() as client:
        engines = (await client.get(f"{stack.api}/api/engines", timeout=5)).json()["items"]
    assert [e["engineId"] for e in engines] == [ENGINE_ID]

    engine_list_requests: list[str] = []

    def count(request: Request) -> None:
        if "/api/engines" in request.url:
            engine_list_requests.append(request.url)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            page.on("request", count)
            await page.goto(f"{stack.web}/engines")
            row = page.locator(f'[data-testid="engine-row"][data-engine-id="{ENGINE_ID}"]')
            await row.wait_for(timeout=30_000)
            await page.locator('[data-testid="socket-status"]', has_text="connected").wait_for(
                timeout=15_000
            )
            first = int(await row.get_attribute("data-last-heartbeat") or 0)
            age_before = await row.locator('[data-testid="heartbeat-age"]').inner_text()
            # A new heartbeat arrives over Socket.IO about every second: wait for the
            # attribute to change (no reload), then check it moved forward in time.
            await page.wait_for_function(
                """([id, first]) => {
                    const el = document.querySelector(
                        `[data-testid="engine-row"][data-engine-id="${id}"]`);
                    return el && Number(el.dataset.lastHeartbeat) > first;
                }""",
                arg=[ENGINE_ID, first],
                timeout=10_000,
            )
            second = int(await row.get_attribute("data-last-heartbeat") or 0)
            assert second > first
            assert 500 <= second - first <= 5_000
            age_after = await row.locator('[data-testid="heartbeat-age"]').inner_text()
            assert age_before and age_after and "ago" in age_after
            # One REST load, then only Socket.IO: no polling.
            assert len(engine_list_requests) == 1, engine_list_requests
        finally:
            await browser.close()


async def test_demo_paper_bot_fills_reach_mongodb_and_the_dashboard(stack: RunningStack) -> None:
    # The demo quoter trades on the OKX simulator in paper mode; its fills go
    # engine -> outbox -> arq -> worker -> MongoDB and, live, over Socket.IO.
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{stack.web}/activity")
            row = page.locator('[data-testid="fill-row"][data-bot-id="demo-okx-quoter"]').first
            await row.wait_for(timeout=90_000)
            fill_id = await row.get_attribute("data-fill-id")
            assert fill_id
            card = page.locator('[data-testid="bot-card"][data-bot-id="demo-okx-quoter"]')
            await card.wait_for(timeout=30_000)
            assert await card.get_attribute("data-state") == "running"
        finally:
            await browser.close()

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{stack.ports['mongo']}"
    )
    try:
        docs = (
            await client["e2e"][EVENTS_COLLECTION]
            .find({"type": "fill", "payload.id": fill_id})
            .to_list()
        )
    finally:
        await client.close()
    assert len(docs) == 1, docs
    assert docs[0]["payload"]["instrument"] == "BTC-USDT-SWAP"
    assert docs[0]["payload"]["paper"] is True
    assert Decimal(docs[0]["payload"]["size"]) > 0


def test_ctrl_c_stops_every_process(stack: RunningStack) -> None:
    tree = descendants(stack.proc.pid)
    assert len(tree) >= 5, "expected redis, mongo, worker, api, engine and the dashboard"
    stack.proc.send_signal(signal.SIGINT)
    assert stack.proc.wait(timeout=90) == 0, "\n".join(stack.output[-40:])
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = sorted(pid for pid in tree if alive(pid))
    assert left == [], f"processes left running: {left}"
    for name, port in stack.ports.items():
        assert not port_answers("127.0.0.1", port), f"{name} still listening on {port}"
