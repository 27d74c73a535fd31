"""Pure rule functions: projections and the arithmetic behind each limit."""

from __future__ import annotations

from decimal import Decimal

from services.engine.risk import rules as r
from services.shared.generated.entities import RiskLimits
from services.shared.generated.enums import OrderSide
from tests.unit.engine.factories import intent, swap

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
