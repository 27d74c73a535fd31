"""A strategy from a separately built package is found through its entry point and trades.

The package (tests/fixtures/strategy_pkg) is built into a wheel with `uv build`
(its build backend comes from the package registry or uv's cache), unpacked
into a temporary directory and put on sys.path: importlib.metadata then sees
its dist-info exactly as it would after `pip install`. Nothing is installed
into the project's environment, so there is nothing to uninstall.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.engine.strategies.registry import default_catalog
from services.shared.generated.commands import CommandType
from services.shared.generated.enums import Exchange, OrderSide
from services.shared.settings import Settings
from tests.support.engine_harness import EventTap, bot_config, running_engine, send_command
from tests.support.fake_venue import FakeVenue

pytestmark = pytest.mark.integration

PKG = Path(__file__).resolve().parents[2] / "fixtures" / "strategy_pkg"


@pytest.fixture(scope="session")
def strategy_plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Build the plugin's wheel and make it importable (and visible to importlib.metadata)."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is needed to build the plugin wheel")
    out = tmp_path_factory.mktemp("plugin-wheel")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(out), str(PKG)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(out.glob("trading_test_strategies-*.whl"))
    site = tmp_path_factory.mktemp("plugin-site")
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.startswith("trading_test_strategies")]:
            del sys.modules[name]
        importlib.invalidate_caches()


def test_the_plugin_is_discovered_with_its_params_schema(strategy_plugin: Path) -> None:
    catalog = default_catalog()
    assert "one_shot" in catalog.names()
    assert {"noop", "quoter"} <= set(catalog.names())
    # The broken entry point of the same package is skipped, not fatal.
    assert "broken_plugin" not in catalog.names()
    template = next(t for t in catalog.templates() if t.name == "one_shot")
    assert template.source == "entry-point:trading-test-strategies"
    assert template.exchanges == ["kalshi", "polymarket"]
    size = template.params_schema["properties"]["size"]
    assert size["default"] == "0.5"
    assert size["description"] == "How much to buy."
    assert {"exclusiveMinimum": 0.0, "type": "number"} in size["anyOf"]
    assert template.params_schema["additionalProperties"] is False


async def test_a_plugin_strategy_runs_a_bot(
    strategy_plugin: Path, redis: Redis, settings: Settings, venue: FakeVenue
) -> None:
    engine_id = settings.engine_id
    async with (
        EventTap(redis, engine_id) as tap,
        running_engine(settings, [Exchange.KALSHI], catalog=default_catalog()),
    ):
        reply = await send_command(
            redis,
            tap,
            engine_id,
            CommandType.START_BOT,
            bot_id="plug",
            payload={
                "config": bot_config(
                    "plug", Exchange.KALSHI, strategy="one_shot", params={"size": "0.25"}
                )
            },
        )
        assert reply["ok"], reply
        venue.feed.push_book("BTC-USD", "99.50", "100.50")
        order = await tap.wait_for(
            lambda e: e.type.value == "order.update" and e.botId == "plug",
            what="the plugin's order",
        )
        assert order.payload["side"] == OrderSide.BUY.value
        assert order.payload["price"] == "99.50"
        assert order.payload["size"] == "0.25"
        assert order.payload["strategy"] == "one_shot"
        assert [c.op for c in venue.executor.calls if c.op == "place"] == ["place"]
