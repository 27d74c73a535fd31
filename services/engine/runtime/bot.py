"""BotRunner: one bot, its strategy and its own task.

The runner drives the bot along the schema's state machine (anything else is
refused with `IllegalTransition`) and publishes every transition as a
`bot.state` event. While RUNNING its task waits on the bot's inbox and calls
the strategy: execution reports first (`on_order`, `on_fill`), then the
newest book of each instrument (`on_book`, coalesced), then public trades,
and `on_timer` every `tickIntervalMs`. Order reports keep flowing while the
bot is paused; market data and timers only reach a running bot.

Any exception out of a hook ends this bot only: it goes to ERROR, a
`bot.error` event carries the traceback, its orders are cancelled and its
feeds released. The engine and every other bot carry on.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import structlog

from services.engine.core.clock import Clock
from services.engine.core.state_machine import BotStateMachine, IllegalTransition, StateChange
from services.engine.core.types import FeedChannel
from services.engine.paper.executor import PaperExecutor
from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.context import BotContext
from services.engine.runtime.inbox import BotInbox
from services.engine.strategies.base import Strategy, StrategyParams
from services.shared.generated.entities import Balance, BotConfig, Fill, Order
from services.shared.generated.enums import BotState, TradingMode
from services.shared.generated.events import BotErrorPayload, BotStatePayload, EventType
from services.shared.logs import get_logger

if TYPE_CHECKING:
    from services.engine.runtime.feeds import FeedManager
    from services.engine.runtime.orders import EventSink, OrderRouter, Venue

log = get_logger(__name__)

# States in which the strategy is live and hears about its orders.
_STRATEGY_LIVE = frozenset({BotState.RUNNING, BotState.PAUSING, BotState.PAUSED})
# States a bot may be (re)started from.
STARTABLE = frozenset({BotState.IDLE, BotState.STOPPED, BotState.ERROR, BotState.RISK_STOPPED})
# Longest traceback carried in a bot.error event (Pub/Sub payloads stay < 10 KB).
MAX_TRACEBACK_CHARS = 6_000


class BotHost(Protocol):
    """What a bot needs from the engine."""

    router: OrderRouter
    feeds: FeedManager
    clock: Clock
    sink: EventSink

    async def prepare_bot(self, bot: BotRunner) -> Venue:
        """Make sure the bot's venue (feed, executor, instruments) is ready; return it."""
        ...

    def bot_finished(self, bot: BotRunner) -> None:
        """The bot reached STOPPED, ERROR or RISK_STOPPED (release what it held)."""
        ...

    def balance(self, venue_name: str, currency: str) -> Balance | None:
        """The last known balance of a venue account."""
        ...

    def suggested_order_size(self, bot: BotRunner, instrument: str, price: Decimal) -> Decimal:
        """The money manager's order size."""
        ...


