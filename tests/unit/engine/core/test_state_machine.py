"""Bot state machine: the schema's table and nothing else."""

from __future__ import annotations

import itertools

import pytest

from services.engine.core.state_machine import (
    BotStateMachine,
    IllegalTransition,
    StateChange,
    is_allowed,
)
from services.shared.generated.enums import BotState as S
from services.shared.generated.tables import BOT_TRANSITIONS

ALL_PAIRS = list(itertools.product(S, S))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in BOT_TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in BOT_TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_transition_in_the_table_is_accepted(current: S, target: S) -> None:
    sm = BotStateMachine("b", current)
    assert sm.transition(target, "why") == (current, target)
    assert sm.state is target
    assert sm.reason == "why"


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_every_transition_outside_the_table_is_refused(current: S, target: S) -> None:
    sm = BotStateMachine("b", current)
    with pytest.raises(IllegalTransition) as err:
        sm.transition(target)
    assert sm.state is current
    assert (err.value.current, err.value.target) == (current, target)


# DESIGN §2: IDLE → STARTING → RUNNING ⇄ PAUSING/PAUSED → STOPPING → STOPPED,
# plus RISK_STOPPED and ERROR. Pinned here so a schema edit cannot silently change them.
@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.IDLE, S.STARTING),
        (S.STARTING, S.RUNNING),
        (S.RUNNING, S.PAUSING),
        (S.PAUSING, S.PAUSED),
        (S.PAUSED, S.RUNNING),
        (S.RUNNING, S.STOPPING),
        (S.PAUSED, S.STOPPING),
        (S.STOPPING, S.STOPPED),
        (S.RUNNING, S.RISK_STOPPED),
        (S.PAUSED, S.RISK_STOPPED),
        (S.RUNNING, S.ERROR),
        (S.RISK_STOPPED, S.STARTING),
        (S.STOPPED, S.STARTING),
    ],
)
def test_design_transitions_are_allowed(current: S, target: S) -> None:
    assert is_allowed(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.IDLE, S.RUNNING),
        (S.STOPPED, S.RUNNING),
        (S.RISK_STOPPED, S.RUNNING),
        (S.ERROR, S.RUNNING),
        (S.STOPPING, S.RUNNING),
        (S.RUNNING, S.IDLE),
        (S.RUNNING, S.RUNNING),
        (S.RUNNING, S.STOPPED),
        (S.IDLE, S.RISK_STOPPED),
        (S.STOPPED, S.RISK_STOPPED),
    ],
)
def test_design_shortcuts_are_refused(current: S, target: S) -> None:
    assert not is_allowed(current, target)
    with pytest.raises(IllegalTransition):
        BotStateMachine("b", current).transition(target)


def test_listeners_hear_accepted_transitions_only() -> None:
    heard: list[StateChange] = []
    sm = BotStateMachine("bot-7", listeners=(heard.append,))
    sm.transition(S.STARTING)
    sm.transition(S.RUNNING, "started")
    with pytest.raises(IllegalTransition):
        sm.transition(S.IDLE)
    assert heard == [
        StateChange("bot-7", S.IDLE, S.STARTING, None),
        StateChange("bot-7", S.STARTING, S.RUNNING, "started"),
    ]


def test_only_a_running_bot_accepts_orders() -> None:
    assert [s for s in S if BotStateMachine("b", s).accepts_orders] == [S.RUNNING]


def test_a_new_bot_is_idle() -> None:
    sm = BotStateMachine("b")
    assert sm.state is S.IDLE
    assert sm.can_transition(S.STARTING)
    assert not sm.can_transition(S.RUNNING)
