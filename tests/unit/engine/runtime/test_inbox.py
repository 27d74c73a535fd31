"""BotInbox: the bot task's waiter completes on any offer and is never left stale."""

from __future__ import annotations

import asyncio

from services.engine.core.book import L2Book
from services.engine.runtime.inbox import BotInbox
from tests.unit.engine.factories import order


async def test_the_waiter_is_none_while_something_is_pending() -> None:
    inbox = BotInbox()
    inbox.offer_book(L2Book("kalshi", "X"))
    assert inbox.waiter() is None
    inbox.take_book()
    assert inbox.waiter() is not None


async def test_a_book_an_order_update_or_a_wake_completes_the_waiter() -> None:
    inbox = BotInbox()
    for offer in (
        lambda: inbox.offer_book(L2Book("kalshi", "X")),
        lambda: inbox.offer_exec(order()),
        inbox.wake,
    ):
        waiter = inbox.waiter()
        assert waiter is not None and not waiter.done()
        offer()
        assert waiter.done()
        inbox.take_book()
        inbox.take_exec()


async def test_a_cancelled_waiter_is_replaced_and_offers_still_complete_the_new_one() -> None:
    inbox = BotInbox()
    first = inbox.waiter()
    assert first is not None
    task = asyncio.ensure_future(first)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    inbox.wake()  # a done waiter is skipped, not set twice
    second = inbox.waiter()
    assert second is not None and second is not first
    inbox.offer_book(L2Book("kalshi", "X"))
    assert await asyncio.wait_for(second, 1) is None
