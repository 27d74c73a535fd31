"""`trading book --exchange okx` against the simulator, through the configured endpoints."""

from __future__ import annotations

import asyncio
import os
import sys

import orjson
import pytest

from tests.integration.engine.adapters.okx.conftest import SimEndpoints

pytestmark = pytest.mark.integration


async def trading_book(sim: SimEndpoints, *args: str) -> tuple[int, bytes, bytes]:
    env = {
        **os.environ,
        "OKX_REST_URL": sim.rest_url,
        "OKX_WS_PUBLIC_URL": sim.ws_public_url,
        "OKX_WS_PRIVATE_URL": sim.ws_private_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "book",
        "--exchange",
        "okx",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out, err


async def test_prints_the_adapters_book_after_n_updates(sim: SimEndpoints) -> None:
    rc, out, err = await trading_book(sim, "--instrument", "BTC-USDT-SWAP", "--updates", "5")
    assert rc == 0, err.decode()
    book = orjson.loads(out)
    assert set(book) == {"exchange", "instrument", "seq", "bids", "asks"}
    assert (book["exchange"], book["instrument"]) == ("okx", "BTC-USDT-SWAP")
    assert isinstance(book["seq"], int) and book["bids"] and book["asks"]
    bids = [float(px) for px, _sz in book["bids"]]
    asks = [float(px) for px, _sz in book["asks"]]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    assert all(isinstance(v, str) for level in book["bids"] + book["asks"] for v in level)


async def test_an_unknown_instrument_fails_clearly(sim: SimEndpoints) -> None:
    rc, out, err = await trading_book(sim, "--instrument", "NOPE-USDT-SWAP", "--updates", "1")
    assert rc == 4 and out == b""
    assert b"unknown instrument" in err and b"NOPE-USDT-SWAP" in err


async def test_a_timeout_fails_clearly(sim: SimEndpoints) -> None:
    rc, _out, err = await trading_book(
        sim, "--instrument", "BTC-USDT-SWAP", "--updates", "100000", "--timeout-secs", "1"
    )
    assert rc == 3 and b"timed out" in err
