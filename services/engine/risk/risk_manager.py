"""Per-bot risk: pre-trade checks on every intent, limit evaluation after fills and on ticks.

The manager reads engine state it does not own (positions, tracked orders,
market prices, FX rates, the clock) and builds one `RiskContext` per check, so
the rules stay pure. It owns only what risk alone needs: each bot's limits,
equity curve (daily PnL, peak for drawdown), order-rate window and the intents
it accepted that the order tracker has not seen yet (so a burst of intents
cannot slip past maxOpenOrders or maxPositionSize).

`check` is on every order's path, so each bot's limits are compiled once
(`register_bot`, `update_limits`) into the rules they need: an unset limit
costs nothing. The two costly parts of a context are gathered per check only
when a set limit reads them: the bot's open orders (counted over the tracker
and the in-flight intents) and its USD figures (every position marked to
market, which also advances the equity curve). Otherwise a check's context
holds zero open orders and the figures of the last evaluation; `context()`
always gathers everything.

Enforcement is the runtime's to trigger: `check` returns a decision whose
`breach` is set when a hard limit was hit, `evaluate` returns breaches, and
`enforce(bot_id, breach, control)` halts the bot's intents at once, then
cancels its orders and moves it to RISK_STOPPED through `BotControl`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from services.engine.core.clock import Clock
from services.engine.core.order_tracker import OrderBookkeeping
from services.engine.core.positions import (
    EquityTracker,
    PositionBook,
    PositionState,
    contract_multiplier,
    is_inverse,
    pnl_currency,
)
from services.engine.core.types import OrderIntent
from services.engine.risk import rules as r
from services.engine.risk.control import BotControl, StopResult, stop_bot
from services.engine.risk.fx import FxTable, UnknownCurrency
from services.engine.risk.kill_switch import KillSwitch
from services.engine.risk.market import MarketView
from services.engine.risk.portfolio import PortfolioRisk
from services.engine.risk.rules import Breach, RiskDecision
from services.engine.risk.valuation import UsdTotals, valuation_price, value_position
from services.shared.generated.entities import Instrument, RiskLimits
from services.shared.generated.enums import OrderSide
from services.shared.generated.events import Scope

_ZERO = Decimal(0)
_BUY = OrderSide.BUY
# The orders-per-minute window.
RATE_WINDOW_MS = 60_000
# What `check` returns for every accepted intent.
ACCEPTED = r.passed("all")
# The limits of operator orders (none; validated once, not per order).
_NO_LIMITS = RiskLimits()
# The figures of a bot without positions (only ever read, never added to).
_NO_POSITIONS = UsdTotals()
# What `check` returns for an intent it has already accepted (a retry).
RETRY = r.passed("retry")
# How long an accepted intent counts as in flight if the tracker never hears of it
# (an executor that raised before reporting anything).
DEFAULT_INFLIGHT_TTL_MS = 10_000
# In-flight intents a bot may hold before a check prunes them, when none of its
# limits counts open orders (counting prunes them on every check).
INFLIGHT_PRUNE_AT = 1_024


@dataclass(slots=True)
class _Slot:
    """What checks of one instrument read that changes only with its metadata or the FX table.

    Built per bot and instrument on the first check; rebuilt when the market
    hands out another `Instrument` object, and the USD rate re-read whenever
    the FX table changed since it was cached.
    """

    instrument: Instrument
    exchange: str
    symbol: str
    currency: str
    multiplier: Decimal
    inverse: bool
    fx_version: int = -1
    usd_rate: Decimal | None = None


@dataclass(slots=True)
class _BotRisk:
    limits: RiskLimits
    equity: EquityTracker
    compiled: r.CompiledRules
    order_times: deque[int] = field(default_factory=deque)
    inflight: dict[str, tuple[OrderIntent, int]] = field(default_factory=dict)
    halted: str | None = None
    # The USD figures of the last valuation (what a check reports when no set
    # limit needs them fresh); read only.
    totals: UsdTotals = field(default_factory=lambda: _NO_POSITIONS)
    # The equity figures checks read, as of `equity.version` (-1: not read yet).
    equity_version: int = -1
    daily_pnl: Decimal = _ZERO
    drawdown_pct: Decimal | None = None
    # Per-instrument constants of the checks (see `_Slot`), by symbol.
    slots: dict[str, _Slot] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BotRiskFigures:
    """A bot's current USD figures, as the last check or evaluation saw them."""

    realized_usd: Decimal
    unrealized_usd: Decimal
    fees_usd: Decimal
    total_pnl_usd: Decimal
    exposure_usd: Decimal
    daily_pnl_usd: Decimal
    drawdown_pct: Decimal | None
    equity_usd: Decimal


