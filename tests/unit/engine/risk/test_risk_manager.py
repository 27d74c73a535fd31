"""RiskManager: every breached limit ends with the bot's orders cancelled and RISK_STOPPED."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from services.engine.risk.risk_manager import DEFAULT_INFLIGHT_TTL_MS, INFLIGHT_PRUNE_AT
from services.engine.risk.rules import Breach, RiskDecision
from services.shared.generated.entities import RiskLimits
from services.shared.generated.enums import BotState, OrderSide, OrderStatus
from services.shared.generated.events import Scope
from tests.unit.engine.factories import intent, order
from tests.unit.engine.risk.conftest import PERP, Env, EnvFactory

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def _refused_with_breach(decision: RiskDecision, rule: str) -> Breach:
    assert not decision.accepted, decision
    assert decision.rule == rule
    assert decision.breach is not None and decision.breach.hard
    return decision.breach


def _evaluated(env: Env, rule: str) -> Breach:
    found = [b for b in env.rm.evaluate("bot-1") if b.rule == rule]
    assert len(found) == 1, env.rm.evaluate("bot-1")
    assert found[0].hard and found[0].scope is Scope.BOT
    return found[0]


# One scenario per RiskLimits field: (limits, capital, how to breach it) -> the breach.
Scenario = tuple[RiskLimits, Decimal | None, Callable[[Env], Breach]]


def _max_position_size(env: Env) -> Breach:
    env.fill(BUY, "3", "1000")  # e.g. two orders that were both in flight filled
    return _evaluated(env, "maxPositionSize")


def _max_order_size(env: Env) -> Breach:
    return _refused_with_breach(env.rm.check(intent(size="2", price="1000")), "maxOrderSize")


def _max_order_notional(env: Env) -> Breach:
    b = _refused_with_breach(env.rm.check(intent(size="2", price="1000")), "maxOrderNotional")
    assert b.value == D(2000)
    return b


def _max_open_orders(env: Env) -> Breach:
    env.orders.apply(order("a", OrderStatus.OPEN))
    env.orders.apply(order("b", OrderStatus.PARTIALLY_FILLED, filled="1"))
    return _refused_with_breach(env.rm.check(intent(price="1000")), "maxOpenOrders")


def _max_orders_per_minute(env: Env) -> Breach:
    for i in range(3):
        assert env.rm.check(intent(price="1000", coid=f"c{i}")).accepted
        env.clock.advance(1_000)
    return _refused_with_breach(env.rm.check(intent(price="1000", coid="c9")), "maxOrdersPerMinute")


def _max_daily_loss(env: Env) -> Breach:
    env.fill(BUY, "1", "1000")
    env.fill(SELL, "1", "850")
    b = _evaluated(env, "maxDailyLoss")
    assert b.value == D(150)
    return b


def _max_drawdown(env: Env) -> Breach:
    env.fill(BUY, "1", "1000")
    env.mid("1200")
    assert env.rm.evaluate("bot-1") == []  # capital 1000 + 200: the peak equity
    env.mid("1050")
    b = _evaluated(env, "maxDrawdownPct")
    assert b.value == D("12.5")  # (1200 - 1050) / 1200
    return b


def _max_unrealized_loss(env: Env) -> Breach:
    env.fill(BUY, "1", "1000")
    env.mid("940")
    b = _evaluated(env, "maxUnrealizedLoss")
    assert b.value == D(60)
    return b


def _max_exposure(env: Env) -> Breach:
    env.fill(BUY, "1", "1000")
    env.mid("6000")
    return _evaluated(env, "maxExposure")


def _stop_loss_per_market(env: Env) -> Breach:
    env.fill(BUY, "1", "1000")
    env.mid("975")
    b = _evaluated(env, "stopLossPerMarket")
    assert b.instrument == "BTC-USDT"
    return b


def _price_band(env: Env) -> Breach:
    b = _refused_with_breach(env.rm.check(intent(price="1100")), "priceBandPct")
    assert b.value == D(10)
    return b


def _max_leverage(env: Env) -> Breach:
    i = intent(price="60000", symbol=PERP.symbol, leverage="20")
    return _refused_with_breach(env.rm.check(i), "maxLeverage")


def _max_position_notional(env: Env) -> Breach:
    env.fill(BUY, "100", "60000", inst=PERP)  # 100 x 0.01 BTC x 60000 = 60000 USDT
    b = _evaluated(env, "maxPositionNotional")
    assert b.value == D(60000)
    return b


def _liquidation_buffer(env: Env) -> Breach:
    env.fill(BUY, "10", "60000", inst=PERP)
    # as the venue reports it
    env.positions.set_margin_state(
        "bot-1", "okx", PERP.symbol, leverage=D(3), liquidation_price=D(58000)
    )
    b = _evaluated(env, "liquidationBufferPct")
    assert b.value is not None and b.value < 5  # 2000 / 60000 = 3.33 %
    return b


def _max_funding(env: Env) -> Breach:
    env.fill(BUY, "100", "60000", inst=PERP)
    env.market.set_funding_rate("okx", PERP.symbol, D("0.0001"))
    b = _evaluated(env, "maxFundingRateExposure")
    assert b.value == D(6)  # 60000 USDT x 0.01 %
    return b


SCENARIOS: dict[str, Scenario] = {
    "maxPositionSize": (RiskLimits(maxPositionSize=D(2)), None, _max_position_size),
    "maxOrderSize": (RiskLimits(maxOrderSize=D(1)), None, _max_order_size),
    "maxOrderNotional": (RiskLimits(maxOrderNotional=D(1500)), None, _max_order_notional),
    "maxOpenOrders": (RiskLimits(maxOpenOrders=2), None, _max_open_orders),
    "maxOrdersPerMinute": (RiskLimits(maxOrdersPerMinute=3), None, _max_orders_per_minute),
    "maxDailyLoss": (RiskLimits(maxDailyLoss=D(100)), None, _max_daily_loss),
    "maxDrawdownPct": (RiskLimits(maxDrawdownPct=D(10)), D(1000), _max_drawdown),
    "maxUnrealizedLoss": (RiskLimits(maxUnrealizedLoss=D(50)), None, _max_unrealized_loss),
    "maxExposure": (RiskLimits(maxExposure=D(5000)), None, _max_exposure),
    "stopLossPerMarket": (RiskLimits(stopLossPerMarket=D(20)), None, _stop_loss_per_market),
    "priceBandPct": (RiskLimits(priceBandPct=D(5)), None, _price_band),
    "maxLeverage": (RiskLimits(maxLeverage=D(10)), None, _max_leverage),
    "maxPositionNotional": (
        RiskLimits(maxPositionNotional=D(50000)),
        None,
        _max_position_notional,
    ),
    "liquidationBufferPct": (RiskLimits(liquidationBufferPct=D(5)), None, _liquidation_buffer),
    "maxFundingRateExposure": (RiskLimits(maxFundingRateExposure=D(1)), None, _max_funding),
}


def test_every_risk_limit_has_a_breach_scenario() -> None:
    assert set(SCENARIOS) == set(RiskLimits.model_fields)


@pytest.mark.parametrize("rule", sorted(SCENARIOS))
async def test_breaching_a_limit_cancels_the_bots_orders_then_risk_stops_it(
    rule: str, make_env: EnvFactory
) -> None:
    limits, capital, breach_it = SCENARIOS[rule]
    env = make_env(limits, capital=capital)
    assert env.control.open_orders["bot-1"] == {"o-1", "o-2"}

    breach = breach_it(env)
    assert breach.rule == rule and breach.bot_id == "bot-1"
    result = await env.rm.enforce("bot-1", breach, env.control)

    assert result is not None and result.ok
    assert env.control.calls == [("cancel", "bot-1"), ("state", "bot-1", "risk_stopped")]
    assert env.control.open_orders["bot-1"] == set()
    assert env.control.state("bot-1") is BotState.RISK_STOPPED
    assert env.rm.is_halted("bot-1")
    after = env.rm.check(intent(price="1000", coid="after"))
    assert not after.accepted and after.rule == "riskStopped"
    assert breach.to_payload().rule == rule


async def test_pre_trade_refusal_of_a_projection_limit_does_not_stop_the_bot(
    make_env: EnvFactory,
) -> None:
    env = make_env(RiskLimits(maxPositionSize=D(2)))
    env.fill(BUY, "2", "1000")
    decision = env.rm.check(intent(size="1", price="1000"))
    assert not decision.accepted and decision.rule == "maxPositionSize"
    assert decision.breach is None
    assert env.rm.evaluate("bot-1") == []  # at the limit, not above it


def test_open_orders_count_toward_the_position_limit(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxPositionSize=D(3)))
    env.orders.apply(order("a", OrderStatus.OPEN, size="2", filled="0", price="990"))
    env.fill(BUY, "1", "1000")
    # 1 held + 2 resting + 1 new = 4 > 3
    assert env.rm.check(intent(size="1", price="1000")).rule == "maxPositionSize"
    # a sell reduces the position and is accepted
    assert env.rm.check(intent(SELL, size="1", price="1000", coid="s")).accepted


def test_accepted_intents_count_as_open_until_the_tracker_knows_them(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOpenOrders=2))
    assert env.rm.check(intent(price="1000", coid="a")).accepted
    assert env.rm.check(intent(price="1000", coid="b")).accepted
    assert env.rm.check(intent(price="1000", coid="c")).rule == "maxOpenOrders"
    # once the orders are final, there is room again
    env.orders.apply(order("a", OrderStatus.CANCELLED))
    env.orders.apply(order("b", OrderStatus.FILLED, filled="10"))
    assert env.rm.check(intent(price="1000", coid="c")).accepted


def test_a_discarded_intent_stops_counting_as_open(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOpenOrders=1))
    assert env.rm.check(intent(price="1000", coid="a")).accepted
    assert env.rm.check(intent(price="1000", coid="b")).rule == "maxOpenOrders"
    env.rm.discard("bot-1", "a")
    assert env.rm.check(intent(price="1000", coid="b")).accepted


def test_in_flight_intents_expire_if_never_reported(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOpenOrders=1))
    assert env.rm.check(intent(price="1000", coid="a")).accepted
    env.clock.advance(10_001)
    assert env.rm.check(intent(price="1000", coid="b")).accepted


def test_a_retried_intent_is_not_counted_twice(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOrdersPerMinute=1))
    assert env.rm.check(intent(price="1000", coid="same")).accepted
    assert env.rm.check(intent(price="1000", coid="same")).accepted
    assert env.rm.check(intent(price="1000", coid="other")).rule == "maxOrdersPerMinute"


def test_the_order_rate_window_slides_after_a_minute(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOrdersPerMinute=2))
    assert env.rm.check(intent(price="1000", coid="a")).accepted
    env.clock.advance(30_000)
    assert env.rm.check(intent(price="1000", coid="b")).accepted
    assert not env.rm.check(intent(price="1000", coid="c")).accepted
    env.clock.advance(30_000)  # 'a' is now 60 s old
    assert env.rm.check(intent(price="1000", coid="c")).accepted


def test_loss_limits_still_let_the_bot_reduce_its_position(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxUnrealizedLoss=D(50)))
    env.fill(BUY, "2", "1000")
    env.mid("970")  # -60 unrealized
    assert env.rm.check(intent(BUY, price="970", coid="add")).rule == "maxUnrealizedLoss"
    assert env.rm.check(intent(SELL, price="970", coid="cut")).accepted
    assert env.rm.check(intent(BUY, price="970", coid="ro", reduce_only=True)).accepted


def test_daily_loss_starts_over_on_a_new_utc_day(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxDailyLoss=D(100)))
    env.fill(BUY, "1", "1000")
    env.fill(SELL, "1", "920")
    assert env.rm.evaluate("bot-1") == []  # -80 today
    env.clock.advance(24 * 3600 * 1000)
    assert env.rm.figures("bot-1").daily_pnl_usd == 0
    env.fill(BUY, "1", "1000")
    env.fill(SELL, "1", "950")
    assert env.rm.evaluate("bot-1") == []  # -50 today, -130 in total


def test_limits_changed_after_registration_apply_to_the_next_check(make_env: EnvFactory) -> None:
    env = make_env()
    assert env.rm.check(intent(size="2", price="1000", coid="a")).accepted
    env.rm.update_limits("bot-1", RiskLimits(maxOrderSize=D(1)))
    assert env.rm.check(intent(size="2", price="1000", coid="b")).rule == "maxOrderSize"
    env.rm.update_limits("bot-1", RiskLimits())
    assert env.rm.check(intent(size="2", price="1000", coid="c")).accepted


def test_daily_loss_is_checked_at_the_price_of_the_check(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxDailyLoss=D(50)))
    env.fill(BUY, "1", "1000")
    assert env.rm.check(intent(price="1000", coid="a")).accepted
    env.mid("940")  # -60 today; no evaluation ran since
    assert env.rm.check(intent(price="940", coid="b")).rule == "maxDailyLoss"
    assert env.rm.check(intent(SELL, price="940", coid="c")).accepted


def test_stop_loss_per_market_is_checked_at_the_price_of_the_check(make_env: EnvFactory) -> None:
    # No limit needs the bot's USD figures, so checks do not revalue its positions;
    # the market's own PnL must still be at today's price, not the last evaluation's.
    env = make_env(RiskLimits(stopLossPerMarket=D(20)))
    env.fill(BUY, "1", "1000")
    assert env.rm.evaluate("bot-1") == []
    env.mid("975")
    assert env.rm.check(intent(price="975")).rule == "stopLossPerMarket"


def test_in_flight_intents_are_pruned_when_no_limit_counts_them(make_env: EnvFactory) -> None:
    env = make_env()
    inflight = env.rm._bots["bot-1"].inflight
    for i in range(INFLIGHT_PRUNE_AT):
        assert env.rm.check(intent(price="1000", coid=f"a{i}")).accepted
    env.clock.advance(DEFAULT_INFLIGHT_TTL_MS + 1)
    assert env.rm.check(intent(price="1000", coid="late")).accepted
    assert list(inflight) == ["late"]
    env.orders.apply(order("late", OrderStatus.OPEN))
    env.rm.evaluate("bot-1")
    assert not inflight


def test_a_price_exactly_on_the_band_edge_is_accepted(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(priceBandPct=D(5)))
    assert env.rm.check(intent(price="1050")).accepted
    assert env.rm.check(intent(SELL, price="950", coid="s")).accepted


def test_price_band_without_any_reference_price_refuses_softly(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(priceBandPct=D(5)))
    env.market.set_mid("okx", "BTC-USDT", None)
    decision = env.rm.check(intent(price="1000"))
    assert decision.rule == "referencePrice" and decision.breach is None


def test_soft_rules_refuse_without_a_breach(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(priceBandPct=D(5)), soft_rules=frozenset({"priceBandPct"}))
    decision = env.rm.check(intent(price="1100"))
    assert decision.rule == "priceBandPct" and decision.breach is None


def test_soft_rules_must_name_limits(make_env: EnvFactory) -> None:
    with pytest.raises(ValueError, match="soft_rules"):
        make_env(soft_rules=frozenset({"maxTypo"}))


def test_an_instrument_without_a_usd_rate_is_refused_not_guessed(make_env: EnvFactory) -> None:
    from tests.unit.engine.factories import instrument

    env = make_env(RiskLimits(maxOrderNotional=D(1000)))
    env.market.add_instrument(instrument("BTC-EUR", quote="EUR"))
    env.market.set_mid("okx", "BTC-EUR", D(900))
    decision = env.rm.check(intent(price="900", symbol="BTC-EUR"))
    assert decision.rule == "fxRate" and decision.breach is None
    env.fx.set_rate("EUR", D("1.1"))
    assert env.rm.check(intent(price="900", symbol="BTC-EUR")).accepted  # 990 USD


def test_venue_leverage_cap_is_refused_softly(make_env: EnvFactory) -> None:
    env = make_env()
    decision = env.rm.check(intent(price="60000", symbol=PERP.symbol, leverage="75"))
    assert decision.rule == "venueMaxLeverage" and decision.breach is None


def test_unknown_bot_and_unknown_instrument_are_refused(make_env: EnvFactory) -> None:
    env = make_env()
    assert env.rm.check(intent(bot_id="ghost")).rule == "unknownBot"
    assert env.rm.check(intent(symbol="NOPE")).rule == "instrument"


def test_manual_orders_skip_bot_limits(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxOrderSize=D(1)))
    assert env.rm.check(intent(size="5", price="1000", bot_id=None)).accepted
    assert env.rm.check(intent(size="0", price="1000", bot_id=None, coid="z")).rule == "intent"


async def test_intents_are_refused_while_the_cancel_is_still_in_flight(
    make_env: EnvFactory,
) -> None:
    env = make_env(RiskLimits(maxOrderSize=D(1)))
    seen: list[str] = []
    env.control.during_cancel = lambda bot: seen.append(
        env.rm.check(intent(price="1000", coid="sneaky")).rule
    )
    breach = env.rm.check(intent(size="2", price="1000")).breach
    assert breach is not None
    await env.rm.enforce("bot-1", breach, env.control)
    assert seen == ["riskStopped"]


async def test_a_failed_cancel_still_risk_stops_the_bot_and_reports_it(
    make_env: EnvFactory,
) -> None:
    env = make_env(RiskLimits(maxOrderSize=D(1)), failing_cancel=frozenset({"bot-1"}))
    breach = env.rm.check(intent(size="2", price="1000")).breach
    assert breach is not None
    result = await env.rm.enforce("bot-1", breach, env.control)
    assert result is not None
    assert not result.cancelled and result.stopped
    assert result.error is not None and "venue down" in result.error
    assert env.control.state("bot-1") is BotState.RISK_STOPPED


async def test_a_soft_breach_is_not_enforced(make_env: EnvFactory) -> None:
    env = make_env()
    soft = Breach("fxRate", Scope.BOT, "no rate", bot_id="bot-1", hard=False)
    assert await env.rm.enforce("bot-1", soft, env.control) is None
    assert env.control.calls == []


def test_clear_halt_lets_a_restarted_bot_trade(make_env: EnvFactory) -> None:
    env = make_env()
    env.rm._bots["bot-1"].halted = "test"
    assert env.rm.check(intent(price="1000")).rule == "riskStopped"
    env.rm.clear_halt("bot-1")
    assert env.rm.check(intent(price="1000")).accepted


def test_drawdown_limit_needs_a_capital_base(make_env: EnvFactory) -> None:
    with pytest.raises(ValueError, match="capital"):
        make_env(RiskLimits(maxDrawdownPct=D(10)))


def test_figures_are_in_usd(make_env: EnvFactory) -> None:
    env = make_env(capital=D(10000))
    env.fill(BUY, "2", "1000")
    env.fill(SELL, "1", "1100")
    env.mid("1050")
    f = env.rm.figures("bot-1")
    assert (f.realized_usd, f.unrealized_usd, f.exposure_usd) == (D(100), D(50), D(1050))
    assert f.total_pnl_usd == D(150) and f.equity_usd == D(10150)


def test_evaluate_ignores_a_halted_bot(make_env: EnvFactory) -> None:
    env = make_env(RiskLimits(maxUnrealizedLoss=D(1)))
    env.fill(BUY, "1", "1000")
    env.mid("900")
    assert env.rm.evaluate("bot-1")
    env.rm._bots["bot-1"].halted = "already stopped"
    assert env.rm.evaluate("bot-1") == []
