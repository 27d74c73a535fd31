"""Risk rules: small pure functions over (intent, RiskContext) or a context alone.

Every limit of `RiskLimits` has a pre-trade rule (`PRE_TRADE_RULES`, run on each
order intent) and, where the limit describes a state that can drift after the
order went out (PnL, position, exposure, liquidation distance), a state rule
(`BOT_STATE_RULES`, `MARKET_STATE_RULES`) that the risk manager evaluates after
fills and on ticks. A rule's name is the limit's field name, so breaches read
the same on the dashboard as in the bot's configuration.

Units: sizes are in the instrument's size unit (contracts for derivatives);
notional, loss and exposure figures are USD; `*Pct` limits are percentages
(5 means 5 %). Loss limits are positive numbers (`maxDailyLoss = 100` stops at
a daily PnL of -100 USD). Rules that gate on a state already breached (losses,
drawdown, liquidation distance) only refuse orders that would add risk, so a
bot (or the runtime) can still reduce a position. A figure the rule needs but
cannot get (no reference price, no USD rate) refuses the order under its own
rule name (`referencePrice`, `fxRate`): refuse rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from services.engine.core.positions import contract_multiplier, is_inverse
from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Instrument, RiskLimits
from services.shared.generated.enums import OrderSide
from services.shared.generated.events import RiskBreachPayload, Scope

_ZERO = Decimal(0)
_ONE = Decimal(1)
_HUNDRED = Decimal(100)
# Read per intent: a module global is ~8x cheaper than an Enum class attribute.
_BUY = OrderSide.BUY

# Names of rejections that are not limits (never hard breaches).
RULE_INTENT = "intent"
RULE_FX = "fxRate"
RULE_REFERENCE_PRICE = "referencePrice"
RULE_VENUE_MAX_LEVERAGE = "venueMaxLeverage"
RULE_KILL_SWITCH = "killSwitch"
RULE_HALTED = "riskStopped"
RULE_UNKNOWN_BOT = "unknownBot"
RULE_INSTRUMENT = "instrument"

# Every limit a bot can configure; a rejection or state breach under one of these is a breach.
LIMIT_RULES: frozenset[str] = frozenset(RiskLimits.model_fields)

# Limits whose pre-trade refusal only prevents a breach (the order would have
# taken the position past the limit): refusing the order is enough. Their state
# rules still report a real breach once the position itself is past the limit.
PREVENTIVE_RULES: frozenset[str] = frozenset(
    {"maxPositionSize", "maxPositionNotional", "maxExposure", "maxFundingRateExposure"}
)


@dataclass(frozen=True, slots=True)
class Breach:
    """A limit found breached (pre-trade, post-trade or portfolio-wide)."""

    rule: str
    scope: Scope
    message: str
    bot_id: str | None = None
    instrument: str | None = None
    limit: Decimal | None = None
    value: Decimal | None = None
    hard: bool = True

    def to_payload(self) -> RiskBreachPayload:
        """Return the `risk.breach` event payload."""
        return RiskBreachPayload(
            rule=self.rule,
            scope=self.scope,
            botId=self.bot_id,
            message=self.message,
            limit=self.limit,
            value=self.value,
        )


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """One rule's verdict; `breach` is set by the manager when a hard limit was hit."""

    accepted: bool
    rule: str
    message: str = ""
    limit: Decimal | None = None
    value: Decimal | None = None
    breach: Breach | None = None


