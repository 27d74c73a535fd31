"""The OKX feed against the simulator: books equal the simulator's own after
thousands of updates; gaps, corrupted checksums and dropped connections resync
and recover; trades, tickers, funding and mark prices flow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.engine.adapters.base import VenueError
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.factory import build_adapter
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.okx.parse import book_checksum, levels_text
from services.engine.core.types import FeedChannel, FeedState
from tests.integration.engine.adapters.okx.conftest import SimEndpoints
from tests.integration.engine.adapters.okx.simctl import SimControl
from tests.integration.engine.adapters.okx.tap import WsTap, is_book_update
from tests.unit.engine.adapters.okx.fakes import RecordingHandler

pytestmark = pytest.mark.integration

BTC = "BTC-USDT-SWAP"


@dataclass
class FeedRig:
    feed: OkxFeed
    handler: RecordingHandler

    def books_of(self, inst: str) -> int:
        return sum(1 for b in self.handler.books if b[0] == inst)

    def states_of(self, inst: str) -> list[FeedState]:
        return [s[2] for s in self.handler.states if s[0] == inst and s[1] is FeedChannel.BOOK]

    async def wait_books(self, inst: str, count: int, timeout: float = 60.0) -> None:
        await self.handler.wait_for(lambda: self.books_of(inst) >= count, timeout)

    async def wait_live(self, inst: str, timeout: float = 30.0) -> None:
        await self.handler.wait_for(lambda: self.feed.is_live(inst), timeout)

    async def assert_matches_sim(self, control: SimControl, inst: str) -> None:
        """With the market frozen, the adapter's book is exactly the simulator's."""
        async with control.paused():
            theirs = await control.book(inst)
            await self.handler.wait_for(
                lambda: (b := self.feed.book(inst)) is not None and b.seq == theirs["seqId"],
                timeout=10,
            )
            ours = self.feed.book(inst)
            assert ours is not None
            assert levels_text(ours.bids()) == [lvl[:2] for lvl in theirs["bids"]]
            assert levels_text(ours.asks()) == [lvl[:2] for lvl in theirs["asks"]]
            if theirs["checksum"]:
                assert book_checksum(ours) == theirs["checksum"]


def config_for(sim: SimEndpoints, ws_public_url: str | None = None) -> OkxConfig:
    return OkxConfig(
        rest_url=sim.rest_url,
        ws_public_url=ws_public_url or sim.ws_public_url,
        ws_private_url=sim.ws_private_url,
        reconnect_initial_delay_secs=0.05,
    )


async def _rig(config: OkxConfig) -> FeedRig:
    adapter = build_adapter(config)
    assert isinstance(adapter.feed, OkxFeed)
    handler = RecordingHandler()
    await adapter.feed.start(handler)
    return FeedRig(adapter.feed, handler)


@pytest.fixture
async def rig(sim: SimEndpoints) -> AsyncIterator[FeedRig]:
    made = await _rig(config_for(sim))
    await made.feed.subscribe(BTC, FeedChannel.BOOK)
    await made.wait_live(BTC)
    yield made
    await made.feed.stop()


async def test_books_equal_the_simulators_after_thousands_of_updates(
    sim: SimEndpoints, control: SimControl
) -> None:
    made = await _rig(config_for(sim))
    try:
        instruments = [inst.symbol for inst in await made.feed.instruments()]
        assert BTC in instruments and len(instruments) >= 4
        for symbol in instruments:
            await made.feed.subscribe(symbol, FeedChannel.BOOK)
        # The simulator publishes every 100 ms per instrument: ~60 updates/s here.
        await made.handler.wait_for(lambda: len(made.handler.books) >= 2_000, timeout=100)
        assert made.feed.resyncs == {} and made.feed.bad_messages == {}
        for symbol in instruments:
            await made.assert_matches_sim(control, symbol)
    finally:
        await made.feed.stop()


async def test_a_sequence_gap_resyncs_and_recovers(rig: FeedRig, control: SimControl) -> None:
    await control.books_fault(BTC, "gap")
    await rig.handler.wait_for(lambda: rig.feed.resyncs["seq_gap"] == 1, timeout=30)
    await rig.wait_live(BTC)
    assert rig.states_of(BTC)[-2:] == [FeedState.RESYNCING, FeedState.LIVE]
    reason = [s[3] for s in rig.handler.states if s[2] is FeedState.RESYNCING][-1]
    assert reason is not None and "sequence gap" in reason
    await rig.wait_books(BTC, rig.books_of(BTC) + 10)
    await rig.assert_matches_sim(control, BTC)
    assert rig.feed.resyncs == {"seq_gap": 1} and rig.feed.bad_messages == {}


async def test_a_corrupted_checksum_resyncs_and_recovers(rig: FeedRig, control: SimControl) -> None:
    await control.books_fault(BTC, "checksum")
    await rig.handler.wait_for(lambda: rig.feed.resyncs["checksum"] == 1, timeout=30)
    await rig.wait_live(BTC)
    await rig.wait_books(BTC, rig.books_of(BTC) + 10)
    await rig.assert_matches_sim(control, BTC)
    assert rig.feed.resyncs == {"checksum": 1}


async def test_a_legitimate_sequence_reset_is_not_a_gap(rig: FeedRig, control: SimControl) -> None:
    await control.books_fault(BTC, "reset")
    await rig.wait_books(BTC, rig.books_of(BTC) + 20)
    assert rig.feed.resyncs == {} and rig.feed.is_live(BTC)
    await rig.assert_matches_sim(control, BTC)


async def test_dropped_connections_reconnect_resubscribe_and_match_again(
    rig: FeedRig, control: SimControl
) -> None:
    await rig.feed.subscribe(BTC, FeedChannel.TRADES)
    await control.drop_ws()
    await rig.handler.wait_for(lambda: rig.feed.resyncs["reconnect"] == 1, timeout=30)
    await rig.wait_live(BTC)
    trades = [s[2] for s in rig.handler.states if s[1] is FeedChannel.TRADES]
    assert FeedState.STALE in trades
    await rig.wait_books(BTC, rig.books_of(BTC) + 10)
    await rig.assert_matches_sim(control, BTC)


async def test_a_frame_lost_in_transit_resyncs(sim: SimEndpoints, tap: WsTap) -> None:
    made = await _rig(config_for(sim, tap.url))
    try:
        await made.feed.subscribe(BTC, FeedChannel.BOOK)
        await made.wait_live(BTC)
        tap.once(is_book_update(BTC), lambda frame: None)
        await made.handler.wait_for(lambda: made.feed.resyncs["seq_gap"] == 1, timeout=30)
        await made.wait_live(BTC)
    finally:
        await made.feed.stop()


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b'{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"upd', "malformed"),
        (b'{"event":"surprise","connId":"x"}', "unknown_event"),
        (
            b'{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{}]}',
            "invalid",
        ),
    ],
)
async def test_garbage_in_place_of_an_update_is_counted_and_the_book_recovers(
    sim: SimEndpoints, tap: WsTap, control: SimControl, garbage: bytes, reason: str
) -> None:
    made = await _rig(config_for(sim, tap.url))
    try:
        await made.feed.subscribe(BTC, FeedChannel.BOOK)
        await made.wait_live(BTC)
        tap.once(is_book_update(BTC), lambda frame: garbage)
        # The lost update breaks the chain: the next one resyncs the book.
        await made.handler.wait_for(lambda: made.feed.resyncs["seq_gap"] == 1, timeout=30)
        await made.wait_live(BTC)
        assert made.feed.bad_messages[reason] == 1
        await made.assert_matches_sim(control, BTC)
    finally:
        await made.feed.stop()


async def test_trades_tickers_funding_and_mark_prices_arrive(rig: FeedRig) -> None:
    for channel in (FeedChannel.TRADES, FeedChannel.TICKER, FeedChannel.FUNDING, FeedChannel.MARK):
        await rig.feed.subscribe(BTC, channel)
    h = rig.handler
    await h.wait_for(lambda: bool(h.trades and h.tickers and h.marks and h.fundings), timeout=60)
    assert h.tickers[-1].instrument == BTC and h.tickers[-1].bid is not None
    assert h.trades[-1].price > 0 and h.marks[-1].mark > 0
    assert h.fundings[-1].next_funding_ts_ms > 0
    assert rig.feed.bad_messages == {}


async def test_an_unknown_instrument_is_reported_not_retried(rig: FeedRig) -> None:
    with pytest.raises(VenueError, match="51001"):
        await rig.feed.instrument("NOPE-USDT-SWAP")
    await rig.feed.subscribe("NOPE-USDT-SWAP", FeedChannel.BOOK)
    await rig.handler.wait_for(lambda: rig.feed.book("NOPE-USDT-SWAP") is None, timeout=30)
    final = [s for s in rig.handler.states if s[0] == "NOPE-USDT-SWAP"][-1]
    assert final[2] is FeedState.UNSUBSCRIBED and final[3] and "60018" in final[3]
