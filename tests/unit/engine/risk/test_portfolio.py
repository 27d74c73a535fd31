"""Portfolio: exposure and PnL across bots and venues in USD; portfolio limits stop every bot."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.engine.risk.fx import UnknownCurrency
from services.engine.risk.portfolio import PortfolioLimits
from services.shared.generated.enums import BotState, Exchange, InstrumentKind, OrderSide
from services.shared.generated.events import Scope
from tests.unit.engine.factories import fill, instrument, intent
from tests.unit.engine.risk.conftest import Env, EnvFactory

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL

POLY = instrument(
    "tok-yes",
    exchange=Exchange.POLYMARKET,
    kind=InstrumentKind.BINARY_OUTCOME,
    base="TOK-YES",
    quote="USDC",
    tick="0.01",
    lot="1",
    min_size="5",
)
KALSHI = instrument(
    "KXBTC-25",
    exchange=Exchange.KALSHI,
    kind=InstrumentKind.BINARY_OUTCOME,
    base="KXBTC-25-YES",
    quote="USD",
    tick="0.01",
    lot="1",
    min_size="1",
)
ETH_EUR = instrument("ETH-EUR", base="ETH", quote="EUR", tick="0.01", lot="0.0001")

BOTS = {"okx-bot": {"o1"}, "poly-bot": {"o2", "o3"}, "kalshi-bot": set(), "eur-bot": {"o4"}}


def _book(env: Env) -> None:
    """Four bots on three venues in four currencies (worked numbers in the tests)."""
    for ins in (POLY, KALSHI, ETH_EUR):
        env.market.add_instrument(ins)
    env.fx.set_rate("EUR", D("1.08"))
    p = env.positions
    # OKX spot: long 0.5 BTC at 60000, mid 62000.
    p.apply_fill(fill(BUY, "0.5", "60000", bot_id="okx-bot", fid="a"), instrument())
    env.market.set_mid("okx", "BTC-USDT", D(62000))
    # Polymarket: 1000 YES shares at 0.40, mid 0.45.
    p.apply_fill(fill(BUY, "1000", "0.40", bot_id="poly-bot", symbol="tok-yes", fid="b"), POLY)
    env.market.set_mid("polymarket", "tok-yes", D("0.45"))
    # Kalshi: 100 at 0.30, 40 sold at 0.50 (+8, fee 0.70), 60 left, mid 0.25.
    p.apply_fill(fill(BUY, "100", "0.30", bot_id="kalshi-bot", symbol="KXBTC-25", fid="c"), KALSHI)
    p.apply_fill(
        fill(SELL, "40", "0.50", bot_id="kalshi-bot", symbol="KXBTC-25", fee="0.70", fid="d"),
        KALSHI,
    )
    env.market.set_mid("kalshi", "KXBTC-25", D("0.25"))
    # EUR spot: 2 ETH at 3000 EUR, mid 3100 EUR; 1 EUR = 1.08 USD.
    p.apply_fill(fill(BUY, "2", "3000", bot_id="eur-bot", symbol="ETH-EUR", fid="e"), ETH_EUR)
    env.market.set_mid("okx", "ETH-EUR", D(3100))


def test_exposure_and_pnl_are_aggregated_in_usd(make_env: EnvFactory) -> None:
    env = make_env(bots=BOTS)
    _book(env)
    snap = env.portfolio.snapshot()

    # 31000 USDT + 450 USDC + 15 USD + 6200 EUR x 1.08 = 38161 USD
    assert snap.total.exposure_usd == D(38161)
    # 1000 + 50 - 3 + 200 x 1.08 = 1263 USD
    assert snap.total.unrealized_usd == D(1263)
    assert snap.total.realized_usd == D(8)
    assert snap.total.fees_usd == D("0.70")
    assert snap.total.total_pnl_usd == D("1270.30")
    assert snap.by_exchange["okx"].exposure_usd == D(37696)
    assert snap.by_exchange["okx"].unrealized_usd == D(1216)
    assert snap.by_exchange["polymarket"].unrealized_usd == D(50)
    assert snap.by_exchange["kalshi"].total_pnl_usd == D("4.30")
    assert snap.by_bot["eur-bot"].exposure_usd == D(6696)
    assert snap.fx_rates == {"EUR": D("1.08"), "USD": 1, "USDC": 1, "USDT": 1}


def test_stablecoin_rates_are_configurable(make_env: EnvFactory) -> None:
    env = make_env(bots=BOTS)
    _book(env)
    env.fx.set_rate("USDT", D("0.999"))
    snap = env.portfolio.snapshot()
    assert snap.by_exchange["okx"].exposure_usd == D("31000") * D("0.999") + D(6696)


def test_a_currency_without_a_rate_fails_the_snapshot_instead_of_guessing(
    make_env: EnvFactory,
) -> None:
    env = make_env(bots=BOTS)
    gbp = instrument("BTC-GBP", quote="GBP")
    env.positions.apply_fill(fill(BUY, "1", "50000", bot_id="okx-bot", symbol="BTC-GBP"), gbp)
    with pytest.raises(UnknownCurrency, match="GBP"):
        env.portfolio.snapshot()
    [breach] = env.portfolio.evaluate()
    assert breach.rule == "fxRate" and not breach.hard and breach.scope is Scope.PORTFOLIO


@pytest.mark.parametrize(
    ("limits", "rule", "move"),
    [
        (PortfolioLimits(max_exposure_usd=D(38000)), "portfolioMaxExposure", None),
        (PortfolioLimits(max_unrealized_loss_usd=D(500)), "portfolioMaxUnrealizedLoss", "58000"),
        (PortfolioLimits(max_daily_loss_usd=D(400)), "portfolioMaxDailyLoss", "58000"),
        (
            PortfolioLimits(max_drawdown_pct=D(2), capital_usd=D(100000)),
            "portfolioMaxDrawdownPct",
            "56000",
        ),
    ],
)
async def test_a_portfolio_breach_cancels_and_risk_stops_every_bot(
    make_env: EnvFactory, limits: PortfolioLimits, rule: str, move: str | None
) -> None:
    env = make_env(bots=BOTS, portfolio_limits=limits)
    _book(env)
    if move is not None:
        # BTC falls: unrealized -1000 (58000) or -2000 (56000) on okx-bot, the rest +263.
        assert env.portfolio.evaluate() == []
        env.market.set_mid("okx", "BTC-USDT", D(move))
    breaches = env.portfolio.evaluate()
    assert [b.rule for b in breaches] == [rule]
    assert breaches[0].scope is Scope.PORTFOLIO and breaches[0].hard

    results = await env.portfolio.enforce(breaches[0], env.control)

    assert [r.ok for r in results] == [True] * 4
    for bot in BOTS:
        calls = [c for c in env.control.calls if c[1] == bot]
        assert calls == [("cancel", bot), ("state", bot, "risk_stopped")]
        assert env.control.state(bot) is BotState.RISK_STOPPED
        assert env.control.open_orders[bot] == set()
    refused = env.rm.check(intent(price="62000", bot_id="okx-bot"))
    assert refused.rule == "riskStopped"
    env.portfolio.clear_halt()
    cut = intent(SELL, size="0.1", price="62000", bot_id="okx-bot", coid="cut")
    assert env.rm.check(cut).accepted


def test_an_intent_past_the_portfolio_exposure_is_refused_without_stopping(
    make_env: EnvFactory,
) -> None:
    env = make_env(bots=BOTS, portfolio_limits=PortfolioLimits(max_exposure_usd=D(40000)))
    _book(env)
    assert env.portfolio.evaluate() == []
    ok = env.rm.check(intent(size="0.02", price="62000", bot_id="okx-bot", coid="a"))
    assert ok.accepted  # 38161 + 1240
    no = env.rm.check(intent(size="0.05", price="62000", bot_id="okx-bot", coid="b"))
    assert no.rule == "portfolioMaxExposure" and no.breach is None
    assert no.value == D(38161) + D(3100)


def test_drawdown_limit_needs_capital() -> None:
    with pytest.raises(ValueError, match="capital"):
        PortfolioLimits(max_drawdown_pct=D(5))
