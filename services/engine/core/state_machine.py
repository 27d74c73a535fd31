"""The bot lifecycle, driven only along the schema's transition table.

`BOT_TRANSITIONS` (generated from `schemas/enums.json`, x-transitions) is the
single source of truth; this module adds nothing to it, so the dashboard, the
CMS and the engine agree on what a bot may do next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.shared.generated.enums import BotState
from services.shared.generated.tables import BOT_TRANSITIONS

# A bot may open new risk only while RUNNING; every other state refuses intents.
ACCEPTS_NEW_ORDERS: frozenset[BotState] = frozenset({BotState.RUNNING})


class IllegalTransition(Exception):
    """A transition outside the table was requested; the state is unchanged."""

    def __init__(self, bot_id: str, current: BotState, target: BotState) -> None:
        super().__init__(f"bot {bot_id}: {current.value} -> {target.value} is not allowed")
        self.bot_id = bot_id
        self.current = current
        self.target = target


@dataclass(frozen=True, slots=True)
class StateChange:
    """One accepted transition."""

    bot_id: str
    previous: BotState
    state: BotState
    reason: str | None


StateListener = Callable[[StateChange], None]


def is_allowed(current: BotState, target: BotState) -> bool:
    """Return True when the table allows `current` -> `target`."""
    return target in BOT_TRANSITIONS.get(current, frozenset())


class BotStateMachine:
    """One bot's state; refuses every transition the table does not list."""

    __slots__ = ("_listeners", "_state", "bot_id", "reason")

    def __init__(
        self,
        bot_id: str,
        state: BotState = BotState.IDLE,
        *,
        listeners: tuple[StateListener, ...] = (),
    ) -> None:
        self.bot_id = bot_id
        self._state = state
        self.reason: str | None = None
        self._listeners: list[StateListener] = list(listeners)

    @property
    def state(self) -> BotState:
        """The current state."""
        return self._state

    @property
    def accepts_orders(self) -> bool:
        """True while the bot may open new risk."""
        return self._state in ACCEPTS_NEW_ORDERS

    def can_transition(self, target: BotState) -> bool:
        """Return True when `target` is reachable in one step from here."""
        return is_allowed(self._state, target)

    def add_listener(self, listener: StateListener) -> None:
        """Call `listener` after every accepted transition."""
        self._listeners.append(listener)

    def transition(self, target: BotState, reason: str | None = None) -> tuple[BotState, BotState]:
        """Move to `target`; return (previous, new) or raise IllegalTransition."""
        previous = self._state
        if not is_allowed(previous, target):
            raise IllegalTransition(self.bot_id, previous, target)
        self._state = target
        self.reason = reason
        change = StateChange(self.bot_id, previous, target, reason)
        for listener in self._listeners:
            listener(change)
        return previous, target