class RiskContext(msgspec.Struct, frozen=True, gc=False):
    """Everything the rules may read about one bot in one instrument, in one snapshot.

    A frozen msgspec Struct rather than a dataclass: one is built per intent,
    and a 19-field frozen dataclass costs a microsecond to build (the risk
    manager builds it positionally, five times faster again than by keyword;
    a test pins the field order). It is never part of a reference cycle (it
    only points at values built before it), so the garbage collector need
    not track it.
    """

    bot_id: str | None
    limits: RiskLimits
    instrument: Instrument | None = None
    mid: Decimal | None = None
    mark: Decimal | None = None
    usd_rate: Decimal | None = None
    position: Decimal = _ZERO
    pending_buy: Decimal = _ZERO
    pending_sell: Decimal = _ZERO
    open_orders: int = 0
    orders_last_minute: int = 0
    daily_pnl_usd: Decimal = _ZERO
    drawdown_pct: Decimal | None = None
    unrealized_pnl_usd: Decimal = _ZERO
    exposure_usd: Decimal = _ZERO
    market_pnl_usd: Decimal = _ZERO
    liquidation_price: Decimal | None = None
    leverage: Decimal | None = None
    funding_rate: Decimal | None = None
    # Constants of `instrument` the risk manager computes once per instrument
    # (None: derive them from `instrument` on each read).
    instrument_multiplier: Decimal | None = None
    instrument_inverse: bool | None = None

    @property
    def multiplier(self) -> Decimal:
        """Contract multiplier of the instrument (1 when unknown)."""
        multiplier = self.instrument_multiplier
        if multiplier is not None:
            return multiplier
        return contract_multiplier(self.instrument) if self.instrument is not None else _ONE

    @property
    def inverse(self) -> bool:
        """True when the instrument is a coin-margined (inverse) contract."""
        inverse = self.instrument_inverse
        if inverse is not None:
            return inverse
        return self.instrument is not None and is_inverse(self.instrument)

    @property
    def reference_price(self) -> Decimal | None:
        """Mid if the book has both sides, else the mark/last price."""
        return self.mid if self.mid is not None else self.mark


PreTradeRule = Callable[[OrderIntent, RiskContext], RiskDecision]
StateRule = Callable[[RiskContext], RiskDecision]

_PASS: dict[str, RiskDecision] = {}


def passed(rule: str) -> RiskDecision:
    """The (shared) accepting decision of `rule`."""
    decision = _PASS.get(rule)
    if decision is None:
        decision = _PASS[rule] = RiskDecision(True, rule)
    return decision


# Every rule's acceptance, built once: rules return `_PASS[rule]` (a dict
# subscript costs a third of a `passed()` call, and every intent runs several).
_PASS.update(
    (rule, RiskDecision(True, rule))
    for rule in (*LIMIT_RULES, RULE_INTENT, RULE_VENUE_MAX_LEVERAGE, "all")
)


def refused(
    rule: str, message: str, limit: Decimal | None = None, value: Decimal | None = None
) -> RiskDecision:
    """A refusing decision."""
    return RiskDecision(False, rule, message, limit, value)


# -- projections ------------------------------------------------------------
def signed_size(intent: OrderIntent) -> Decimal:
    """The intent's size, negative for sells."""
    return intent.size if intent.side is _BUY else -intent.size


def increases_risk(intent: OrderIntent, ctx: RiskContext) -> bool:
    """True unless the intent is reduce-only or brings the position closer to flat."""
    if intent.reduce_only:
        return False
    position = ctx.position
    after = position + intent.size if intent.side is _BUY else position - intent.size
    return abs(after) > abs(position)


def worst_case_position(intent: OrderIntent, ctx: RiskContext) -> Decimal:
    """|position| if every open order on the intent's side and the intent itself fill."""
    if intent.side is _BUY:
        return abs(ctx.position + ctx.pending_buy + intent.size)
    return abs(ctx.position - ctx.pending_sell - intent.size)


# Quote currencies whose face value counts as USD one-for-one (as the FX table does).
_USD_FACE = frozenset({"USD", "USDT", "USDC"})


def intent_price(intent: OrderIntent, ctx: RiskContext) -> Decimal | None:
    """The limit price, or the market's reference price for market orders."""
    return intent.price if intent.price is not None else ctx.reference_price


def _usd_notional(
    size: Decimal, ctx: RiskContext, price: Decimal | None, rule: str
) -> Decimal | RiskDecision:
    """USD value of `size` at `price`, or the refusal explaining why it is unknown."""
    if price is None:
        return refused(RULE_REFERENCE_PRICE, f"{rule}: no price to value the order at")
    if ctx.inverse:
        # Coin-margined: each contract is worth a fixed face value in the quote
        # currency (OKX BTC-USD: 100 USD), whatever the price.
        instrument = ctx.instrument
        assert instrument is not None  # only an instrument is inverse
        if instrument.quote.upper() not in _USD_FACE:
            return refused(RULE_FX, f"{rule}: no USD value for {instrument.quote} face value")
        return size * ctx.multiplier
    if ctx.usd_rate is None:
        return refused(RULE_FX, f"{rule}: no USD rate for the instrument's currency")
    return size * price * ctx.multiplier * ctx.usd_rate


