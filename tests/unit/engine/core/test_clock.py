"""Clocks."""

from __future__ import annotations

import time

import pytest

from services.engine.core.clock import MS_PER_DAY, ManualClock, SystemClock, utc_day


def test_manual_clock_moves_only_forward_when_told() -> None:
    clock = ManualClock(1_000)
    assert clock.now_ms() == 1_000
    assert clock.advance(250) == 1_250
    clock.set(2_000)
    assert clock.now_ms() == 2_000
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(1_999)


def test_system_clock_reads_epoch_milliseconds() -> None:
    before = int(time.time() * 1000)
    assert before - 1 <= SystemClock().now_ms() <= int(time.time() * 1000) + 1


def test_utc_day_numbers_days_since_the_epoch() -> None:
    assert utc_day(0) == 0
    assert utc_day(MS_PER_DAY - 1) == 0
    assert utc_day(MS_PER_DAY) == 1
