"""Pure rule functions: projections and the arithmetic behind each limit."""

from __future__ import annotations

from decimal import Decimal

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from services.engine.core.types import OrderIntent
from services.engine.risk import rules as r
from services.shared.generated.entities import RiskLimits
from services.shared.generated.enums import InstrumentKind, OrderSide
from tests.unit.engine.factories import instrument, intent, swap

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def ctx(**kw: object) -> r.RiskContext:
    kw.setdefault("bot_id", "b")
    kw.setdefault("limits", RiskLimits())
    kw.setdefault("usd_rate", D(1))
    return r.RiskContext(**kw)  # type: ignore[arg-type]


def test_worst_case_position_counts_same_side_open_orders() -> None:
    c = ctx(position=D(2), pending_buy=D(3), pending_sell=D(1))
    assert r.worst_case_position(intent(BUY, "1"), c) == D(6)
    assert r.worst_case_position(intent(SELL, "5"), c) == D(4)  # 2 - 1 - 5 = -4


def test_increases_risk_is_false_for_reducing_and_reduce_only_orders() -> None:
    c = ctx(position=D(2))
    assert r.increases_risk(intent(BUY, "1"), c)
    assert not r.increases_risk(intent(SELL, "1"), c)
    assert not r.increases_risk(intent(SELL, "4"), c)  # flips to -2: same size, not bigger
    assert r.increases_risk(intent(SELL, "5"), c)
    assert not r.increases_risk(intent(BUY, "1", reduce_only=True), c)


def test_order_notional_uses_contract_value_and_the_usd_rate() -> None:
    c = ctx(limits=RiskLimits(maxOrderNotional=D(1000)), instrument=swap(), usd_rate=D("0.999"))
    ok = r.max_order_notional(intent(BUY, "1", "60000"), c)  # 600 USDT = 599.4 USD
    assert ok.accepted
    no = r.max_order_notional(intent(BUY, "2", "60000"), c)
    assert not no.accepted and no.value == D("1198.8")


def test_market_orders_are_valued_at_the_mid_or_refused_without_one() -> None:
    lim = RiskLimits(maxOrderNotional=D(100))
    mkt = intent(BUY, "1", None)
    assert r.max_order_notional(mkt, ctx(limits=lim, mid=D(150))).value == D(150)
    assert r.max_order_notional(mkt, ctx(limits=lim)).rule == "referencePrice"
    assert r.max_order_notional(intent(price="1"), ctx(limits=lim, usd_rate=None)).rule == "fxRate"


def test_liquidation_buffer_is_measured_from_the_mark_on_either_side() -> None:
    lim = RiskLimits(liquidationBufferPct=D(10))
    short = ctx(limits=lim, position=D(-1), mark=D(100), liquidation_price=D(108))
    assert r.liquidation_buffer_state(short).value == D(8)
    far = ctx(limits=lim, position=D(-1), mark=D(100), liquidation_price=D(115))
    assert r.liquidation_buffer_state(far).accepted
    flat = ctx(limits=lim, position=D(0), mark=D(100), liquidation_price=D(101))
    assert r.liquidation_buffer_state(flat).accepted


def test_funding_exposure_uses_the_absolute_rate() -> None:
    lim = RiskLimits(maxFundingRateExposure=D(5))
    c = ctx(limits=lim, instrument=swap(), funding_rate=D("-0.0001"), mid=D(60000))
    # worst case 100 contracts x 0.01 x 60000 = 60000 USD x 0.01 % = 6 USD
    d = r.max_funding_rate_exposure(intent(BUY, "100", "60000"), c)
    assert not d.accepted and d.value == D(6)
    assert r.max_funding_rate_exposure(intent(BUY, "50", "60000"), c).accepted


def test_leverage_state_only_counts_with_a_position() -> None:
    lim = RiskLimits(maxLeverage=D(5))
    assert r.leverage_state(ctx(limits=lim, leverage=D(10), position=D(1))).value == D(10)
    assert r.leverage_state(ctx(limits=lim, leverage=D(10))).accepted


def test_first_refusal_returns_the_first_failing_rule_in_order() -> None:
    lim = RiskLimits(maxOrderSize=D(1), priceBandPct=D(1))
    d = r.first_refusal(intent(BUY, "2", "200"), ctx(limits=lim, mid=D(100)))
    assert d.rule == "maxOrderSize"
    assert r.first_refusal(intent(BUY, "1", "100"), ctx(limits=lim, mid=D(100))).accepted


def test_breach_converts_to_the_event_payload() -> None:
    b = r.Breach("maxDailyLoss", r.Scope.BOT, "daily loss", bot_id="b", limit=D(1), value=D(2))
    p = b.to_payload()
    assert (p.rule, p.scope, p.botId, p.limit, p.value) == ("maxDailyLoss", "bot", "b", 1, 2)


# -- compiled rules -------------------------------------------------------------
_DEC = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False)
_POSITIVE = st.decimals(min_value="0.01", max_value=1000, places=2, allow_nan=False)
_COUNT = st.integers(min_value=0, max_value=20)


@st.composite
def _limits(draw: st.DrawFn) -> RiskLimits:
    """Any subset of the limits set, each to a plausible value."""
    values: dict[str, object] = {}
    for name, field in RiskLimits.model_fields.items():
        if draw(st.booleans()):
            integer = field.annotation is not None and "int" in str(field.annotation)
            values[name] = draw(_COUNT if integer else _POSITIVE)
    return RiskLimits(**values)  # type: ignore[arg-type]


