"""Kill switch: refuses every intent and stops every bot, even when a venue fails."""

from __future__ import annotations

from services.engine.risk.kill_switch import KillSwitch
from services.shared.generated.enums import BotState
from tests.unit.engine.factories import intent
from tests.unit.engine.risk.conftest import T0, EnvFactory

BOTS = {"a": {"a1", "a2"}, "b": {"b1"}, "c": set()}


async def test_engaging_refuses_intents_then_cancels_and_stops_every_bot(
    make_env: EnvFactory,
) -> None:
    env = make_env(bots=BOTS)
    assert env.rm.check(intent(price="1000", bot_id="a")).accepted

    results = await env.kill_switch.engage(env.control, "operator pressed it")

    assert env.kill_switch.engaged and env.kill_switch.engaged_at_ms == T0
    assert sorted(r.bot_id for r in results) == ["a", "b", "c"]
    assert all(r.ok for r in results)
    for bot in BOTS:
        assert [c for c in env.control.calls if c[1] == bot] == [
            ("cancel", bot),
            ("state", bot, "risk_stopped"),
        ]
        assert env.control.state(bot) is BotState.RISK_STOPPED
        assert env.control.open_orders[bot] == set()
    refused = env.rm.check(intent(price="1000", bot_id="b", coid="x"))
    assert refused.rule == "killSwitch"
    assert "operator pressed it" in refused.message
    assert env.rm.check(intent(price="1000", bot_id=None, coid="m")).rule == "killSwitch"


async def test_one_failing_venue_does_not_spare_the_other_bots(make_env: EnvFactory) -> None:
    env = make_env(bots=BOTS, failing_cancel=frozenset({"a"}))
    results = {r.bot_id: r for r in await env.kill_switch.engage(env.control, "panic")}
    assert not results["a"].cancelled and results["a"].stopped
    assert results["b"].ok and results["c"].ok
    assert all(env.control.state(b) is BotState.RISK_STOPPED for b in BOTS)


async def test_engaging_twice_keeps_the_first_time_and_release_reopens(
    make_env: EnvFactory,
) -> None:
    env = make_env(bots={"a": set()})
    await env.kill_switch.engage(env.control, "first")
    env.clock.advance(5_000)
    env.control.machines["a"].transition(BotState.STARTING)
    env.control.machines["a"].transition(BotState.RUNNING)
    await env.kill_switch.engage(env.control, "second")
    assert env.kill_switch.engaged_at_ms == T0 and env.kill_switch.reason == "first"
    env.kill_switch.release()
    assert not env.kill_switch.engaged
    assert env.rm.check(intent(price="1000", bot_id="a")).accepted


def test_a_released_switch_passes_intents() -> None:
    from services.engine.core.clock import ManualClock

    ks = KillSwitch(ManualClock(0))
    assert ks.check(intent()).accepted