class BotRunner:
    """Run one bot: lifecycle, strategy hooks, its inbox and timer."""

    def __init__(
        self,
        config: BotConfig,
        strategy_cls: type[Strategy[Any]],
        params: StrategyParams,
        host: BotHost,
        *,
        on_state: Callable[[BotRunner, StateChange], None] | None = None,
    ) -> None:
        self.config = config
        self.bot_id = config.id
        self.strategy_cls = strategy_cls
        self.params = params
        self.host = host
        self.inbox = BotInbox()
        self.machine = BotStateMachine(config.id, listeners=(self._on_transition,))
        self._on_state = on_state
        self.strategy: Strategy[Any] | None = None
        self.ctx = BotContext(self)
        self.venue: Venue | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.books_handled = 0
        self.trades_handled = 0
        self.timer_ticks = 0
        self.last_error: str | None = None
        self.log = log.bind(botId=config.id, exchange=config.exchange.value)
        rm.register_bot(self)

    # -- reads --------------------------------------------------------------------
    @property
    def state(self) -> BotState:
        """The current state."""
        return self.machine.state

    @property
    def paper(self) -> bool:
        """True in paper mode."""
        return self.config.mode is TradingMode.PAPER

    @property
    def venue_name(self) -> str:
        """Name of the execution endpoint the bot trades through."""
        return self.venue.name if self.venue is not None else ""

    @property
    def tick_secs(self) -> float:
        """Timer period."""
        return self.config.tickIntervalMs / 1000

    # -- lifecycle ----------------------------------------------------------------
    async def start(self, reason: str = "start requested") -> None:
        """STARTING -> RUNNING; on any failure the bot ends in ERROR (and this raises)."""
        async with self._lock:
            if self.state not in STARTABLE:
                raise IllegalTransition(self.bot_id, self.state, BotState.STARTING)
            self._transition(BotState.STARTING, reason)
            self.last_error = None
            try:
                self.venue = await self.host.prepare_bot(self)
                self.strategy = self.strategy_cls(self.params)
                self.inbox = BotInbox()
                self.host.router.open_lane(
                    self.bot_id, self.venue, self.strategy_cls.name, self._deliver_exec
                )
                for instrument in self.ctx.instruments:
                    for channel in self._channels(instrument):
                        await self.host.feeds.acquire(
                            self.config.exchange, instrument, channel, self.inbox
                        )
                self.strategy.on_start(self.ctx)
            except Exception as exc:
                await self._fail_locked(exc, "start")
                raise
            self._transition(BotState.RUNNING, "started")
            self._task = asyncio.create_task(self._run(), name=f"bot:{self.bot_id}")

    async def pause(self, reason: str = "pause requested") -> None:
        """RUNNING -> PAUSING -> PAUSED: no new orders, resting ones cancelled."""
        async with self._lock:
            self._transition(BotState.PAUSING, reason)
            await self.host.router.cancel_bot_orders(self.bot_id, f"bot pausing: {reason}")
            self.inbox.clear_market_data()
            self._transition(BotState.PAUSED, reason)

    async def resume(self, reason: str = "resume requested") -> None:
        """PAUSED -> RUNNING."""
        async with self._lock:
            self._transition(BotState.RUNNING, reason)
            self.inbox.wake()

    async def stop(self, reason: str = "stop requested") -> None:
        """-> STOPPING -> STOPPED: on_stop, orders cancelled, feeds released."""
        async with self._lock:
            if self.state in (BotState.STOPPED, BotState.IDLE):
                return
            if self.state in (BotState.ERROR, BotState.RISK_STOPPED):
                self._transition(BotState.STOPPED, reason)
                return
            self._transition(BotState.STOPPING, reason)
            await self._stop_task()
            if self.strategy is not None:
                try:
                    self.strategy.on_stop(self.ctx)
                except Exception as exc:
                    await self._fail_locked(exc, "on_stop")
                    return
            await self.host.router.cancel_bot_orders(self.bot_id, f"bot stopping: {reason}")
            await self._teardown()
            self._transition(BotState.STOPPED, reason)
            self.host.bot_finished(self)

    async def risk_stop(self, reason: str) -> None:
        """-> RISK_STOPPED (risk cancelled the orders first); release feeds."""
        async with self._lock:
            if self.state in (BotState.RISK_STOPPED, BotState.STOPPED, BotState.ERROR):
                return
            if self.state is BotState.STOPPING:
                return  # already on its way down; stop() finishes it
            self._transition(BotState.RISK_STOPPED, reason)
            await self._stop_task()
            await self.host.router.cancel_bot_orders(self.bot_id, f"risk stop: {reason}")
            await self._teardown()
            self.host.bot_finished(self)

    async def cancel_orders(self, reason: str) -> int:
        """Cancel the bot's open orders (BotControl)."""
        return await self.host.router.cancel_bot_orders(self.bot_id, reason)

    async def close(self) -> None:
        """Forget the bot (engine shutdown after stop)."""
        await self._stop_task()
        rm.unregister_bot(self)

    # -- the task -----------------------------------------------------------------
    async def _run(self) -> None:
        # The task's own context: every log line from the strategy carries bot and venue.
        structlog.contextvars.bind_contextvars(
            botId=self.bot_id, exchange=self.config.exchange.value
        )
        loop = asyncio.get_running_loop()
        inbox = self.inbox
        ctx = self.ctx
        strategy = self.strategy
        assert strategy is not None
        on_book = strategy.on_book
        take_book = inbox.take_book
        machine = self.machine
        running, live = BotState.RUNNING, _STRATEGY_LIVE
        tick_secs = self.tick_secs
        next_tick = loop.time() + tick_secs
        # One timer per tick (not one per wait): the feed wakes the task far more often.
        timer = loop.call_at(next_tick, inbox.wake)
        try:
            while True:
                if machine.state not in live:
                    return
                # Await the inbox's future itself: `await inbox.wait()` would
                # build a coroutine on every turn, i.e. on every book update.
                waiter = inbox.waiter()
                if waiter is not None:
                    await waiter
                state = machine.state
                try:
                    if inbox._exec and state in live:
                        for item in inbox.take_exec():
                            if isinstance(item, Fill):
                                strategy.on_fill(ctx, item)
                            else:
                                strategy.on_order(ctx, item)
                    if state is not running:
                        inbox.clear_market_data()
                        continue
                    book = take_book()
                    while book is not None:
                        on_book(ctx, book)
                        self.books_handled += 1
                        book = take_book()
                    if inbox._trades:
                        for trade in inbox.take_trades():
                            strategy.on_trade(ctx, trade)
                            self.trades_handled += 1
                    now = loop.time()
                    if now >= next_tick:
                        self.timer_ticks += 1
                        strategy.on_timer(ctx, self.host.clock.now_ms())
                        next_tick += tick_secs
                        if next_tick <= now:  # fell behind: skip missed ticks, keep the phase
                            next_tick = now + tick_secs
                        timer = loop.call_at(next_tick, inbox.wake)
                except Exception as exc:
                    self._task = None  # the failure path must not cancel this very task
                    async with self._lock:
                        await self._fail_locked(exc, "strategy")
                    return
        finally:
            timer.cancel()

    def _deliver_exec(self, item: Order | Fill) -> None:
        self.inbox.offer_exec(item)

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is None or task is asyncio.current_task():
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def _channels(self, instrument: str) -> frozenset[FeedChannel]:
        """The strategy's feeds, plus what a paper venue simulates margin with (marks, funding)."""
        executor = self.venue.executor if self.venue is not None else None
        if isinstance(executor, PaperExecutor):
            return self.strategy_cls.feeds | executor.market_feeds(instrument)
        return self.strategy_cls.feeds

    async def _teardown(self) -> None:
        for instrument in self.ctx.instruments:
            for channel in self._channels(instrument):
                await self.host.feeds.release(self.config.exchange, instrument, channel, self.inbox)
        await self.host.router.close_lane(self.bot_id)
        self.inbox.clear_market_data()

    async def _fail_locked(self, exc: BaseException, where: str) -> None:
        """-> ERROR with a bot.error event; orders cancelled, feeds released."""
        text = f"{type(exc).__name__}: {exc}"
        self.last_error = text[:1000]
        tb = "".join(traceback.format_exception(exc))[-MAX_TRACEBACK_CHARS:]
        rm.STRATEGY_ERRORS.labels(self.strategy_cls.name).inc()
        self.log.error("bot failed", where=where, error=text)
        self.host.sink.publish(
            EventType.BOT_ERROR,
            BotErrorPayload(botId=self.bot_id, error=f"{where}: {text}"[:2000], traceback=tb),
            exchange=self.config.exchange.value,
            bot_id=self.bot_id,
        )
        if self.machine.can_transition(BotState.ERROR):
            self._transition(BotState.ERROR, f"{where}: {text}"[:500])
        try:
            await self.host.router.cancel_bot_orders(self.bot_id, f"bot error: {text}"[:200])
        except Exception:
            self.log.exception("cancelling orders of a failed bot failed")
        try:
            await self._teardown()
        except Exception:
            self.log.exception("releasing a failed bot failed")
        self.host.bot_finished(self)

    # -- state events ---------------------------------------------------------------
    def _transition(self, target: BotState, reason: str | None) -> None:
        self.machine.transition(target, reason)

    def _on_transition(self, change: StateChange) -> None:
        self.log.info(
            "bot state",
            state=change.state.value,
            previous=change.previous.value,
            reason=change.reason,
        )
        self.host.sink.publish(
            EventType.BOT_STATE,
            BotStatePayload(
                botId=self.bot_id,
                state=change.state,
                previous=change.previous,
                reason=change.reason,
            ),
            exchange=self.config.exchange.value,
            bot_id=self.bot_id,
        )
        if self._on_state is not None:
            self._on_state(self, change)