@st.composite
def _cases(draw: st.DrawFn) -> tuple[OrderIntent, r.RiskContext]:
    """An intent and a context with every figure drawn independently."""
    perp = draw(st.booleans())
    inst = swap(max_leverage=draw(st.sampled_from([None, "20"]))) if perp else None
    maybe = st.one_of(st.none(), _POSITIVE)
    c = ctx(
        limits=draw(_limits()),
        instrument=inst,
        mid=draw(maybe),
        mark=draw(maybe),
        usd_rate=draw(st.one_of(st.none(), st.just(D(1)), _POSITIVE)),
        position=draw(_DEC),
        pending_buy=draw(_POSITIVE),
        pending_sell=draw(_POSITIVE),
        open_orders=draw(_COUNT),
        orders_last_minute=draw(_COUNT),
        daily_pnl_usd=draw(_DEC),
        drawdown_pct=draw(st.one_of(st.none(), _POSITIVE)),
        unrealized_pnl_usd=draw(_DEC),
        exposure_usd=draw(_POSITIVE),
        market_pnl_usd=draw(_DEC),
        liquidation_price=draw(maybe),
        leverage=draw(maybe),
        funding_rate=draw(st.one_of(st.none(), _DEC.map(lambda x: x / 10_000))),
    )
    i = intent(
        draw(st.sampled_from([BUY, SELL])),
        draw(st.decimals(min_value=-1, max_value=50, places=1, allow_nan=False)),
        draw(st.one_of(st.none(), _DEC)),
        reduce_only=draw(st.booleans()),
        leverage=draw(st.sampled_from([None, "5", "50"])),
    )
    return i, c


def test_compiled_rules_keep_the_set_limits_in_order() -> None:
    compiled = r.compile_pre_trade(RiskLimits(priceBandPct=D(1), maxOrderSize=D(1)))
    assert compiled.rules == (
        r.valid_intent,
        r.max_order_size,
        r.venue_max_leverage,
        r.price_band,
    )
    assert not compiled.reads_open_orders and not compiled.reads_figures
    assert r.compile_pre_trade(RiskLimits()).rules == (r.valid_intent, r.venue_max_leverage)
    full = r.compile_pre_trade(RiskLimits(maxOpenOrders=1, maxDailyLoss=D(1)))
    assert full.reads_open_orders and full.reads_figures


def test_every_limit_has_exactly_one_pre_trade_rule() -> None:
    limits = [limit for _, limit in r.PRE_TRADE if limit is not None]
    assert sorted(limits) == sorted(RiskLimits.model_fields)


@given(_cases())
def test_compiled_rules_refuse_exactly_what_every_rule_refuses(
    case: tuple[OrderIntent, r.RiskContext],
) -> None:
    i, c = case
    compiled = r.compile_pre_trade(c.limits)
    assert r.first_refusal(i, c, compiled.rules) == r.first_refusal(i, c)


@given(_cases(), _COUNT, _POSITIVE, _POSITIVE, _DEC, st.one_of(st.none(), _POSITIVE), _DEC)
def test_rules_read_open_orders_and_usd_figures_only_when_declared(
    case: tuple[OrderIntent, r.RiskContext],
    open_orders: int,
    pending_buy: D,
    pending_sell: D,
    daily_pnl: D,
    drawdown: D | None,
    unrealized: D,
) -> None:
    """What a check leaves out of its context (see compile_pre_trade) changes no other rule."""
    i, c = case
    no_orders = msgspec.structs.replace(
        c, open_orders=open_orders, pending_buy=pending_buy, pending_sell=pending_sell
    )
    no_figures = msgspec.structs.replace(
        c,
        daily_pnl_usd=daily_pnl,
        drawdown_pct=drawdown,
        unrealized_pnl_usd=unrealized,
        exposure_usd=abs(unrealized),
    )
    for rule, limit in r.PRE_TRADE:
        if limit not in r.OPEN_ORDER_LIMITS:
            assert rule(i, no_orders) == rule(i, c), rule.__name__
        if limit not in r.FIGURE_LIMITS:
            assert rule(i, no_figures) == rule(i, c), rule.__name__


def test_context_fields_keep_the_order_the_risk_manager_builds_them_in() -> None:
    # RiskManager builds RiskContext positionally (5x faster than by keyword).
    assert r.RiskContext.__struct_fields__ == (
        "bot_id",
        "limits",
        "instrument",
        "mid",
        "mark",
        "usd_rate",
        "position",
        "pending_buy",
        "pending_sell",
        "open_orders",
        "orders_last_minute",
        "daily_pnl_usd",
        "drawdown_pct",
        "unrealized_pnl_usd",
        "exposure_usd",
        "market_pnl_usd",
        "liquidation_price",
        "leverage",
        "funding_rate",
        "instrument_multiplier",
        "instrument_inverse",
    )


def test_inverse_contract_notional_is_its_usd_face_value_not_size_times_price() -> None:
    # OKX BTC-USD futures: 1 contract = 100 USD face, margined in BTC. 3 contracts
    # are worth 300 USD at any price (linear math would say 3 x 60000 x 100).
    btc_usd = instrument(
        "BTC-USD-261225",
        kind=InstrumentKind.FUTURES,
        base="BTC",
        quote="USD",
        settle="BTC",
        contract_value="100",
    )
    lim = RiskLimits(maxOrderNotional=D(500))
    c = ctx(limits=lim, instrument=btc_usd, usd_rate=None)
    ok = r.max_order_notional(intent(BUY, "3", "60000", symbol="BTC-USD-261225"), c)
    assert ok.accepted
    no = r.max_order_notional(intent(BUY, "6", "60000", symbol="BTC-USD-261225"), c)
    assert not no.accepted and no.value == D(600)
