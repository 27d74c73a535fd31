"""How risk stops bots without knowing the runtime: the BotControl protocol.

Stopping is always cancel first, then state: the bot's resting orders are
cancelled (awaited) before it is moved to RISK_STOPPED, so nothing it left
behind can fill after the operator sees it stopped. A failure in either step
never skips the other; it is reported in the `StopResult`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from services.shared.generated.enums import BotState


class BotControl(Protocol):
    """What risk needs from the runtime to stop one bot."""

    async def cancel_all_orders(self, bot_id: str) -> None:
        """Cancel every open order of the bot and return once the venue has answered."""
        ...

    async def set_state(self, bot_id: str, state: BotState, reason: str) -> None:
        """Move the bot to `state` (a no-op when it is already stopped)."""
        ...


class FleetControl(BotControl, Protocol):
    """BotControl that also knows every bot of the engine (portfolio limits, kill switch)."""

    def bot_ids(self) -> list[str]:
        """Every bot this engine runs."""
        ...


@dataclass(frozen=True, slots=True)
class StopResult:
    """What happened when one bot was stopped."""

    bot_id: str
    cancelled: bool
    stopped: bool
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when both the cancel and the state change succeeded."""
        return self.cancelled and self.stopped


async def stop_bot(
    control: BotControl, bot_id: str, reason: str, state: BotState = BotState.RISK_STOPPED
) -> StopResult:
    """Cancel the bot's orders, then set its state; never skip the second step."""
    errors: list[str] = []
    cancelled = stopped = False
    try:
        await control.cancel_all_orders(bot_id)
        cancelled = True
    except Exception as exc:  # the bot must still be stopped if the venue failed us
        errors.append(f"cancel failed: {exc!r}")
    try:
        await control.set_state(bot_id, state, reason)
        stopped = True
    except Exception as exc:
        errors.append(f"set_state failed: {exc!r}")
    return StopResult(bot_id, cancelled, stopped, "; ".join(errors) or None)


async def stop_bots(
    control: BotControl,
    bot_ids: Iterable[str],
    reason: str,
    state: BotState = BotState.RISK_STOPPED,
) -> list[StopResult]:
    """Stop many bots concurrently (each cancel-then-state); one result per bot."""
    return list(await asyncio.gather(*(stop_bot(control, b, reason, state) for b in bot_ids)))
