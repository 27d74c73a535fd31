"""FailClosed: suspend at the first failed check, halt after the grace, recover then resume."""

from __future__ import annotations

import asyncio
import time

from redis.exceptions import ConnectionError as RedisConnectionError

from services.engine.runtime.failclosed import DeadManSwitches, FailClosed, Health
from services.shared.generated.enums import Exchange
from tests.support.fake_venue import FakeExecutor
from tests.unit.engine.runtime.helpers import eventually


class Target:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.fail_recover = 0

    def suspend(self, reason: str) -> None:
        self.calls.append(("suspend", time.monotonic()))

    def unsuspend(self) -> None:
        self.calls.append(("unsuspend", time.monotonic()))

    async def halt(self, reason: str) -> None:
        self.calls.append(("halt", time.monotonic()))

    async def recover(self) -> None:
        if self.fail_recover:
            self.fail_recover -= 1
            raise RuntimeError("venue not answering yet")
        self.calls.append(("recover", time.monotonic()))

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]


class Redisish:
    def __init__(self) -> None:
        self.up = True

    async def ping(self) -> bool:
        if not self.up:
            raise RedisConnectionError("refused")
        return True


async def test_a_short_blip_only_suspends_and_a_long_outage_halts_after_the_grace() -> None:
    redis, target = Redisish(), Target()
    fc = FailClosed(redis.ping, target, grace_ms=200, interval_secs=0.01)
    task = asyncio.create_task(fc.run())
    await asyncio.sleep(0.05)
    redis.up = False
    await eventually(lambda: "suspend" in target.ops(), what="suspend")
    redis.up = True
    await eventually(lambda: "unsuspend" in target.ops(), what="unsuspend")
    assert target.ops() == ["suspend", "unsuspend"]

    redis.up = False
    lost = time.monotonic()
    await eventually(lambda: "halt" in target.ops(), what="halt")
    halted_at = dict(target.calls)["halt"]
    assert 0.18 <= halted_at - lost < 0.6
    assert fc.health is Health.HALTED
    target.fail_recover = 2
    redis.up = True
    await eventually(lambda: fc.health is Health.HEALTHY, what="recovered")
    assert target.ops()[-1] == "recover" and target.ops().count("recover") == 1
    assert fc.halts == 1 and fc.recoveries == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_dead_man_switches_refresh_at_half_the_timeout() -> None:
    executor = FakeExecutor(Exchange.OKX)
    switches = DeadManSwitches(timeout_secs=0.1)
    assert switches.refresh_every_secs == 0.05
    switches.add("live:okx", executor)
    task = asyncio.create_task(switches.run())
    await eventually(lambda: len(executor.dead_man) >= 4, what="four refreshes")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gaps = [b - a for a, b in zip(executor.dead_man, executor.dead_man[1:], strict=False)]
    assert max(gaps) < 0.1  # never as late as the timeout itself
