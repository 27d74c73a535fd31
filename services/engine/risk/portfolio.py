"""Portfolio risk: exposure and PnL across every bot and venue of the engine, in USD.

Positions are valued at mark (else mid) and converted with the `FxTable`; a
currency without a rate makes the whole snapshot fail (`UnknownCurrency`)
rather than be valued at a guessed rate. Portfolio limits are engine-wide: a
breach stops every bot (cancel, then RISK_STOPPED) and refuses all intents
until `clear_halt`. Pre-trade, `check` uses the snapshot taken by the last
`evaluate`/`snapshot` (the runtime refreshes it on ticks), so an intent costs
one addition, not a pass over every position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.engine.core.clock import Clock
from services.engine.core.positions import EquityTracker, PositionBook
from services.engine.core.types import OrderIntent
from services.engine.risk import rules as r
from services.engine.risk.control import FleetControl, StopResult, stop_bots
from services.engine.risk.fx import FxTable, UnknownCurrency
from services.engine.risk.market import MarketView
from services.engine.risk.valuation import UsdTotals, value_position
from services.shared.generated.events import Scope

_ZERO = Decimal(0)

RULE_MAX_EXPOSURE = "portfolioMaxExposure"
RULE_MAX_DAILY_LOSS = "portfolioMaxDailyLoss"
RULE_MAX_DRAWDOWN = "portfolioMaxDrawdownPct"
RULE_MAX_UNREALIZED_LOSS = "portfolioMaxUnrealizedLoss"


@dataclass(frozen=True, kw_only=True)
class PortfolioLimits:
    """Engine-wide limits in USD (None = no limit); `capital_usd` is the drawdown base."""

    max_exposure_usd: Decimal | None = None
    max_daily_loss_usd: Decimal | None = None
    max_drawdown_pct: Decimal | None = None
    max_unrealized_loss_usd: Decimal | None = None
    capital_usd: Decimal | None = None

    def __post_init__(self) -> None:
        if self.max_drawdown_pct is not None and not self.capital_usd:
            raise ValueError("max_drawdown_pct needs a positive capital_usd")


@dataclass(frozen=True, slots=True)
class UsdLine:
    """USD figures of one slice of the portfolio (a venue, a bot, or all)."""

    realized_usd: Decimal
    unrealized_usd: Decimal
    fees_usd: Decimal
    total_pnl_usd: Decimal
    exposure_usd: Decimal

    @classmethod
    def of(cls, totals: UsdTotals) -> UsdLine:
        """Freeze a running total."""
        return cls(totals.realized, totals.unrealized, totals.fees, totals.total, totals.exposure)


@dataclass(frozen=True, slots=True)
class PortfolioSnapshot:
    """The whole engine's exposure and PnL at one moment."""

    ts_ms: int
    total: UsdLine
    daily_pnl_usd: Decimal
    drawdown_pct: Decimal | None
    by_exchange: dict[str, UsdLine]
    by_bot: dict[str | None, UsdLine]
    fx_rates: dict[str, Decimal]


