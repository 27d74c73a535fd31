"""The global kill switch: once engaged, every intent is refused and every bot stopped.

Engaging is idempotent and never stops half way: the flag is set before the
first await (so nothing new goes out while orders are being cancelled), then
each bot is cancelled and moved to RISK_STOPPED, concurrently, and a failure
for one bot does not spare the others. The engine mirrors the flag in Redis
(`KILL_SWITCH_KEY`); this object is the in-process authority.
"""

from __future__ import annotations

from services.engine.core.clock import Clock
from services.engine.core.types import OrderIntent
from services.engine.risk import rules as r
from services.engine.risk.control import FleetControl, StopResult, stop_bots


class KillSwitch:
    """Engine-wide emergency stop."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.reason: str | None = None
        self.engaged_at_ms: int | None = None

    @property
    def engaged(self) -> bool:
        """True while every intent must be refused."""
        return self.engaged_at_ms is not None

    def check(self, intent: OrderIntent) -> r.RiskDecision:
        """Refuse the intent while engaged."""
        if self.engaged_at_ms is None:
            return r.passed(r.RULE_KILL_SWITCH)
        return r.refused(r.RULE_KILL_SWITCH, f"kill switch engaged: {self.reason}")

    async def engage(self, control: FleetControl, reason: str) -> list[StopResult]:
        """Refuse all intents from now on, cancel every bot's orders and RISK_STOP every bot."""
        if self.engaged_at_ms is None:
            self.engaged_at_ms = self._clock.now_ms()
            self.reason = reason
        return await stop_bots(control, control.bot_ids(), f"kill switch: {reason}")

    def release(self) -> None:
        """Accept intents again (bots stay stopped until started)."""
        self.engaged_at_ms = None
        self.reason = None
