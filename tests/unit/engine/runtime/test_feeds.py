"""FeedManager: shared, reference-counted subscriptions, retire-then-unsubscribe, fan-out."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from services.engine.core.types import FeedChannel
from services.engine.runtime.feeds import FeedManager
from services.engine.runtime.inbox import BotInbox
from services.shared.generated.enums import Exchange
from tests.support.fake_venue import FakeFeed
from tests.unit.engine.runtime.helpers import eventually

KALSHI = Exchange.KALSHI
BOOK = FeedChannel.BOOK


async def manager(linger: float = 0.05) -> tuple[FeedManager, FakeFeed]:
    feeds = FeedManager(linger_secs=linger)
    feed = FakeFeed(KALSHI)
    await feeds.add_venue(KALSHI, feed)
    return feeds, feed


async def test_one_venue_subscription_is_shared_by_every_bot() -> None:
    feeds, feed = await manager()
    a, b = BotInbox(), BotInbox()
    await feeds.acquire(KALSHI, "X", BOOK, a)
    await feeds.acquire(KALSHI, "X", BOOK, b)
    await feeds.acquire(KALSHI, "X", BOOK, b)  # idempotent per subscriber
    assert feed.subscribe_calls == [("X", BOOK)]
    assert feeds.subscription(KALSHI, "X", BOOK).refs == 2  # type: ignore[union-attr]
    feed.push_book("X", "1", "2")
    assert a.take_book() is b.take_book() is feed.book("X")
    await feeds.close()


async def test_release_retires_then_unsubscribes_after_the_linger() -> None:
    feeds, feed = await manager(linger=0.05)
    a, b = BotInbox(), BotInbox()
    await feeds.acquire(KALSHI, "X", BOOK, a)
    await feeds.acquire(KALSHI, "X", BOOK, b)
    await feeds.release(KALSHI, "X", BOOK, a)
    assert feed.unsubscribe_calls == []
    await feeds.release(KALSHI, "X", BOOK, b)
    sub = feeds.subscription(KALSHI, "X", BOOK)
    assert sub is not None and sub.refs == 0 and sub.retired_at is not None
    assert feed.unsubscribe_calls == []  # still live for late settlement prints
    await eventually(lambda: feed.unsubscribe_calls == [("X", BOOK)], what="unsubscribe")
    assert feeds.subscription(KALSHI, "X", BOOK) is None
    await feeds.close()


async def test_reacquiring_during_the_linger_keeps_the_subscription() -> None:
    feeds, feed = await manager(linger=0.05)
    a = BotInbox()
    await feeds.acquire(KALSHI, "X", BOOK, a)
    await feeds.release(KALSHI, "X", BOOK, a)
    await feeds.acquire(KALSHI, "X", BOOK, a)
    await asyncio.sleep(0.1)
    assert feed.unsubscribe_calls == []
    assert feed.subscribe_calls == [("X", BOOK)]
    await feeds.close()


async def test_a_slow_bot_coalesces_while_a_fast_one_sees_every_update() -> None:
    feeds, feed = await manager()
    slow, fast = BotInbox(), BotInbox()
    await feeds.acquire(KALSHI, "X", BOOK, slow)
    await feeds.acquire(KALSHI, "X", BOOK, fast)
    seen: list[Decimal] = []

    async def fast_bot() -> None:
        while True:
            await fast.wait(None)
            book = fast.take_book()
            if book is not None:
                bid = book.best_bid()
                assert bid is not None
                seen.append(bid[0])

    task = asyncio.create_task(fast_bot())
    for i in range(100):
        feed.push_book("X", str(100 + i), str(200 + i))
        await asyncio.sleep(0)  # the fast bot keeps up; the slow one never reads
    await eventually(lambda: len(seen) == 100, what="fast bot saw every update")
    assert seen == [Decimal(100 + i) for i in range(100)]
    assert slow.books_offered == 100 and slow.books_coalesced == 99
    book = slow.take_book()
    assert book is not None and book.best_bid() == (Decimal(199), Decimal(5))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await feeds.close()


async def test_trades_are_bounded_per_bot_and_the_oldest_are_dropped() -> None:
    feeds, feed = await manager()
    inbox = BotInbox(trade_capacity=10)
    await feeds.acquire(KALSHI, "X", FeedChannel.TRADES, inbox)
    for i in range(25):
        feed.push_trade("X", str(i))
    trades = inbox.take_trades()
    assert [t.price for t in trades] == [Decimal(i) for i in range(15, 25)]
    assert inbox.trades_dropped == 15
    await feeds.close()


async def test_taps_see_every_update_before_the_bots() -> None:
    feeds, feed = await manager()
    order: list[str] = []

    class Tap:
        def on_book(self, book: object) -> None:
            order.append("tap")

        def on_trade(self, trade: object) -> None:
            order.append("tap-trade")

    class Sub(BotInbox):
        def offer_book(self, book: object) -> None:  # type: ignore[override]
            order.append("bot")

    feeds.add_tap(KALSHI, Tap())
    await feeds.acquire(KALSHI, "X", BOOK, Sub())
    feed.push_book("X", "1", "2")
    assert order == ["tap", "bot"]
    await feeds.close()
