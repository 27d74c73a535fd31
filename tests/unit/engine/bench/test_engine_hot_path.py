"""The engine_hot_path benchmark runs every update through the real risk check and accepts it."""

from __future__ import annotations

from services.engine.bench import engine_hot_path as bench
from services.shared.generated.entities import RiskLimits


def test_the_bench_bot_has_a_realistic_set_of_limits() -> None:
    limits = RiskLimits.model_validate(bench.RISK_LIMITS)
    assert {name for name, value in limits if value is not None} == {
        "maxOrderSize",
        "maxOrderNotional",
        "maxPositionSize",
        "maxOpenOrders",
        "maxOrdersPerMinute",
        "priceBandPct",
        "maxDailyLoss",
    }


def test_every_update_reaches_the_strategy_and_passes_risk() -> None:
    snapshot, deltas = bench.book_stream(1_200)
    result = bench._run_loop(bench._engine_rate(snapshot, deltas[:200], deltas[200:]))
    assert result["strategy_calls"] == result["intents"] == 1_000
    assert result["coalesced"] == 0
    assert result["updates_per_s"] > 0 and 0 < result["p50_us"] <= result["p99_us"]