# -- pre-trade rules ----------------------------------------------------------
def valid_intent(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse non-positive sizes and prices."""
    if intent.size <= _ZERO:
        return refused(RULE_INTENT, f"size must be positive, got {intent.size}")
    if intent.price is not None and intent.price <= _ZERO:
        return refused(RULE_INTENT, f"price must be positive, got {intent.price}")
    return _PASS[RULE_INTENT]


def max_order_size(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order larger than maxOrderSize."""
    limit = ctx.limits.maxOrderSize
    if limit is not None and intent.size > limit:
        return refused(
            "maxOrderSize", f"order size {intent.size} exceeds {limit}", limit, intent.size
        )
    return _PASS["maxOrderSize"]


def max_order_notional(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order worth more than maxOrderNotional USD."""
    limit = ctx.limits.maxOrderNotional
    if limit is None:
        return _PASS["maxOrderNotional"]
    value = _usd_notional(intent.size, ctx, intent_price(intent, ctx), "maxOrderNotional")
    if isinstance(value, RiskDecision):
        return value
    if value > limit:
        return refused(
            "maxOrderNotional", f"order notional {value} USD exceeds {limit}", limit, value
        )
    return _PASS["maxOrderNotional"]


def max_position_size(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order that could take |position| (with open orders) past maxPositionSize."""
    limit = ctx.limits.maxPositionSize
    if limit is None or not increases_risk(intent, ctx):
        return _PASS["maxPositionSize"]
    worst = worst_case_position(intent, ctx)
    if worst > limit:
        return refused(
            "maxPositionSize",
            f"position could reach {worst}, above {limit} (incl. open orders)",
            limit,
            worst,
        )
    return _PASS["maxPositionSize"]


def max_position_notional(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order that could take the position's USD value past maxPositionNotional."""
    limit = ctx.limits.maxPositionNotional
    if limit is None or not increases_risk(intent, ctx):
        return _PASS["maxPositionNotional"]
    worst = worst_case_position(intent, ctx)
    value = _usd_notional(worst, ctx, intent_price(intent, ctx), "maxPositionNotional")
    if isinstance(value, RiskDecision):
        return value
    if value > limit:
        return refused(
            "maxPositionNotional",
            f"position could be worth {value} USD, above {limit}",
            limit,
            value,
        )
    return _PASS["maxPositionNotional"]


def max_open_orders(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order that would leave more than maxOpenOrders resting."""
    limit = ctx.limits.maxOpenOrders
    if limit is not None and ctx.open_orders + 1 > limit:
        count = Decimal(ctx.open_orders + 1)
        return refused(
            "maxOpenOrders",
            f"{ctx.open_orders} orders already open, limit {limit}",
            Decimal(limit),
            count,
        )
    return _PASS["maxOpenOrders"]


def max_orders_per_minute(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse an order beyond maxOrdersPerMinute in the trailing 60 s."""
    limit = ctx.limits.maxOrdersPerMinute
    if limit is not None and ctx.orders_last_minute + 1 > limit:
        return refused(
            "maxOrdersPerMinute",
            f"{ctx.orders_last_minute} orders in the last minute, limit {limit}",
            Decimal(limit),
            Decimal(ctx.orders_last_minute + 1),
        )
    return _PASS["maxOrdersPerMinute"]


def price_band(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse a limit price more than priceBandPct away from the reference (mid) price."""
    limit = ctx.limits.priceBandPct
    if limit is None or intent.price is None:
        return _PASS["priceBandPct"]
    ref = ctx.reference_price
    if ref is None or ref <= _ZERO:
        return refused(RULE_REFERENCE_PRICE, "priceBandPct: no mid or mark price to compare to")
    deviation = abs(intent.price - ref) / ref * _HUNDRED
    if deviation > limit:
        return refused(
            "priceBandPct",
            f"price {intent.price} is {deviation:.4f}% from reference {ref}, band {limit}%",
            limit,
            deviation,
        )
    return _PASS["priceBandPct"]


def _gate(state: StateRule, rule: str) -> PreTradeRule:
    """Turn a state rule into a pre-trade rule that refuses only risk-adding orders."""

    ok = passed(rule)

    def check(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
        decision = state(ctx)
        if decision.accepted or not increases_risk(intent, ctx):
            return ok
        return decision

    check.__name__ = f"{state.__name__}_gate"
    check.__doc__ = f"Refuse risk-adding orders while {rule} is breached."
    return check


def max_exposure(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse a risk-adding order that would take the bot's gross USD exposure past maxExposure."""
    limit = ctx.limits.maxExposure
    if limit is None or not increases_risk(intent, ctx):
        return _PASS["maxExposure"]
    added = _usd_notional(intent.size, ctx, intent_price(intent, ctx), "maxExposure")
    if isinstance(added, RiskDecision):
        return added
    value = ctx.exposure_usd + added
    if value > limit:
        return refused("maxExposure", f"exposure would be {value} USD, above {limit}", limit, value)
    return _PASS["maxExposure"]


def max_leverage(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse leverage above the bot's maxLeverage."""
    limit = ctx.limits.maxLeverage
    requested = intent.leverage if intent.leverage is not None else ctx.leverage
    if limit is None or requested is None:
        return _PASS["maxLeverage"]
    if intent.leverage is None and not increases_risk(intent, ctx):
        return _PASS["maxLeverage"]
    if requested > limit:
        return refused("maxLeverage", f"leverage {requested} exceeds {limit}", limit, requested)
    return _PASS["maxLeverage"]


def venue_max_leverage(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse leverage above what the venue allows for the instrument."""
    cap = ctx.instrument.maxLeverage if ctx.instrument is not None else None
    if cap is not None and intent.leverage is not None and intent.leverage > cap:
        return refused(
            RULE_VENUE_MAX_LEVERAGE,
            f"leverage {intent.leverage} exceeds the venue's {cap} for {intent.instrument}",
            cap,
            intent.leverage,
        )
    return _PASS[RULE_VENUE_MAX_LEVERAGE]


def max_funding_rate_exposure(intent: OrderIntent, ctx: RiskContext) -> RiskDecision:
    """Refuse a risk-adding order whose worst-case position would pay more funding than allowed.

    Exposure is |position| x price x multiplier x |funding rate| in USD: the
    funding one interval could cost if the rate's sign turned against us.
    """
    limit = ctx.limits.maxFundingRateExposure
    if limit is None or ctx.funding_rate is None or not increases_risk(intent, ctx):
        return _PASS["maxFundingRateExposure"]
    worst = worst_case_position(intent, ctx)
    notional = _usd_notional(worst, ctx, intent_price(intent, ctx), "maxFundingRateExposure")
    if isinstance(notional, RiskDecision):
        return notional
    value = notional * abs(ctx.funding_rate)
    if value > limit:
        return refused(
            "maxFundingRateExposure",
            f"funding exposure would be {value} USD per interval, above {limit}",
            limit,
            value,
        )
    return _PASS["maxFundingRateExposure"]


# -- state rules (post-trade / on tick) ---------------------------------------
def daily_loss_state(ctx: RiskContext) -> RiskDecision:
    """Breached when today's PnL is at or below -maxDailyLoss."""
    limit = ctx.limits.maxDailyLoss
    if limit is not None and -ctx.daily_pnl_usd >= limit:
        loss = -ctx.daily_pnl_usd
        return refused("maxDailyLoss", f"daily loss {loss} USD reached {limit}", limit, loss)
    return _PASS["maxDailyLoss"]


def drawdown_state(ctx: RiskContext) -> RiskDecision:
    """Breached when equity is maxDrawdownPct or more below its peak."""
    limit = ctx.limits.maxDrawdownPct
    dd = ctx.drawdown_pct
    if limit is not None and dd is not None and dd >= limit:
        return refused("maxDrawdownPct", f"drawdown {dd:.4f}% reached {limit}%", limit, dd)
    return _PASS["maxDrawdownPct"]


def unrealized_loss_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the bot's unrealized PnL is at or below -maxUnrealizedLoss."""
    limit = ctx.limits.maxUnrealizedLoss
    if limit is not None and -ctx.unrealized_pnl_usd >= limit:
        loss = -ctx.unrealized_pnl_usd
        return refused(
            "maxUnrealizedLoss", f"unrealized loss {loss} USD reached {limit}", limit, loss
        )
    return _PASS["maxUnrealizedLoss"]


def exposure_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the bot's gross USD exposure is above maxExposure."""
    limit = ctx.limits.maxExposure
    if limit is not None and ctx.exposure_usd > limit:
        return refused(
            "maxExposure", f"exposure {ctx.exposure_usd} USD above {limit}", limit, ctx.exposure_usd
        )
    return _PASS["maxExposure"]


def stop_loss_state(ctx: RiskContext) -> RiskDecision:
    """Breached when this market's net realized + unrealized PnL is <= -stopLossPerMarket."""
    limit = ctx.limits.stopLossPerMarket
    if limit is not None and -ctx.market_pnl_usd >= limit:
        loss = -ctx.market_pnl_usd
        return refused(
            "stopLossPerMarket", f"loss in this market {loss} USD reached {limit}", limit, loss
        )
    return _PASS["stopLossPerMarket"]


def position_size_state(ctx: RiskContext) -> RiskDecision:
    """Breached when |position| is above maxPositionSize."""
    limit = ctx.limits.maxPositionSize
    size = abs(ctx.position)
    if limit is not None and size > limit:
        return refused("maxPositionSize", f"position {size} above {limit}", limit, size)
    return _PASS["maxPositionSize"]


def position_notional_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the position's USD value is above maxPositionNotional."""
    limit = ctx.limits.maxPositionNotional
    if limit is None or ctx.position == 0:
        return _PASS["maxPositionNotional"]
    value = _usd_notional(abs(ctx.position), ctx, ctx.mark or ctx.mid, "maxPositionNotional")
    if isinstance(value, RiskDecision):
        return value
    if value > limit:
        return refused(
            "maxPositionNotional", f"position worth {value} USD above {limit}", limit, value
        )
    return _PASS["maxPositionNotional"]


def liquidation_buffer_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the price is within liquidationBufferPct of the liquidation price."""
    limit = ctx.limits.liquidationBufferPct
    price = ctx.mark if ctx.mark is not None else ctx.mid
    liq = ctx.liquidation_price
    if limit is None or liq is None or price is None or price <= 0 or ctx.position == 0:
        return _PASS["liquidationBufferPct"]
    distance = abs(price - liq) / price * _HUNDRED
    if distance < limit:
        return refused(
            "liquidationBufferPct",
            f"price {price} is {distance:.4f}% from liquidation at {liq}, buffer {limit}%",
            limit,
            distance,
        )
    return _PASS["liquidationBufferPct"]


def leverage_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the position's leverage is above maxLeverage."""
    limit = ctx.limits.maxLeverage
    lev = ctx.leverage
    if limit is not None and lev is not None and ctx.position != 0 and lev > limit:
        return refused("maxLeverage", f"position leverage {lev} above {limit}", limit, lev)
    return _PASS["maxLeverage"]


def funding_exposure_state(ctx: RiskContext) -> RiskDecision:
    """Breached when the position's funding exposure is above maxFundingRateExposure."""
    limit = ctx.limits.maxFundingRateExposure
    if limit is None or ctx.funding_rate is None or ctx.position == 0:
        return _PASS["maxFundingRateExposure"]
    notional = _usd_notional(abs(ctx.position), ctx, ctx.mark or ctx.mid, "maxFundingRateExposure")
    if isinstance(notional, RiskDecision):
        return notional
    value = notional * abs(ctx.funding_rate)
    if value > limit:
        return refused(
            "maxFundingRateExposure",
            f"funding exposure {value} USD per interval above {limit}",
            limit,
            value,
        )
    return _PASS["maxFundingRateExposure"]


max_daily_loss = _gate(daily_loss_state, "maxDailyLoss")
max_drawdown = _gate(drawdown_state, "maxDrawdownPct")
max_unrealized_loss = _gate(unrealized_loss_state, "maxUnrealizedLoss")
stop_loss_per_market = _gate(stop_loss_state, "stopLossPerMarket")
liquidation_buffer = _gate(liquidation_buffer_state, "liquidationBufferPct")

# Run in this order; the first refusal wins. Cheap, order-local checks first.
# Each rule is paired with the limit it enforces (None: it runs whatever the
# limits say). A rule whose limit is unset always passes, which is what lets
# `compile_pre_trade` leave it out.
PRE_TRADE: tuple[tuple[PreTradeRule, str | None], ...] = (
    (valid_intent, None),
    (max_order_size, "maxOrderSize"),
    (max_open_orders, "maxOpenOrders"),
    (max_orders_per_minute, "maxOrdersPerMinute"),
    (venue_max_leverage, None),
    (max_leverage, "maxLeverage"),
    (price_band, "priceBandPct"),
    (max_order_notional, "maxOrderNotional"),
    (max_position_size, "maxPositionSize"),
    (max_position_notional, "maxPositionNotional"),
    (max_daily_loss, "maxDailyLoss"),
    (max_drawdown, "maxDrawdownPct"),
    (max_unrealized_loss, "maxUnrealizedLoss"),
    (stop_loss_per_market, "stopLossPerMarket"),
    (max_exposure, "maxExposure"),
    (liquidation_buffer, "liquidationBufferPct"),
    (max_funding_rate_exposure, "maxFundingRateExposure"),
)
PRE_TRADE_RULES: tuple[PreTradeRule, ...] = tuple(rule for rule, _ in PRE_TRADE)

# Limits whose pre-trade rules read the bot's open orders (`open_orders`,
# `pending_buy`, `pending_sell`), and those that read its USD figures
# (`daily_pnl_usd`, `drawdown_pct`, `unrealized_pnl_usd`, `exposure_usd`): the
# two costly parts of a context, gathered per check only when one is set.
OPEN_ORDER_LIMITS: frozenset[str] = frozenset(
    {"maxOpenOrders", "maxPositionSize", "maxPositionNotional", "maxFundingRateExposure"}
)
FIGURE_LIMITS: frozenset[str] = frozenset(
    {"maxDailyLoss", "maxDrawdownPct", "maxUnrealizedLoss", "maxExposure"}
)


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """The pre-trade rules one bot's limits need, and which costly figures they read."""

    rules: tuple[PreTradeRule, ...]
    reads_open_orders: bool
    reads_figures: bool


def set_limits(limits: RiskLimits) -> frozenset[str]:
    """Names of the limits that are set (None means no limit)."""
    return frozenset(name for name in LIMIT_RULES if getattr(limits, name) is not None)


def compile_pre_trade(limits: RiskLimits) -> CompiledRules:
    """Keep the rules of the limits that are set (and the unconditional ones), in order.

    The result refuses exactly what `first_refusal` refuses, with the same
    first refusal: the rules left out are those whose limit is None, and each
    of those passes every intent.
    """
    active = set_limits(limits)
    return CompiledRules(
        rules=tuple(rule for rule, limit in PRE_TRADE if limit is None or limit in active),
        reads_open_orders=not active.isdisjoint(OPEN_ORDER_LIMITS),
        reads_figures=not active.isdisjoint(FIGURE_LIMITS),
    )


# Evaluated once per bot after fills / on ticks.
BOT_STATE_RULES: tuple[StateRule, ...] = (
    daily_loss_state,
    drawdown_state,
    unrealized_loss_state,
    exposure_state,
)

# Evaluated per (bot, instrument) with a position.
MARKET_STATE_RULES: tuple[StateRule, ...] = (
    position_size_state,
    position_notional_state,
    stop_loss_state,
    liquidation_buffer_state,
    leverage_state,
    funding_exposure_state,
)


def first_refusal(
    intent: OrderIntent,
    ctx: RiskContext,
    rules: tuple[PreTradeRule, ...] = PRE_TRADE_RULES,
) -> RiskDecision:
    """Run the pre-trade rules (every one by default); return the first refusal or an acceptance."""
    for rule in rules:
        decision = rule(intent, ctx)
        if not decision.accepted:
            return decision
    return _PASS["all"]
