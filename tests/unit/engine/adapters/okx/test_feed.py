"""The feed's book state machine, driven through the real transport over fake sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.okx.http import OkxHttpClient
from services.engine.adapters.okx.parse import checksum_of_strings
from services.engine.adapters.okx.providers import OkxInstrumentProvider
from services.engine.core.types import FeedChannel, FeedState
from tests.unit.engine.adapters.okx.fakes import (
    FakeConnection,
    FakeConnector,
    FakeRest,
    RecordingHandler,
    fast_config,
    ops_of,
)

D = Decimal
BTC = "BTC-USDT-SWAP"
ETH = "ETH-USDT-SWAP"


def book(
    inst: str,
    action: str,
    *,
    seq: int,
    prev: int,
    bids: list[list[str]] | None = None,
    asks: list[list[str]] | None = None,
    checksum: int = 0,
    channel: str = "books",
) -> dict[str, Any]:
    def full(levels: list[list[str]] | None) -> list[list[str]]:
        return [[px, sz, "0", "1"] for px, sz in (levels or [])]

    return {
        "arg": {"channel": channel, "instId": inst},
        "action": action,
        "data": [
            {
                "asks": full(asks),
                "bids": full(bids),
                "ts": "1597026383085",
                "checksum": checksum,
                "prevSeqId": prev,
                "seqId": seq,
            }
        ],
    }


SNAP_BIDS = [["8476.97", "256"], ["8475.55", "101"]]
SNAP_ASKS = [["8476.98", "415"], ["8477", "7"]]


@dataclass
class Rig:
    feed: OkxFeed
    handler: RecordingHandler
    connector: FakeConnector

    @property
    def conn(self) -> FakeConnection:
        return self.connector.connections[-1]

    async def live(self, inst: str = BTC, seq: int = 10) -> None:
        self.conn.push(book(inst, "snapshot", seq=seq, prev=-1, bids=SNAP_BIDS, asks=SNAP_ASKS))
        await self.handler.wait_for(lambda: self.feed.is_live(inst))

    async def pushed(self, message: dict[str, Any] | bytes | str) -> None:
        """Push a frame and wait until the feed has handled it (and everything before)."""
        before = len(self.handler.books)
        self.conn.push(message)
        # Frames are handled in order: an ETH snapshot after it proves it was handled.
        self.conn.push(book(ETH, "snapshot", seq=1, prev=-1, bids=[["1", "1"]], asks=[["2", "1"]]))
        await self.handler.wait_for(lambda: any(b[0] == ETH for b in self.handler.books[before:]))


async def make_rig(config: OkxConfig | None = None) -> Rig:
    config = config or fast_config()
    connector = FakeConnector()
    http = OkxHttpClient(config, client=FakeRest().client())
    feed = OkxFeed(
        config, OkxInstrumentProvider(http, config), connector=connector, rand=lambda: 0.0
    )
    handler = RecordingHandler()
    await feed.subscribe(BTC, FeedChannel.BOOK)
    await feed.subscribe(ETH, FeedChannel.BOOK)
    await feed.start(handler)
    conn = await connector.wait_connections(1)
    await conn.wait_sent(lambda ops: len(ops_of(ops, "subscribe")) == 1)
    return Rig(feed, handler, connector)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    made = await make_rig()
    yield made
    await made.feed.stop()


async def test_subscribe_sends_one_request_with_every_instrument(rig: Rig) -> None:
    [sub] = ops_of(rig.conn.ops(), "subscribe")
    assert sub["args"] == [
        {"channel": "books", "instId": BTC},
        {"channel": "books", "instId": ETH},
    ]
    assert rig.handler.state_list() == [FeedState.SUBSCRIBED, FeedState.SUBSCRIBED]


async def test_snapshot_then_updates_build_the_book(rig: Rig) -> None:
    await rig.live()
    assert rig.handler.state_list()[-1] is FeedState.LIVE
    await rig.pushed(
        book(BTC, "update", seq=11, prev=10, bids=[["8476.5", "3"]], asks=[["8476.98", "0"]])
    )
    btc = rig.feed.book(BTC)
    assert btc is not None and btc.seq == 11
    assert btc.bids() == [(D("8476.97"), D("256")), (D("8476.5"), D("3")), (D("8475.55"), D("101"))]
    assert btc.asks() == [(D("8477"), D("7"))]
    assert rig.feed.resyncs == {} and rig.feed.bad_messages == {}


async def test_heartbeat_and_sequence_reset_keep_the_chain(rig: Rig) -> None:
    # Docs: snapshot (-1 -> 10), update (10 -> 15), heartbeat (15 -> 15), reset (15 -> 3), 3 -> 5.
    await rig.live(seq=10)
    rig.conn.push(book(BTC, "update", seq=15, prev=10, bids=[["8470", "1"]]))
    rig.conn.push(book(BTC, "update", seq=15, prev=15))
    rig.conn.push(book(BTC, "update", seq=3, prev=15, asks=[["8480", "2"]]))
    await rig.pushed(book(BTC, "update", seq=5, prev=3, asks=[["8480", "0"]]))
    btc = rig.feed.book(BTC)
    assert btc is not None and btc.seq == 5 and len(btc) == 5
    assert rig.feed.resyncs == {}


async def test_prev_seq_gap_resyncs_only_that_instrument(rig: Rig) -> None:
    await rig.live(BTC)
    await rig.live(ETH, seq=100)
    rig.conn.push(book(BTC, "update", seq=13, prev=12, bids=[["1", "1"]]))  # expected prev 10
    await rig.handler.wait_for(lambda: not rig.feed.is_live(BTC))
    instrument, channel, state, reason = rig.handler.states[-1]
    assert (instrument, channel, state) == (BTC, FeedChannel.BOOK, FeedState.RESYNCING)
    assert reason is not None and "sequence gap" in reason
    assert rig.feed.resyncs == {"seq_gap": 1}
    btc = rig.feed.book(BTC)
    assert btc is not None and len(btc) == 0
    ops = await rig.conn.wait_sent(lambda ops: len(ops_of(ops, "subscribe")) == 2)
    assert ops_of(ops, "unsubscribe")[-1]["args"] == [{"channel": "books", "instId": BTC}]
    assert ops_of(ops, "subscribe")[-1]["args"] == [{"channel": "books", "instId": BTC}]
    assert rig.feed.is_live(ETH)

    # Increments still in flight before the unsubscribe took effect are ignored.
    rig.conn.push(book(BTC, "update", seq=14, prev=13, bids=[["2", "2"]]))
    await rig.live(BTC, seq=500)
    assert rig.handler.state_list()[-1] is FeedState.LIVE
    btc = rig.feed.book(BTC)
    assert btc is not None and btc.seq == 500 and btc.best_bid() == (D("8476.97"), D("256"))


async def test_checksum_mismatch_resyncs_and_a_correct_one_is_accepted(rig: Rig) -> None:
    good = checksum_of_strings([tuple(b) for b in SNAP_BIDS], [tuple(a) for a in SNAP_ASKS])  # type: ignore[misc]
    rig.conn.push(
        book(BTC, "snapshot", seq=10, prev=-1, bids=SNAP_BIDS, asks=SNAP_ASKS, checksum=good)
    )
    await rig.handler.wait_for(lambda: rig.feed.is_live(BTC))
    bids_after = [("8476.97", "256"), ("8475.55", "100")]
    good_after = checksum_of_strings(bids_after, [tuple(a) for a in SNAP_ASKS])  # type: ignore[misc]
    await rig.pushed(
        book(BTC, "update", seq=11, prev=10, bids=[["8475.55", "100"]], checksum=good_after)
    )
    assert rig.feed.resyncs == {}

    rig.conn.push(
        book(BTC, "update", seq=12, prev=11, bids=[["8475.55", "99"]], checksum=good_after)
    )  # stale checksum: the book no longer matches
    await rig.handler.wait_for(lambda: not rig.feed.is_live(BTC))
    assert rig.feed.resyncs == {"checksum": 1}
    assert "checksum mismatch" in (rig.handler.states[-1][3] or "")


async def test_zero_checksum_means_not_provided(rig: Rig) -> None:
    await rig.live()
    await rig.pushed(book(BTC, "update", seq=11, prev=10, bids=[["8400", "1"]], checksum=0))
    assert rig.feed.resyncs == {}


async def test_bad_input_is_counted_and_the_feed_keeps_going(rig: Rig) -> None:
    await rig.live()
    bad: list[bytes | str | dict[str, Any]] = [
        b"{not json",
        {"event": "surprise", "connId": "x"},
        {"arg": {"channel": "trades", "instId": BTC}, "data": [{"px": "1"}]},  # unsubscribed
        {"arg": {"channel": "books", "instId": BTC}, "action": "update", "data": [{"bids": []}]},
        {"arg": {"channel": "mystery", "instId": BTC}, "data": []},
        {"neither": "event nor push"},
        book(BTC, "update", seq=11, prev=10, bids=[["abc", "1"]]),
        "[1, 2, 3]",
    ]
    for frame in bad:
        rig.conn.push(frame)
    await rig.pushed(b"")
    counts = rig.feed.bad_messages
    assert counts["malformed"] == 2  # "{not json" and the empty frame
    assert counts["unknown_event"] == 1
    assert counts["unexpected"] == 1
    assert counts["unknown_channel"] == 1
    assert counts["unknown"] == 1
    assert counts["invalid"] >= 3
    # The skipped increment 10 -> 11 breaks the chain; the next one resyncs cleanly.
    rig.conn.push(book(BTC, "update", seq=12, prev=11))
    await rig.handler.wait_for(lambda: rig.feed.resyncs["seq_gap"] == 1)
    await rig.live(BTC, seq=20)


async def test_update_without_sequence_numbers_is_invalid_and_resyncs(rig: Rig) -> None:
    await rig.live()
    message = book(BTC, "update", seq=11, prev=10)
    del message["data"][0]["prevSeqId"]
    rig.conn.push(message)
    await rig.handler.wait_for(lambda: not rig.feed.is_live(BTC))
    assert rig.feed.resyncs == {"invalid": 1}


async def test_subscribe_error_drops_that_subscription(rig: Rig) -> None:
    [sub] = ops_of(rig.conn.ops(), "subscribe")
    rig.conn.push(
        {
            "id": sub["id"],
            "event": "error",
            "code": "60018",
            "msg": "Wrong URL or channel:books,instId:ETH-USDT-SWAP doesn't exist",
            "connId": "a",
        }
    )
    await rig.handler.wait_for(lambda: rig.feed.book(BTC) is None)
    unsubscribed = [s for s in rig.handler.states if s[2] is FeedState.UNSUBSCRIBED]
    assert {s[0] for s in unsubscribed} == {BTC, ETH}
    assert "60018" in (unsubscribed[0][3] or "")


async def test_dropped_connection_reconnects_resubscribes_and_resyncs(rig: Rig) -> None:
    await rig.live(BTC)
    first = rig.conn
    await first.close()
    second = await rig.connector.wait_connections(2)
    await second.wait_sent(lambda ops: len(ops_of(ops, "subscribe")) == 1)
    [sub] = ops_of(second.ops(), "subscribe")
    assert {a["instId"] for a in sub["args"]} == {BTC, ETH}
    lost = [s for s in rig.handler.states if s[0] == BTC and s[2] is FeedState.RESYNCING]
    assert lost and "connection lost" in (lost[-1][3] or "")
    assert not rig.feed.is_live(BTC)
    await rig.live(BTC, seq=900)
    assert rig.feed.resyncs == {"reconnect": 1}


async def test_silence_sends_text_ping_and_a_missing_pong_reconnects() -> None:
    made = await make_rig(fast_config(ws_ping_interval_secs=0.05, ws_pong_timeout_secs=0.05))
    try:
        await made.conn.wait_sent(lambda ops: True)  # subscribe already there
        first = made.conn
        await made.connector.wait_connections(2)
        assert b"ping" in first.sent and first.closed
    finally:
        await made.feed.stop()


async def test_pong_keeps_the_connection() -> None:
    made = await make_rig(fast_config(ws_ping_interval_secs=0.05, ws_pong_timeout_secs=0.2))
    try:
        conn = made.conn
        await _wait_pings(conn, 1)
        conn.push(b"pong")
        await _wait_pings(conn, 2)  # a second ping: still the same, healthy connection
        assert len(made.connector.connections) == 1 and not conn.closed
    finally:
        await made.feed.stop()


async def _wait_pings(conn: FakeConnection, count: int) -> None:
    import asyncio

    async with asyncio.timeout(5):
        while conn.sent.count(b"ping") < count:
            await conn.wait_sent(lambda ops: True)
            await asyncio.sleep(0)  # let the writer run; wait_sent wakes on every frame


async def test_trades_tickers_funding_and_mark_reach_the_handler() -> None:
    made = await make_rig()
    try:
        for channel in (
            FeedChannel.TRADES,
            FeedChannel.TICKER,
            FeedChannel.FUNDING,
            FeedChannel.MARK,
        ):
            await made.feed.subscribe(BTC, channel)
        made.conn.push(
            {
                "arg": {"channel": "trades", "instId": BTC},
                "data": [
                    {
                        "instId": BTC,
                        "tradeId": "1",
                        "px": "100.5",
                        "sz": "2",
                        "side": "sell",
                        "ts": "1630048897897",
                    }
                ],
            }
        )
        made.conn.push(
            {
                "arg": {"channel": "tickers", "instId": BTC},
                "data": [
                    {
                        "instId": BTC,
                        "last": "100.5",
                        "bidPx": "100.4",
                        "askPx": "100.6",
                        "ts": "1630048897897",
                    }
                ],
            }
        )
        made.conn.push(
            {
                "arg": {"channel": "funding-rate", "instId": BTC},
                "data": [
                    {
                        "instId": BTC,
                        "fundingRate": "0.0001",
                        "fundingTime": "1744619149506",
                        "ts": "1744590349506",
                    }
                ],
            }
        )
        made.conn.push(
            {
                "arg": {"channel": "mark-price", "instId": BTC},
                "data": [{"instId": BTC, "markPx": "100.55", "ts": "1630048897897"}],
            }
        )
        h = made.handler
        await h.wait_for(lambda: bool(h.trades and h.tickers and h.fundings and h.marks))
        assert h.trades[0].price == D("100.5") and h.trades[0].side.value == "sell"
        assert (h.tickers[0].bid, h.tickers[0].ask) == (D("100.4"), D("100.6"))
        assert h.fundings[0].rate == D("0.0001")
        assert h.marks[0].mark == D("100.55")
        live = {s[1] for s in h.states if s[2] is FeedState.LIVE}
        assert {
            FeedChannel.TRADES,
            FeedChannel.TICKER,
            FeedChannel.FUNDING,
            FeedChannel.MARK,
        } <= live
    finally:
        await made.feed.stop()


async def test_books5_pushes_are_whole_snapshots() -> None:
    made = await make_rig(fast_config(book_channel="books5"))
    try:
        made.conn.push(
            {
                "arg": {"channel": "books5", "instId": BTC},
                "data": [
                    {
                        "asks": [["111.06", "55154", "0", "2"]],
                        "bids": [["111.05", "57745", "0", "2"]],
                        "instId": BTC,
                        "ts": "1670324386802",
                        "seqId": 363996337,
                    }
                ],
            }
        )
        await made.handler.wait_for(lambda: made.feed.is_live(BTC))
        made.conn.push(
            {
                "arg": {"channel": "books5", "instId": BTC},
                "data": [
                    {
                        "asks": [["111.07", "1", "0", "1"]],
                        "bids": [["111.04", "2", "0", "1"]],
                        "instId": BTC,
                        "ts": "1670324386902",
                        "seqId": 363996400,
                    }
                ],
            }
        )
        await made.handler.wait_for(lambda: len(made.handler.books) == 2)
        btc = made.feed.book(BTC)
        assert btc is not None
        assert btc.bids() == [(D("111.04"), D("2"))] and btc.asks() == [(D("111.07"), D("1"))]
    finally:
        await made.feed.stop()


async def test_unsubscribe_sends_unsubscribe_and_forgets_the_book(rig: Rig) -> None:
    await rig.feed.unsubscribe(BTC, FeedChannel.BOOK)
    ops = await rig.conn.wait_sent(lambda ops: bool(ops_of(ops, "unsubscribe")))
    assert ops_of(ops, "unsubscribe")[0]["args"] == [{"channel": "books", "instId": BTC}]
    assert rig.feed.book(BTC) is None
    assert rig.handler.states[-1][2] is FeedState.UNSUBSCRIBED


async def test_subscriptions_past_the_per_connection_limit_open_another_connection() -> None:
    made = await make_rig(fast_config(ws_max_subscriptions_per_connection=1))
    try:
        second = await made.connector.wait_connections(2)
        first = made.connector.connections[0]
        await second.wait_sent(lambda ops: bool(ops_of(ops, "subscribe")))
        assert [o["args"] for o in ops_of(first.ops(), "subscribe")] == [
            [{"channel": "books", "instId": BTC}]
        ]
        assert [o["args"] for o in ops_of(second.ops(), "subscribe")] == [
            [{"channel": "books", "instId": ETH}]
        ]
        second.push(book(ETH, "snapshot", seq=1, prev=-1, bids=SNAP_BIDS, asks=SNAP_ASKS))
        await made.handler.wait_for(lambda: made.feed.is_live(ETH))
    finally:
        await made.feed.stop()