class PortfolioRisk:
    """Aggregate every position in USD and enforce the engine-wide limits."""

    def __init__(
        self,
        *,
        positions: PositionBook,
        market: MarketView,
        fx: FxTable,
        clock: Clock,
        limits: PortfolioLimits | None = None,
    ) -> None:
        self._positions = positions
        self._market = market
        self._fx = fx
        self._clock = clock
        self.limits = limits or PortfolioLimits()
        self._equity = EquityTracker(capital=self.limits.capital_usd)
        self.last: PortfolioSnapshot | None = None
        self.halted: str | None = None

    def snapshot(self) -> PortfolioSnapshot:
        """Value every position now; raise UnknownCurrency if any currency has no rate."""
        now = self._clock.now_ms()
        total = UsdTotals()
        by_exchange: dict[str, UsdTotals] = {}
        by_bot: dict[str | None, UsdTotals] = {}
        for pos in self._positions.all_positions():
            values = value_position(pos, self._market, self._fx)
            total.add(values)
            by_exchange.setdefault(pos.exchange, UsdTotals()).add(values)
            by_bot.setdefault(pos.bot_id, UsdTotals()).add(values)
        self._equity.observe(total.total, now)
        rates = self._fx.rates()
        snap = PortfolioSnapshot(
            ts_ms=now,
            total=UsdLine.of(total),
            daily_pnl_usd=self._equity.daily_pnl,
            drawdown_pct=self._equity.drawdown_pct,
            by_exchange={k: UsdLine.of(v) for k, v in by_exchange.items()},
            by_bot={k: UsdLine.of(v) for k, v in by_bot.items()},
            fx_rates={c: rates[c] for c in sorted(total.currencies) if c in rates},
        )
        self.last = snap
        return snap

    def evaluate(self) -> list[r.Breach]:
        """Refresh the snapshot and return every portfolio limit breached now."""
        try:
            snap = self.snapshot()
        except UnknownCurrency as exc:
            return [r.Breach(r.RULE_FX, Scope.PORTFOLIO, str(exc), hard=False)]
        lim = self.limits
        t = snap.total
        found: list[r.Breach] = []
        if lim.max_exposure_usd is not None and t.exposure_usd > lim.max_exposure_usd:
            found.append(
                _breach(RULE_MAX_EXPOSURE, "exposure", t.exposure_usd, lim.max_exposure_usd)
            )
        if lim.max_daily_loss_usd is not None and -snap.daily_pnl_usd >= lim.max_daily_loss_usd:
            found.append(
                _breach(
                    RULE_MAX_DAILY_LOSS, "daily loss", -snap.daily_pnl_usd, lim.max_daily_loss_usd
                )
            )
        dd = snap.drawdown_pct
        if lim.max_drawdown_pct is not None and dd is not None and dd >= lim.max_drawdown_pct:
            found.append(_breach(RULE_MAX_DRAWDOWN, "drawdown %", dd, lim.max_drawdown_pct))
        if (
            lim.max_unrealized_loss_usd is not None
            and -t.unrealized_usd >= lim.max_unrealized_loss_usd
        ):
            found.append(
                _breach(
                    RULE_MAX_UNREALIZED_LOSS,
                    "unrealized loss",
                    -t.unrealized_usd,
                    lim.max_unrealized_loss_usd,
                )
            )
        return found

    def check(self, intent: OrderIntent, ctx: r.RiskContext) -> r.RiskDecision:
        """Refuse an intent that would add exposure past the portfolio limit (last snapshot)."""
        lim = self.limits
        if lim.max_exposure_usd is None or not r.increases_risk(intent, ctx):
            return r.passed(RULE_MAX_EXPOSURE)
        snap = self.last
        if snap is None:
            try:
                snap = self.snapshot()
            except UnknownCurrency as exc:
                return r.refused(r.RULE_FX, str(exc))
        price = r.intent_price(intent, ctx)
        if price is None:
            return r.refused(r.RULE_REFERENCE_PRICE, "portfolio: no price to value the order at")
        if ctx.usd_rate is None:
            return r.refused(r.RULE_FX, "portfolio: no USD rate for the instrument's currency")
        value = snap.total.exposure_usd + intent.size * price * ctx.multiplier * ctx.usd_rate
        if value > lim.max_exposure_usd:
            return r.refused(
                RULE_MAX_EXPOSURE,
                f"portfolio exposure would be {value} USD, above {lim.max_exposure_usd}",
                lim.max_exposure_usd,
                value,
            )
        return r.passed(RULE_MAX_EXPOSURE)

    async def enforce(self, breach: r.Breach, control: FleetControl) -> list[StopResult]:
        """Refuse every intent now, then cancel and RISK_STOP every bot; one result per bot."""
        if not breach.hard:
            return []
        reason = f"{breach.rule}: {breach.message}"
        self.halted = reason
        return await stop_bots(control, control.bot_ids(), reason)

    def clear_halt(self) -> None:
        """Accept intents again after an operator reviewed the portfolio breach."""
        self.halted = None


def _breach(rule: str, what: str, value: Decimal, limit: Decimal) -> r.Breach:
    return r.Breach(
        rule=rule,
        scope=Scope.PORTFOLIO,
        message=f"portfolio {what} {value} reached limit {limit}",
        limit=limit,
        value=value,
    )