class RiskManager:
    """Pre-trade checks and limit evaluation for every bot of one engine."""

    def __init__(
        self,
        *,
        positions: PositionBook,
        orders: OrderBookkeeping,
        market: MarketView,
        fx: FxTable,
        clock: Clock,
        kill_switch: KillSwitch | None = None,
        portfolio: PortfolioRisk | None = None,
        soft_rules: frozenset[str] = frozenset(),
        inflight_ttl_ms: int = DEFAULT_INFLIGHT_TTL_MS,
    ) -> None:
        unknown = soft_rules - r.LIMIT_RULES
        if unknown:
            raise ValueError(f"soft_rules names no limit: {sorted(unknown)}")
        self._positions = positions
        self._orders = orders
        self._market = market
        self._fx = fx
        self._clock = clock
        self._kill_switch = kill_switch
        self._portfolio = portfolio
        self._soft_rules = soft_rules
        self._inflight_ttl_ms = inflight_ttl_ms
        self._bots: dict[str, _BotRisk] = {}

    # -- bots -----------------------------------------------------------
    def register_bot(
        self, bot_id: str, limits: RiskLimits, *, capital_usd: Decimal | None = None
    ) -> None:
        """Start checking a bot against `limits`; `capital_usd` is the base of drawdown %."""
        if limits.maxDrawdownPct is not None and (capital_usd is None or capital_usd <= 0):
            raise ValueError(f"bot {bot_id}: maxDrawdownPct needs a positive capital_usd")
        self._bots[bot_id] = _BotRisk(
            limits, EquityTracker(capital=capital_usd), r.compile_pre_trade(limits)
        )

    def update_limits(self, bot_id: str, limits: RiskLimits) -> None:
        """Replace a registered bot's limits (keeps its PnL history)."""
        bot = self._bot(bot_id)
        if limits.maxDrawdownPct is not None and not bot.equity.capital:
            raise ValueError(f"bot {bot_id}: maxDrawdownPct needs a positive capital_usd")
        bot.limits = limits
        bot.compiled = r.compile_pre_trade(limits)

    def unregister_bot(self, bot_id: str) -> None:
        """Stop tracking a bot."""
        self._bots.pop(bot_id, None)

    def limits(self, bot_id: str) -> RiskLimits:
        """A registered bot's limits."""
        return self._bot(bot_id).limits

    def is_halted(self, bot_id: str) -> bool:
        """True once `enforce` stopped the bot, until `clear_halt`."""
        bot = self._bots.get(bot_id)
        return bot is not None and bot.halted is not None

    def clear_halt(self, bot_id: str) -> None:
        """Let a risk-stopped bot trade again (call when it is restarted)."""
        self._bot(bot_id).halted = None

    # -- pre-trade ------------------------------------------------------
    def check(self, intent: OrderIntent) -> RiskDecision:
        """Accept or refuse one intent; accepted ones count toward rate and open-order limits."""
        kill_switch = self._kill_switch
        if kill_switch is not None and kill_switch.engaged_at_ms is not None:
            return kill_switch.check(intent)
        portfolio = self._portfolio
        if portfolio is not None and portfolio.halted is not None:
            return r.refused(r.RULE_HALTED, f"portfolio stopped: {portfolio.halted}")
        bot_id = intent.bot_id
        if bot_id is None:
            return self._check_manual(intent)
        bot = self._bots.get(bot_id)
        if bot is None:
            return r.refused(r.RULE_UNKNOWN_BOT, f"bot {bot_id} has no risk limits")
        if bot.halted is not None:
            return r.refused(r.RULE_HALTED, f"bot {bot_id} is risk-stopped: {bot.halted}")
        coid = intent.client_order_id
        if coid in bot.inflight or self._orders.get(coid) is not None:
            return RETRY
        symbol = intent.instrument
        instrument = self._market.instrument(intent.exchange, symbol)
        if instrument is None:
            return r.refused(r.RULE_INSTRUMENT, f"unknown instrument {intent.exchange}:{symbol}")
        slot = bot.slots.get(symbol)
        if slot is None or slot.instrument is not instrument:
            slot = bot.slots[symbol] = _Slot(
                instrument,
                str(instrument.exchange),
                instrument.symbol,
                pnl_currency(instrument),
                contract_multiplier(instrument),
                is_inverse(instrument),
            )
        fx = self._fx
        if slot.fx_version != fx.version:
            slot.usd_rate = fx.get(slot.currency)
            slot.fx_version = fx.version
        now = self._clock.now_ms()
        compiled = bot.compiled
        try:
            ctx = self._market_ctx(
                bot_id,
                bot,
                instrument,
                slot.exchange,
                slot.symbol,
                now,
                compiled.reads_open_orders,
                compiled.reads_figures,
                slot,
            )
        except UnknownCurrency as exc:
            return r.refused(r.RULE_FX, str(exc))
        for rule in compiled.rules:
            decision = rule(intent, ctx)
            if not decision.accepted:
                return self._with_breach(decision, bot_id, intent.instrument)
        if portfolio is not None:
            decision = portfolio.check(intent, ctx)
            if not decision.accepted:
                return self._with_breach(decision, bot_id, intent.instrument)
        bot.order_times.append(now)
        inflight = bot.inflight
        inflight[coid] = (intent, now)
        if not compiled.reads_open_orders and len(inflight) > INFLIGHT_PRUNE_AT:
            self._prune_inflight(bot, now)
        return ACCEPTED

    def discard(self, bot_id: str, client_order_id: str) -> None:
        """Forget an accepted intent that was never sent (it stops counting as open)."""
        bot = self._bots.get(bot_id)
        if bot is not None:
            bot.inflight.pop(client_order_id, None)

    def _check_manual(self, intent: OrderIntent) -> RiskDecision:
        """Operator orders have no bot limits; only validity and the portfolio apply."""
        decision = r.valid_intent(intent, r.RiskContext(bot_id=None, limits=_NO_LIMITS))
        if not decision.accepted:
            return decision
        if self._portfolio is None:
            return ACCEPTED
        instrument = self._market.instrument(intent.exchange, intent.instrument)
        usd_rate = self._fx.get(pnl_currency(instrument)) if instrument is not None else None
        ctx = r.RiskContext(
            bot_id=None,
            limits=_NO_LIMITS,
            instrument=instrument,
            mid=self._market.mid(intent.exchange, intent.instrument),
            mark=self._market.mark(intent.exchange, intent.instrument),
            usd_rate=usd_rate,
        )
        decision = self._portfolio.check(intent, ctx)
        return decision if not decision.accepted else ACCEPTED

    # -- post-trade / on tick -------------------------------------------
    def evaluate(self, bot_id: str) -> list[Breach]:
        """Mark the bot's positions to market and return every limit it breaches now."""
        bot = self._bots.get(bot_id)
        if bot is None or bot.halted is not None:
            return []
        now = self._clock.now_ms()
        self._prune_inflight(bot, now)
        try:
            totals, per_position = self._figures(bot_id, bot, now)
        except UnknownCurrency as exc:
            return [
                Breach(r.RULE_FX, Scope.BOT, str(exc), bot_id=bot_id, hard=False),
            ]
        breaches: list[Breach] = []
        bot_ctx = self._bot_ctx(bot_id, bot, totals)
        for state_rule in r.BOT_STATE_RULES:
            decision = state_rule(bot_ctx)
            if not decision.accepted:
                breaches.append(self._breach(decision, bot_id, None))
        for pos, values in per_position:
            if pos.is_flat and values.realized == 0 and values.fees == 0:
                continue
            instrument = self._market.instrument(pos.exchange, pos.instrument)
            ctx = self._market_ctx(bot_id, bot, instrument, pos.exchange, pos.instrument, now)
            for state_rule in r.MARKET_STATE_RULES:
                decision = state_rule(ctx)
                if not decision.accepted:
                    breaches.append(self._breach(decision, bot_id, pos.instrument))
        return breaches

    def evaluate_all(self) -> list[Breach]:
        """Evaluate every registered bot."""
        out: list[Breach] = []
        for bot_id in list(self._bots):
            out.extend(self.evaluate(bot_id))
        return out

    def figures(self, bot_id: str) -> BotRiskFigures:
        """The bot's USD figures now (raise UnknownCurrency when a rate is missing)."""
        bot = self._bot(bot_id)
        totals, _ = self._figures(bot_id, bot, self._clock.now_ms())
        eq = bot.equity
        return BotRiskFigures(
            realized_usd=totals.realized,
            unrealized_usd=totals.unrealized,
            fees_usd=totals.fees,
            total_pnl_usd=totals.total,
            exposure_usd=totals.exposure,
            daily_pnl_usd=eq.daily_pnl,
            drawdown_pct=eq.drawdown_pct,
            equity_usd=eq.equity,
        )

    async def enforce(self, bot_id: str, breach: Breach, control: BotControl) -> StopResult | None:
        """Stop a bot for a hard breach: refuse its intents now, cancel its orders, RISK_STOPPED.

        Return None (and do nothing) for a soft breach.
        """
        if not breach.hard:
            return None
        reason = f"{breach.rule}: {breach.message}"
        bot = self._bots.get(bot_id)
        if bot is not None:
            # Set before the first await, so no intent gets through while we cancel.
            bot.halted = reason
        return await stop_bot(control, bot_id, reason)

    # -- context --------------------------------------------------------
    def context(self, bot_id: str, exchange: str, symbol: str) -> r.RiskContext:
        """The RiskContext a check on (bot, instrument) would see now, every figure gathered."""
        bot = self._bot(bot_id)
        instrument = self._market.instrument(exchange, symbol)
        if instrument is None:
            raise KeyError(f"unknown instrument {exchange}:{symbol}")
        return self._market_ctx(
            bot_id,
            bot,
            instrument,
            str(instrument.exchange),
            instrument.symbol,
            self._clock.now_ms(),
            open_orders=True,
            figures=True,
        )

    def _figures(
        self, bot_id: str, bot: _BotRisk, now: int
    ) -> tuple[UsdTotals, list[tuple[PositionState, UsdTotals]]]:
        positions = self._positions.positions(bot_id)
        if not positions:
            # Nothing to value (a bot that never traded): all zero.
            bot.equity.observe(_ZERO, now)
            bot.totals = _NO_POSITIONS
            return UsdTotals(), []
        totals = UsdTotals()
        per_position = []
        for pos in positions:
            values = value_position(pos, self._market, self._fx)
            totals.add(values)
            per_position.append((pos, values))
        bot.equity.observe(totals.total, now)
        bot.totals = totals
        return totals, per_position

    def _bot_ctx(self, bot_id: str, bot: _BotRisk, totals: UsdTotals) -> r.RiskContext:
        return r.RiskContext(
            bot_id=bot_id,
            limits=bot.limits,
            daily_pnl_usd=bot.equity.daily_pnl,
            drawdown_pct=bot.equity.drawdown_pct,
            unrealized_pnl_usd=totals.unrealized,
            exposure_usd=totals.exposure,
        )

    def _market_ctx(
        self,
        bot_id: str,
        bot: _BotRisk,
        instrument: Instrument | None,
        exchange: str,
        symbol: str,
        now: int,
        open_orders: bool = True,
        figures: bool = False,
        slot: _Slot | None = None,
    ) -> r.RiskContext:
        """The context of (bot, instrument); `figures` revalues the bot's positions first.

        `slot` holds the instrument's constants and USD rate when the caller
        has them (`check` caches them per bot and instrument).
        """
        positions = self._positions
        if figures:
            if positions.has_positions(bot_id):
                self._figures(bot_id, bot, now)
            else:  # the common case on the hot path, without building any totals
                bot.equity.observe(_ZERO, now)
                bot.totals = _NO_POSITIONS
        totals = bot.totals
        market = self._market
        pos = positions.get(bot_id, exchange, symbol)
        if slot is not None:
            usd_rate = slot.usd_rate
            multiplier: Decimal | None = slot.multiplier
            inverse: bool | None = slot.inverse
        else:
            usd_rate = self._fx.get(pnl_currency(instrument)) if instrument is not None else None
            multiplier = inverse = None
        if usd_rate is None and pos is not None:
            usd_rate = self._fx.get(pos.currency)
        if open_orders:
            open_count, pending_buy, pending_sell = self._open_orders(bot_id, bot, symbol, now)
        else:
            open_count, pending_buy, pending_sell = 0, _ZERO, _ZERO
        if pos is None:
            position = _ZERO
            market_pnl = _ZERO
            liquidation_price = leverage = None
        else:
            position = pos.quantity
            market_pnl = _ZERO
            if usd_rate is not None:
                # At the price a valuation would mark it to now (when `figures` is
                # off, the position's own mark may be older).
                unrealized = pos.unrealized_pnl(valuation_price(pos, market))
                market_pnl = (pos.net_realized + unrealized) * usd_rate
            liquidation_price = pos.liquidation_price
            leverage = pos.leverage
        equity = bot.equity
        if bot.equity_version != equity.version:
            # Daily PnL and drawdown move only when an observation changed them.
            bot.daily_pnl = equity.daily_pnl
            bot.drawdown_pct = equity.drawdown_pct
            bot.equity_version = equity.version
        # Positional, in field order (see RiskContext).
        return r.RiskContext(
            bot_id,
            bot.limits,
            instrument,
            market.mid(exchange, symbol),
            market.mark(exchange, symbol),
            usd_rate,
            position,
            pending_buy,
            pending_sell,
            open_count,
            self._orders_last_minute(bot, now),
            bot.daily_pnl,
            bot.drawdown_pct,
            totals.unrealized,
            totals.exposure,
            market_pnl,
            liquidation_price,
            leverage,
            market.funding_rate(exchange, symbol),
            multiplier,
            inverse,
        )

    def _open_orders(
        self, bot_id: str, bot: _BotRisk, symbol: str, now: int
    ) -> tuple[int, Decimal, Decimal]:
        """Open orders (bot-wide) and remaining size per side in `symbol`, in-flight included."""
        count = 0
        buy = sell = _ZERO
        for order in self._orders.open_of_bot(bot_id):
            count += 1
            if order.instrument == symbol:
                remaining = order.size - order.filledSize
                if order.side is _BUY:
                    buy += remaining
                else:
                    sell += remaining
        inflight = bot.inflight
        if inflight:
            self._prune_inflight(bot, now)
            for intent, _ in inflight.values():
                count += 1
                if intent.instrument == symbol:
                    if intent.side is _BUY:
                        buy += intent.size
                    else:
                        sell += intent.size
        return count, buy, sell

    def _prune_inflight(self, bot: _BotRisk, now: int) -> None:
        """Forget in-flight intents the tracker now knows, or that outlived the TTL."""
        inflight = bot.inflight
        tracked = self._orders.get
        ttl = self._inflight_ttl_ms
        stale = [
            coid
            for coid, (_, ts) in inflight.items()
            if tracked(coid) is not None or now - ts > ttl
        ]
        for coid in stale:
            del inflight[coid]

    @staticmethod
    def _orders_last_minute(bot: _BotRisk, now: int) -> int:
        times = bot.order_times
        while times and times[0] <= now - RATE_WINDOW_MS:
            times.popleft()
        return len(times)

    # -- breaches -------------------------------------------------------
    def _is_hard(self, rule: str) -> bool:
        return rule in r.LIMIT_RULES and rule not in self._soft_rules

    def _breach(self, decision: RiskDecision, bot_id: str, instrument: str | None) -> Breach:
        return Breach(
            rule=decision.rule,
            scope=Scope.BOT,
            message=decision.message,
            bot_id=bot_id,
            instrument=instrument,
            limit=decision.limit,
            value=decision.value,
            hard=self._is_hard(decision.rule),
        )

    def _with_breach(self, decision: RiskDecision, bot_id: str, instrument: str) -> RiskDecision:
        """Attach the breach a hard-limit refusal represents (soft refusals carry none).

        Refusals by the projection limits prevented a breach rather than found
        one, so they carry none either; `evaluate` reports those limits once the
        position itself crosses them.
        """
        if decision.breach is not None or decision.rule in r.PREVENTIVE_RULES:
            return decision
        if not self._is_hard(decision.rule):
            return decision
        breach = self._breach(decision, bot_id, instrument)
        return r.RiskDecision(
            False, decision.rule, decision.message, decision.limit, decision.value, breach
        )

    def _bot(self, bot_id: str) -> _BotRisk:
        try:
            return self._bots[bot_id]
        except KeyError:
            raise KeyError(f"bot {bot_id} is not registered with risk") from None
