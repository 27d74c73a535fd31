"""EngineRuntime: bots, venues, risk and fail-closed wired together, driven by commands.

The EngineApp owns the process (Redis clients, events, outbox, registry,
command channel); the runtime owns trading. Commands handled (payloads are
JSON objects; the bot id comes from `EngineCommand.botId` unless noted):

- `start_bot` `{"config": BotConfig}` (or none: restart the known config)
- `pause_bot`, `resume_bot`, `stop_bot` `{"reason"?: str}`
- `place_order` `{"instrument", "side", "size", "price"?, "type"?, "timeInForce"?,
  "reduceOnly"?, "reason"?}` -> `{"orderId"}` (risk-checked, source manual)
- `cancel_order` `{"orderId"}` -> `{"orderId", "queued"}`
- `kill_switch` `{"engaged": bool = true, "reason"?: str}`
- `reload_config` `{"config": BotConfig}` or `{"configs": [BotConfig, ...]}`
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.engine.adapters.base import VenueAdapter
from services.engine.adapters.registry import UnknownVenue, load_entry_points
from services.engine.commands import CommandDispatcher, CommandError
from services.engine.core.clock import Clock, SystemClock
from services.engine.core.order_tracker import OrderBookkeeping
from services.engine.core.positions import PositionBook, reported
from services.engine.core.state_machine import IllegalTransition
from services.engine.paper.account import PaperAccount
from services.engine.paper.executor import PaperConfig, PaperExecutor
from services.engine.paper.hooks import FundingPayment, LiquidationEvent, PaperVenueKit
from services.engine.risk.control import stop_bot
from services.engine.risk.fx import FxTable
from services.engine.risk.kill_switch import KillSwitch
from services.engine.risk.money import MoneyManager
from services.engine.risk.portfolio import PortfolioRisk
from services.engine.risk.risk_manager import RiskManager
from services.engine.risk.rules import Breach
from services.engine.runtime import runtime_metrics as rm
from services.engine.runtime.bot import STARTABLE, BotRunner
from services.engine.runtime.failclosed import DeadManSwitches, FailClosed
from services.engine.runtime.feeds import DEFAULT_LINGER_SECS, FeedManager
from services.engine.runtime.leases import DEFAULT_LEASE_MS, LeaseManager, LeaseUnavailable
from services.engine.runtime.market import EngineMarket
from services.engine.runtime.orders import EventSink, OrderRouter, Venue
from services.engine.runtime.timeouts import within
from services.engine.runtime.venues import connect_venue, paper_kit
from services.engine.strategies.base import OrderRequest
from services.engine.strategies.registry import StrategyCatalog, UnknownStrategy, default_catalog
from services.shared.generated import constants as c
from services.shared.generated.commands import CommandType, EngineCommand
from services.shared.generated.entities import Balance, BotConfig, PnlSnapshot
from services.shared.generated.enums import (
    BotState,
    EngineStatus,
    Exchange,
    ExchangeScope,
    OrderSide,
    OrderSource,
    OrderType,
    PnlEntityType,
    PnlPeriod,
    TimeInForce,
    TradingMode,
)
from services.shared.generated.events import EventType, RiskBreachPayload, Scope
from services.shared.logs import get_logger
from services.shared.settings import Settings

log = get_logger(__name__)

# How often risk re-evaluates every bot between fills (marks move).
RISK_EVAL_INTERVAL_SECS = 1.0
# How often PnL snapshots are published (only when a figure changed).
PNL_INTERVAL_SECS = 5.0
# How often the engine looks at the global kill-switch key.
KILL_SWITCH_POLL_SECS = 1.0
# How long stopping every bot may take on shutdown.
SHUTDOWN_STOP_SECS = 10.0

# Paper balances a bot starts with unless `venueConfig.paperBalances` says otherwise.
DEFAULT_PAPER_BALANCES: dict[str, Decimal] = {
    "USD": Decimal(100_000),
    "USDC": Decimal(100_000),
    "USDT": Decimal(100_000),
}

PaperFactory = Callable[[BotConfig, Clock, PaperVenueKit], PaperExecutor]
"""(bot config, clock, the venue's paper kit) -> the bot's paper executor (its own account)."""


class RuntimeHost(Protocol):
    """What the runtime needs from the process (EngineApp)."""

    engine_id: str
    exchanges: list[Exchange]

    def publish(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """Emit an event (durable types go to the outbox first)."""
        ...

    async def set_status(self, status: EngineStatus, reason: str) -> None:
        """Change the engine status (an engine.state event)."""
        ...


@dataclass(frozen=True, kw_only=True)
class RuntimeConfig:
    """Runtime knobs; units in the names."""

    fail_closed_grace_ms: int = c.REDIS_FAIL_CLOSED_GRACE_MS
    health_interval_secs: float = 0.1
    lease_ms: int = DEFAULT_LEASE_MS
    feed_linger_secs: float = DEFAULT_LINGER_SECS
    dead_man_timeout_secs: float = 10.0
    pnl_interval_secs: float = PNL_INTERVAL_SECS
    risk_eval_interval_secs: float = RISK_EVAL_INTERVAL_SECS


class ManualOrder(BaseModel):
    """Payload of `place_order`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str = Field(min_length=1)
    side: OrderSide
    size: Decimal = Field(gt=0)
    price: Decimal | None = Field(None, gt=0)
    type: OrderType = OrderType.LIMIT
    timeInForce: TimeInForce = TimeInForce.GTC  # noqa: N815 - the API's field names
    reduceOnly: bool = False  # noqa: N815
    reason: str | None = None


def paper_executor(config: BotConfig, clock: Clock, kit: PaperVenueKit) -> PaperExecutor:
    """A bot's paper executor: its own account, simulating the venue with `kit`.

    The account is funded from `venueConfig.paperBalances`; the kit's rules,
    hooks and fee model make it behave like the venue (defaults where None).
    """
    raw = config.venueConfig.get("paperBalances")
    balances = (
        {str(k).upper(): Decimal(str(v)) for k, v in raw.items()}
        if isinstance(raw, dict)
        else dict(DEFAULT_PAPER_BALANCES)
    )
    account = PaperAccount(config.exchange, balances, clock=clock, account_id=f"paper-{config.id}")
    # Feed updates drive the simulation; no per-bot poll timer (1,000 bots = 1,000 timers).
    return PaperExecutor(
        config.exchange,
        {},
        clock=clock,
        account=account,
        rules=kit.rules,
        hooks=kit.hooks,
        fees=kit.fees,
        config=PaperConfig(poll_interval_secs=None),
    )


class PaperEvents:
    """A paper bot's funding payments (-> `balance`) and liquidations (-> `risk.breach`)."""

    def __init__(self, sink: EventSink, config: BotConfig, account: PaperAccount) -> None:
        self._sink = sink
        self._exchange = config.exchange
        self._bot_id = config.id
        self._account = account

    def on_funding_payment(self, payment: FundingPayment) -> None:
        """Publish the currency's balance after the payment."""
        log.info(
            "paper funding",
            botId=self._bot_id,
            instrument=payment.instrument,
            amount=str(payment.amount),
            rate=str(payment.rate),
            mark=str(payment.mark),
        )
        acct, ccy = self._account, payment.currency
        self._sink.publish(
            EventType.BALANCE,
            Balance(
                exchange=self._exchange,
                accountId=acct.account_id,
                currency=ccy,
                total=acct.total(ccy),
                available=acct.available(ccy),
                frozen=acct.frozen(ccy),
                ts=payment.ts_ms,
            ),
            exchange=self._exchange.value,
            bot_id=self._bot_id,
        )

    def on_liquidation(self, event: LiquidationEvent) -> None:
        """Publish a `liquidation` breach (the order and fill travel as usual)."""
        message = (
            f"{event.instrument}: {event.side.value} {event.size} liquidated at {event.price} "
            f"(mark {event.mark}, realized {event.realized_pnl})"
            + (f"; {event.detail}" if event.detail else "")
        )
        log.warning("paper liquidation", botId=self._bot_id, message=message)
        self._sink.publish(
            EventType.RISK_BREACH,
            RiskBreachPayload(
                rule="liquidation",
                scope=Scope.BOT,
                botId=self._bot_id,
                message=message[:500],
                limit=Decimal(1),
                value=event.margin_ratio,
            ),
            exchange=self._exchange.value,
            bot_id=self._bot_id,
        )


class EngineRuntime:
    """Everything that trades in one engine."""

    def __init__(
        self,
        host: RuntimeHost,
        settings: Settings,
        cache: Redis,
        *,
        config: RuntimeConfig | None = None,
        catalog: StrategyCatalog | None = None,
        clock: Clock | None = None,
        paper_factory: PaperFactory | None = None,
        fx: FxTable | None = None,
    ) -> None:
        self.host = host
        self.sink: EventSink = self
        self.settings = settings
        self.config = config or RuntimeConfig()
        self.clock: Clock = clock or SystemClock()
        self.catalog = catalog or default_catalog()
        self._paper_factory = paper_factory or paper_executor
        self.feeds = FeedManager(linger_secs=self.config.feed_linger_secs)
        self.market = EngineMarket(self.feeds)
        self.tracker = OrderBookkeeping()
        self.positions = PositionBook()
        self.fx = fx or FxTable()
        self.kill_switch = KillSwitch(self.clock)
        self.portfolio = PortfolioRisk(
            positions=self.positions, market=self.market, fx=self.fx, clock=self.clock
        )
        self.risk = RiskManager(
            positions=self.positions,
            orders=self.tracker,
            market=self.market,
            fx=self.fx,
            clock=self.clock,
            kill_switch=self.kill_switch,
            portfolio=self.portfolio,
        )
        self.money = MoneyManager()
        self.router = OrderRouter(
            sink=host,
            tracker=self.tracker,
            positions=self.positions,
            risk=self.risk,
            market=self.market,
            clock=self.clock,
            on_breach=self._on_breach,
        )
        self._cache = cache
        self.leases = LeaseManager(
            cache, host.engine_id, self._on_lease_lost, lease_ms=self.config.lease_ms
        )
        self.fail_closed = FailClosed(
            cache.ping,
            self,
            grace_ms=self.config.fail_closed_grace_ms,
            interval_secs=self.config.health_interval_secs,
        )
        self.dead_man = DeadManSwitches(self.config.dead_man_timeout_secs)
        self.bots: dict[str, BotRunner] = {}
        self.configs: dict[str, BotConfig] = {}
        self._adapters: dict[Exchange, VenueAdapter] = {}
        self._venue_lock = asyncio.Lock()
        self._halted_bots: set[str] = set()
        self._enforcing: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._last_pnl: dict[str, tuple[Decimal, ...]] = {}
        self.halted: str | None = None
        self.balances: dict[tuple[str, str], Balance] = {}

    # -- wiring -------------------------------------------------------------------
    def register_commands(self, dispatcher: CommandDispatcher) -> None:
        """Handle the bot, order, kill-switch and config commands."""
        handlers: dict[CommandType, Callable[[EngineCommand], Awaitable[dict[str, Any]]]] = {
            CommandType.START_BOT: self._cmd_start,
            CommandType.PAUSE_BOT: self._cmd_pause,
            CommandType.RESUME_BOT: self._cmd_resume,
            CommandType.STOP_BOT: self._cmd_stop,
            CommandType.PLACE_ORDER: self._cmd_place,
            CommandType.CANCEL_ORDER: self._cmd_cancel,
            CommandType.KILL_SWITCH: self._cmd_kill_switch,
            CommandType.RELOAD_CONFIG: self._cmd_reload,
        }
        for command_type, handler in handlers.items():
            dispatcher.register(command_type, handler)

    def background_tasks(self) -> list[Callable[[], Awaitable[None]]]:
        """Coroutines the app runs for the engine's lifetime."""
        return [
            self.fail_closed.run,
            self.leases.run,
            self.dead_man.run,
            self._risk_loop,
            self._pnl_loop,
            self._kill_switch_loop,
        ]

    @property
    def active_bots(self) -> int:
        """Bots not stopped."""
        return sum(
            1
            for b in self.bots.values()
            if b.state
            not in (BotState.STOPPED, BotState.ERROR, BotState.RISK_STOPPED, BotState.IDLE)
        )

    # -- events -------------------------------------------------------------------
    def publish(
        self,
        event_type: EventType,
        payload: BaseModel | dict[str, Any],
        *,
        exchange: str | None = None,
        bot_id: str | None = None,
    ) -> None:
        """Forward to the host (the EventSink of the router and bots)."""
        self.host.publish(event_type, payload, exchange=exchange, bot_id=bot_id)

    # -- venues -------------------------------------------------------------------
    async def _adapter(self, exchange: Exchange) -> VenueAdapter:
        async with self._venue_lock:
            adapter = self._adapters.get(exchange)
            if adapter is not None:
                return adapter
            try:
                adapter = connect_venue(exchange, self.settings)
            except UnknownVenue:
                load_entry_points()
                adapter = connect_venue(exchange, self.settings)
            await self.feeds.add_venue(exchange, adapter.feed)
            self._adapters[exchange] = adapter
            return adapter

    async def _venue(self, config: BotConfig) -> Venue:
        exchange, mode = config.exchange, config.mode
        adapter = await self._adapter(exchange)
        # Paper: one simulated account per bot; live: the venue's account.
        name = (
            f"paper:{exchange.value}:{config.id}"
            if mode is TradingMode.PAPER
            else f"live:{exchange.value}"
        )
        venue = self.router.venue(name)
        if venue is not None:
            return venue
        if mode is TradingMode.PAPER:
            paper = self._paper_factory(config, self.clock, paper_kit(adapter))
            paper.set_paper_listener(PaperEvents(self, config, paper.account))
            self.feeds.add_tap(exchange, paper)
            venue = Venue(name, exchange, paper, paper=True, account=paper.account)
        else:
            if adapter.executor is None:
                raise CommandError(f"{exchange.value}: no live executor (no credentials)")
            venue = Venue(name, exchange, adapter.executor, paper=False, account=adapter.account)
        await venue.executor.start()
        self.router.add_venue(venue)
        if not venue.paper:
            self.dead_man.add(name, venue.executor)
            await self.dead_man.refresh_all()
        return venue

    async def prepare_bot(self, bot: BotRunner) -> Venue:
        """BotHost: venue ready, instruments known, risk registered."""
        config = bot.config
        venue = await self._venue(config)
        provider = self.feeds.provider(config.exchange)
        for item in config.instruments:
            symbol = str(item.root)
            meta = self.market.instrument(config.exchange.value, symbol)
            if meta is None:
                meta = await provider.instrument(symbol)
                self.market.add_instrument(meta)
            if isinstance(venue.executor, PaperExecutor):
                venue.executor.add_instrument(meta)
        capital = config.venueConfig.get("capitalUsd")
        self.risk.register_bot(
            bot.bot_id,
            config.riskLimits,
            capital_usd=Decimal(str(capital)) if capital is not None else None,
        )
        self.risk.clear_halt(bot.bot_id)
        return venue

    def bot_finished(self, bot: BotRunner) -> None:
        """BotHost: give the lease back."""
        self._halted_bots.discard(bot.bot_id)
        self._spawn(self.leases.release(bot.bot_id), f"lease-release:{bot.bot_id}")

    def balance(self, venue_name: str, currency: str) -> Balance | None:
        """BotHost: the paper account's balance now, else the last one the venue reported."""
        venue = self.router.venue(venue_name)
        if venue is not None and isinstance(venue.account, PaperAccount):
            acct, ccy = venue.account, currency.upper()
            return Balance(
                exchange=venue.exchange,
                accountId=acct.account_id,
                currency=ccy,
                total=acct.total(ccy),
                available=acct.available(ccy),
                frozen=acct.frozen(ccy),
                ts=self.clock.now_ms(),
            )
        return self.balances.get((venue_name, currency.upper()))

    def suggested_order_size(self, bot: BotRunner, instrument: str, price: Decimal) -> Decimal:
        """BotHost: the money manager's size on the bot's quote balance."""
        meta = self.market.instrument(bot.config.exchange.value, instrument)
        if meta is None:
            return Decimal(0)
        bal = self.balance(bot.venue_name, meta.quote)
        if bal is None:
            return Decimal(0)
        size = self.money.suggested_order_size(balance=bal.available, price=price, instrument=meta)
        return size if size is not None else Decimal(0)

    # -- bots ---------------------------------------------------------------------
    def _runner_for(self, config: BotConfig) -> BotRunner:
        if config.exchange not in self.host.exchanges:
            served = ", ".join(e.value for e in self.host.exchanges)
            raise CommandError(f"this engine serves {served}, not {config.exchange.value}")
        try:
            cls = self.catalog.get(config.strategy)
        except UnknownStrategy as exc:
            raise CommandError(str(exc)) from None
        if not cls.supports(config.exchange):
            raise CommandError(f"strategy {cls.name} does not support {config.exchange.value}")
        try:
            params = cls.parse_params(config.params)
        except ValidationError as exc:
            raise CommandError(f"invalid params for {cls.name}: {_errors(exc)}") from None
        runner = self.bots.get(config.id)
        if runner is None:
            runner = BotRunner(config, cls, params, self)
            self.bots[config.id] = runner
        elif runner.state in STARTABLE:
            runner.config, runner.strategy_cls, runner.params = config, cls, params
        self.configs[config.id] = config
        return runner

    async def start_bot(self, config: BotConfig, reason: str = "start requested") -> BotRunner:
        """Take the lease and start the bot (raise CommandError when refused)."""
        if self.kill_switch.engaged:
            raise CommandError(f"kill switch engaged: {self.kill_switch.reason}")
        if self.halted is not None:
            raise CommandError(f"engine halted: {self.halted}")
        existing = self.bots.get(config.id)
        if existing is not None and existing.state not in STARTABLE:
            raise CommandError(f"bot {config.id} is {existing.state.value}")
        runner = self._runner_for(config)
        try:
            await self.leases.acquire(config.id)
        except LeaseUnavailable as exc:
            raise CommandError(str(exc)) from None
        try:
            await runner.start(reason)
        except Exception as exc:
            await self.leases.release(config.id)
            raise CommandError(f"bot {config.id} failed to start: {exc}") from exc
        return runner

    def _bot(self, command: EngineCommand) -> BotRunner:
        bot_id = command.botId or command.payload.get("botId")
        if not bot_id:
            raise CommandError("botId is required")
        runner = self.bots.get(str(bot_id))
        if runner is None:
            raise CommandError(f"unknown bot {bot_id}")
        return runner

    # -- commands -----------------------------------------------------------------
    async def _cmd_start(self, command: EngineCommand) -> dict[str, Any]:
        raw = command.payload.get("config")
        if raw is not None:
            try:
                config = BotConfig.model_validate(raw)
            except ValidationError as exc:
                raise CommandError(f"invalid config: {_errors(exc)}") from None
            if command.botId and command.botId != config.id:
                raise CommandError(f"botId {command.botId} does not match config id {config.id}")
        else:
            known = self.configs.get(command.botId or "")
            if known is None:
                raise CommandError("start_bot needs payload.config for a bot this engine lacks")
            config = known
        runner = await self.start_bot(config, _reason(command, "start requested"))
        return {"botId": runner.bot_id, "state": runner.state.value}

    async def _cmd_pause(self, command: EngineCommand) -> dict[str, Any]:
        runner = self._bot(command)
        await self._guard(runner.pause(_reason(command, "pause requested")))
        self._halted_bots.discard(runner.bot_id)
        return {"botId": runner.bot_id, "state": runner.state.value}

    async def _cmd_resume(self, command: EngineCommand) -> dict[str, Any]:
        runner = self._bot(command)
        if self.halted is not None:
            raise CommandError(f"engine halted: {self.halted}")
        if self.kill_switch.engaged:
            raise CommandError(f"kill switch engaged: {self.kill_switch.reason}")
        await self._guard(runner.resume(_reason(command, "resume requested")))
        return {"botId": runner.bot_id, "state": runner.state.value}

    async def _cmd_stop(self, command: EngineCommand) -> dict[str, Any]:
        runner = self._bot(command)
        await self._guard(runner.stop(_reason(command, "stop requested")))
        return {"botId": runner.bot_id, "state": runner.state.value}

    async def _cmd_place(self, command: EngineCommand) -> dict[str, Any]:
        runner = self._bot(command)
        payload = {k: v for k, v in command.payload.items() if k != "botId"}
        try:
            order = ManualOrder.model_validate(payload)
        except ValidationError as exc:
            raise CommandError(f"invalid order: {_errors(exc)}") from None
        if self.router.lane(runner.bot_id) is None:
            raise CommandError(f"bot {runner.bot_id} is {runner.state.value}: no order lane")
        if order.instrument not in runner.ctx.instruments:
            raise CommandError(f"{order.instrument} is not an instrument of bot {runner.bot_id}")
        request = OrderRequest(
            instrument=order.instrument,
            side=order.side,
            size=order.size,
            price=order.price,
            type=order.type,
            time_in_force=order.timeInForce,
            reduce_only=order.reduceOnly,
            reason=order.reason or f"manual order {command.id}",
        )
        order_id = self.router.submit(runner.bot_id, request, source=OrderSource.MANUAL)
        if order_id is None:
            raise CommandError(f"order refused: {self.router.last_reject}")
        return {"orderId": order_id, "botId": runner.bot_id}

    async def _cmd_cancel(self, command: EngineCommand) -> dict[str, Any]:
        order_id = command.payload.get("orderId")
        if not isinstance(order_id, str) or not order_id:
            raise CommandError("payload.orderId is required")
        order = self.tracker.get(order_id)
        bot_id = command.botId or (order.botId if order is not None else None)
        if bot_id is None:
            for lane_bot, runner in self.bots.items():
                lane = self.router.lane(lane_bot)
                if lane is not None and order_id in lane.inflight:
                    bot_id = runner.bot_id
        if bot_id is None:
            raise CommandError(f"unknown order {order_id}")
        if not self.router.cancel(bot_id, order_id):
            raise CommandError(f"order {order_id} is not open")
        return {"orderId": order_id, "queued": True}

    async def _cmd_kill_switch(self, command: EngineCommand) -> dict[str, Any]:
        engaged = command.payload.get("engaged", True)
        reason = str(command.payload.get("reason") or f"command {command.id}")
        if not isinstance(engaged, bool):
            raise CommandError("payload.engaged must be a boolean")
        if engaged:
            stopped = await self.engage_kill_switch(reason)
            return {"engaged": True, "stopped": stopped}
        await self.release_kill_switch()
        return {"engaged": False, "stopped": []}

    async def _cmd_reload(self, command: EngineCommand) -> dict[str, Any]:
        raw_list = command.payload.get("configs")
        if raw_list is None and "config" in command.payload:
            raw_list = [command.payload["config"]]
        if not isinstance(raw_list, list) or not raw_list:
            raise CommandError("payload.config or payload.configs is required")
        try:
            configs = [BotConfig.model_validate(raw) for raw in raw_list]
        except ValidationError as exc:
            raise CommandError(f"invalid config: {_errors(exc)}") from None
        updated, restarted, limits_only = [], [], []
        for config in configs:
            runner = self.bots.get(config.id)
            old = self.configs.get(config.id)
            self.configs[config.id] = config
            updated.append(config.id)
            if runner is None or runner.state in STARTABLE or old is None:
                if runner is not None:
                    self._runner_for(config)
                continue
            if _only_limits_changed(old, config):
                self.risk.update_limits(config.id, config.riskLimits)
                runner.config = config
                limits_only.append(config.id)
                continue
            await runner.stop("config reloaded")
            await self.start_bot(config, "config reloaded")
            restarted.append(config.id)
        return {"updated": updated, "restarted": restarted, "limitsApplied": limits_only}

    @staticmethod
    async def _guard(step: Awaitable[None]) -> None:
        try:
            await step
        except IllegalTransition as exc:
            raise CommandError(str(exc)) from None

    # -- risk ---------------------------------------------------------------------
    def _on_breach(self, bot_id: str, breach: Breach) -> None:
        self.publish(
            EventType.RISK_BREACH,
            breach.to_payload(),
            exchange=self._bot_exchange(bot_id),
            bot_id=bot_id,
        )
        if not breach.hard or bot_id in self._enforcing:
            return
        self._enforcing.add(bot_id)
        rm.RISK_STOPS.labels(self._bot_exchange(bot_id)).inc()

        async def enforce() -> None:
            try:
                await self.risk.enforce(bot_id, breach, self)
            finally:
                self._enforcing.discard(bot_id)

        self._spawn(enforce(), f"risk-stop:{bot_id}")

    def _bot_exchange(self, bot_id: str) -> str:
        runner = self.bots.get(bot_id)
        return runner.config.exchange.value if runner is not None else "all"

    # BotControl / FleetControl (risk stops bots through these)
    async def cancel_all_orders(self, bot_id: str) -> None:
        """Cancel every open order of the bot."""
        await self.router.cancel_bot_orders(bot_id, "risk stop")

    async def set_state(self, bot_id: str, state: BotState, reason: str) -> None:
        """Move the bot to RISK_STOPPED (or another terminal state)."""
        runner = self.bots.get(bot_id)
        if runner is None:
            return
        if state is BotState.RISK_STOPPED:
            await runner.risk_stop(reason)
        elif state is BotState.STOPPED:
            await runner.stop(reason)
        else:
            raise ValueError(f"risk cannot set {state}")

    def bot_ids(self) -> list[str]:
        """Every bot that is not already down."""
        return [
            b.bot_id
            for b in self.bots.values()
            if b.state
            not in (BotState.STOPPED, BotState.RISK_STOPPED, BotState.ERROR, BotState.IDLE)
        ]

    async def engage_kill_switch(self, reason: str) -> list[str]:
        """Refuse everything, cancel all orders, RISK_STOP every bot; mirror in Redis."""
        first = not self.kill_switch.engaged
        targets = self.bot_ids()
        if first:
            self.publish(
                EventType.RISK_BREACH,
                RiskBreachPayload(rule="killSwitch", scope=Scope.PORTFOLIO, message=reason),
            )
        results = await self.kill_switch.engage(self, reason)
        await self.router.cancel_everything(f"kill switch: {reason}")
        with contextlib.suppress(RedisError, OSError):
            await self._cache.set(c.KILL_SWITCH_KEY, reason)
        for result in results:
            if not result.ok:
                log.error(
                    "kill switch could not fully stop a bot",
                    botId=result.bot_id,
                    error=result.error,
                )
        return targets

    async def release_kill_switch(self) -> None:
        """Accept orders again (stopped bots stay stopped)."""
        self.kill_switch.release()
        with contextlib.suppress(RedisError, OSError):
            await self._cache.delete(c.KILL_SWITCH_KEY)

    async def _kill_switch_loop(self) -> None:
        while True:
            await asyncio.sleep(KILL_SWITCH_POLL_SECS)
            try:
                reason = await self._cache.get(c.KILL_SWITCH_KEY)
            except (RedisError, OSError):
                continue
            if reason is not None and not self.kill_switch.engaged:
                await self.engage_kill_switch(reason.decode(errors="replace"))

    async def _risk_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.risk_eval_interval_secs)
            for bot_id in self.bot_ids():
                for breach in self.risk.evaluate(bot_id):
                    self._on_breach(bot_id, breach)
            for breach in self.portfolio.evaluate():
                self.publish(EventType.RISK_BREACH, breach.to_payload())
                if breach.hard and self.portfolio.halted is None:
                    await self.portfolio.enforce(breach, self)

    # -- PnL ----------------------------------------------------------------------
    async def _pnl_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.pnl_interval_secs)
            self.publish_pnl()

    def publish_pnl(self) -> int:
        """Publish a PnL snapshot per bot whose figures changed; return how many."""
        sent = 0
        now = self.clock.now_ms()
        for runner in list(self.bots.values()):
            positions = self.positions.positions(runner.bot_id)
            if not positions:
                continue
            try:
                figures = self.risk.figures(runner.bot_id)
            except (KeyError, LookupError):
                continue
            realized = sum((p.net_realized for p in positions), Decimal(0))
            unrealized = sum((p.unrealized_pnl() for p in positions), Decimal(0))
            fees = sum((p.fees for p in positions), Decimal(0))
            volume = sum((p.volume for p in positions), Decimal(0))
            trades = sum(p.trade_count for p in positions)
            key = (realized, unrealized, fees, volume, Decimal(trades))
            if self._last_pnl.get(runner.bot_id) == key:
                continue
            self._last_pnl[runner.bot_id] = key
            currencies = {p.currency for p in positions}
            snapshot = PnlSnapshot(
                entityType=PnlEntityType.BOT,
                entityId=runner.bot_id,
                exchange=ExchangeScope(runner.config.exchange.value),
                period=PnlPeriod.FIELD_1H,
                ts=now,
                realized=reported(realized),
                unrealized=reported(unrealized),
                total=reported(realized + unrealized),
                realizedUsd=reported(figures.realized_usd - figures.fees_usd),
                unrealizedUsd=reported(figures.unrealized_usd),
                totalUsd=reported(figures.total_pnl_usd),
                currency=next(iter(currencies)) if len(currencies) == 1 else None,
                volume=volume,
                tradeCount=trades,
                fees=fees,
                paper=runner.paper,
                fxRates={ccy: rate for ccy in currencies if (rate := self.fx.get(ccy)) is not None},
            )
            self.publish(
                EventType.PNL_SNAPSHOT,
                snapshot,
                exchange=runner.config.exchange.value,
                bot_id=runner.bot_id,
            )
            sent += 1
        return sent

    # -- fail-closed (FailClosedTarget) ----------------------------------------------
    def suspend(self, reason: str) -> None:
        """Refuse new orders while Redis is in doubt."""
        self.router.suspended = reason

    def unsuspend(self) -> None:
        """Redis answered within the grace."""
        self.router.suspended = None

    async def halt(self, reason: str) -> None:
        """Stop new orders, cancel what rests, pause running bots; status HALTED."""
        self.halted = reason
        self.router.halted = f"engine halted: {reason}"
        await self.host.set_status(EngineStatus.HALTED, reason)
        running = [b for b in self.bots.values() if b.state is BotState.RUNNING]
        for runner in running:
            self._halted_bots.add(runner.bot_id)
        await asyncio.gather(
            *(self._guard(b.pause(f"fail-closed: {reason}")) for b in running),
            return_exceptions=True,
        )
        cancelled = await self.router.cancel_everything(f"fail-closed: {reason}")
        log.error("engine halted", reason=reason, paused=len(running), cancelled=cancelled)

    async def recover(self) -> None:
        """Reconcile every venue, then resume the bots `halt` paused; status RUNNING."""
        for venue in self.router.venues():
            summary = await self.router.reconcile(venue)
            log.info("venue reconciled", venue=venue.name, **summary)
        self.halted = None
        self.router.halted = None
        self.router.suspended = None
        if self.kill_switch.engaged:
            self._halted_bots.clear()
        for bot_id in sorted(self._halted_bots):
            runner = self.bots.get(bot_id)
            if runner is not None and runner.state is BotState.PAUSED:
                try:
                    await runner.resume("redis back; venues reconciled")
                except IllegalTransition:
                    continue
        self._halted_bots.clear()
        await self.host.set_status(EngineStatus.RUNNING, "redis back; venues reconciled")

    async def _on_lease_lost(self, bot_id: str, reason: str) -> None:
        runner = self.bots.get(bot_id)
        if runner is None:
            return
        self._halted_bots.discard(bot_id)
        await stop_bot(self, bot_id, reason, BotState.STOPPED)

    # -- lifecycle ----------------------------------------------------------------
    async def shutdown(self) -> None:
        """Stop every bot (orders cancelled, leases released) and the venues."""
        active = [b for b in self.bots.values() if b.state not in STARTABLE]
        with contextlib.suppress(TimeoutError):
            await within(
                asyncio.gather(*(self._safe_stop(b) for b in active), return_exceptions=True),
                SHUTDOWN_STOP_SECS,
            )
        for runner in self.bots.values():
            await runner.close()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        for venue in self.router.venues():
            with contextlib.suppress(Exception):
                await venue.executor.stop()
        await self.feeds.close()

    async def _safe_stop(self, runner: BotRunner) -> None:
        try:
            await runner.stop("engine shutting down")
        except Exception:
            log.exception("stopping bot on shutdown failed", botId=runner.bot_id)
        await self.leases.release(runner.bot_id)

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        # The coroutine goes straight to the task: a wrapper cancelled before it
        # first runs would leave `coro` never awaited (a RuntimeWarning).
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _reason(command: EngineCommand, default: str) -> str:
    value = command.payload.get("reason")
    return str(value)[:500] if value else default


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()[:5]
    )


def _only_limits_changed(old: BotConfig, new: BotConfig) -> bool:
    skip = {"riskLimits", "name", "description", "tags"}
    return old.model_dump(exclude=skip) == new.model_dump(exclude=skip)
