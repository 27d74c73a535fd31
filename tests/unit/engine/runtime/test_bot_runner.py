"""BotRunner: lifecycle along the schema's table, hooks, errors, risk stops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.engine.core.state_machine import IllegalTransition
from services.engine.runtime.engine import EngineRuntime
from services.shared.generated.enums import BotState, OrderStatus
from services.shared.generated.events import EventType
from tests.support.fake_venue import FakeVenue
from tests.unit.engine.runtime.conftest import RecordingHost, config
from tests.unit.engine.runtime.helpers import Recorder, eventually


@pytest.fixture(autouse=True)
def recorder(runtime: EngineRuntime) -> Iterator[None]:
    runtime.catalog.register(Recorder)
    Recorder.instances.clear()
    yield
    Recorder.instances.clear()


async def test_start_runs_the_strategy_and_publishes_each_transition(
    runtime: EngineRuntime, host: RecordingHost, venue: FakeVenue
) -> None:
    runner = runtime._runner_for(config(strategy="recorder"))
    await runner.start()
    assert runner.state is BotState.RUNNING
    assert host.states("b1") == ["starting", "running"]
    strategy = Recorder.instances[-1]
    assert strategy.calls == ["start"]
    venue.feed.push_book("BTC-USD", "10", "11")
    venue.feed.push_trade("BTC-USD", "10.5")
    await eventually(lambda: "trade" in strategy.calls, what="book and trade hooks")
    assert strategy.books == [("BTC-USD", 10)]
    await runner.stop()
    assert host.states("b1") == ["starting", "running", "stopping", "stopped"]
    assert strategy.calls[-1] == "stop"
    with pytest.raises(IllegalTransition, match="stopped -> pausing"):
        await runner.pause()
    assert host.states("b1")[-1] == "stopped"


async def test_timer_ticks_every_tick_interval(runtime: EngineRuntime) -> None:
    runner = runtime._runner_for(config(strategy="recorder", tick_ms=20))
    await runner.start()
    strategy = Recorder.instances[-1]
    await eventually(
        lambda: strategy.calls.count("timer") >= 3, timeout_secs=2, what="three timer ticks"
    )
    await runner.stop()


async def test_resume_while_running_is_refused_and_changes_nothing(
    runtime: EngineRuntime, host: RecordingHost
) -> None:
    runner = runtime._runner_for(config(strategy="recorder"))
    await runner.start()
    with pytest.raises(IllegalTransition):
        await runner.resume()
    assert runner.state is BotState.RUNNING
    assert host.states("b1") == ["starting", "running"]
    await runner.stop()


async def test_a_raising_hook_puts_only_that_bot_in_error_and_cancels_its_orders(
    runtime: EngineRuntime, host: RecordingHost, venue: FakeVenue
) -> None:
    bad = runtime._runner_for(
        config("bad", strategy="recorder", params={"raise_on_book": 2, "submit_size": "1"})
    )
    good = runtime._runner_for(config("good", strategy="recorder"))
    await bad.start()
    await good.start()
    venue.feed.push_book("BTC-USD", "10", "11")
    await eventually(lambda: len(venue.executor.resting()) == 1, what="the bad bot's order")
    venue.feed.push_book("BTC-USD", "12", "13")
    await eventually(lambda: bad.state is BotState.ERROR, what="ERROR")
    assert venue.executor.resting() == []  # its order was cancelled
    errors = host.of_type(EventType.BOT_ERROR)
    assert len(errors) == 1 and errors[0]["botId"] == "bad"
    assert "RuntimeError: recorder exploded" in errors[0]["error"]
    assert 'raise RuntimeError("recorder exploded")' in errors[0]["traceback"]
    assert host.states("bad") == ["starting", "running", "error"]
    assert good.state is BotState.RUNNING
    venue.feed.push_book("BTC-USD", "14", "15")
    good_strategy = Recorder.instances[1]
    await eventually(lambda: ("BTC-USD", 14) in good_strategy.books, what="the good bot's book")
    # The feed is still subscribed for the good bot and was released by the bad one.
    sub = runtime.feeds.subscription(venue.exchange, "BTC-USD", venue.feed.subscribe_calls[0][1])
    assert sub is not None and sub.refs == 1
    await good.stop()


async def test_paused_bots_get_order_reports_but_no_market_data(
    runtime: EngineRuntime, venue: FakeVenue
) -> None:
    runner = runtime._runner_for(config(strategy="recorder", params={"submit_size": "1"}))
    await runner.start()
    strategy = Recorder.instances[-1]
    venue.feed.push_book("BTC-USD", "10", "11")
    await eventually(lambda: len(venue.executor.resting()) == 1, what="an order")
    await runner.pause()
    assert venue.executor.resting() == []  # pausing cancels what rests
    await eventually(lambda: "order:cancelled" in strategy.calls, what="the cancel report")
    books = len(strategy.books)
    venue.feed.push_book("BTC-USD", "20", "21")
    await eventually(lambda: runner.inbox.empty, what="inbox drained")
    assert len(strategy.books) == books
    await runner.resume()
    venue.feed.push_book("BTC-USD", "30", "31")
    await eventually(lambda: ("BTC-USD", 30) in strategy.books, what="books after resume")
    await runner.stop()


async def test_a_hard_risk_breach_cancels_then_risk_stops_the_bot(
    runtime: EngineRuntime, host: RecordingHost, venue: FakeVenue
) -> None:
    runner = runtime._runner_for(
        config(
            strategy="recorder",
            params={"submit_size": "2"},
            risk={"maxOrderSize": "1"},
        )
    )
    await runner.start()
    strategy = Recorder.instances[-1]
    venue.feed.push_book("BTC-USD", "10", "11")
    await eventually(lambda: runner.state is BotState.RISK_STOPPED, what="RISK_STOPPED")
    assert strategy.submitted == [None]
    assert strategy.rejects[0] is not None and strategy.rejects[0].startswith("maxOrderSize")
    breaches = host.of_type(EventType.RISK_BREACH)
    assert breaches[0]["rule"] == "maxOrderSize" and breaches[0]["botId"] == "b1"
    assert host.states("b1") == ["starting", "running", "risk_stopped"]
    assert venue.executor.ops("place") == []


async def test_orders_and_fills_update_tracker_positions_and_events(
    runtime: EngineRuntime, host: RecordingHost, venue: FakeVenue
) -> None:
    runner = runtime._runner_for(config(strategy="recorder", params={"submit_size": "1"}))
    await runner.start()
    strategy = Recorder.instances[-1]
    venue.feed.push_book("BTC-USD", "10", "11")
    await eventually(lambda: len(venue.executor.resting()) == 1, what="an order")
    order_id = venue.executor.resting()[0].id
    venue.executor.fill(order_id)
    await eventually(lambda: len(strategy.fills) == 1, what="the fill reaches the strategy")
    assert runtime.tracker.get(order_id).status is OrderStatus.FILLED  # type: ignore[union-attr]
    assert runner.ctx.position_size("BTC-USD") == 1
    fills = host.of_type(EventType.FILL)
    assert [f["id"] for f in fills] == ["f1"] and fills[0]["realizedPnl"] == "0"
    positions = host.of_type(EventType.POSITION)
    assert positions[-1]["size"] == "1" and positions[-1]["side"] == "long"
    statuses = [o["status"] for o in host.of_type(EventType.ORDER_UPDATE)]
    assert statuses == ["open", "filled"]
    # The same fill reported again (reconciliation) changes nothing.
    runtime.router.on_fill(venue.executor.fills[0])
    assert len(host.of_type(EventType.FILL)) == 1
    assert runtime.publish_pnl() == 1
    pnl = host.of_type(EventType.PNL_SNAPSHOT)[-1]
    assert pnl["entityId"] == "b1" and pnl["tradeCount"] == 1 and pnl["fees"] == "0.01"
    assert runtime.publish_pnl() == 0  # unchanged figures are not re-sent
    await runner.stop()
