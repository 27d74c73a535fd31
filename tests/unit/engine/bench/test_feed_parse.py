"""The feed_parse benchmark runs the real adapter path and reports DESIGN §8's shape."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from services.cli.main import app
from services.engine.bench import feed_parse, runner


def test_messages_chain_by_seq_id() -> None:
    snapshot, updates = feed_parse.okx_messages(50)
    seq = orjson.loads(snapshot)["data"][0]["seqId"]
    for raw in updates:
        data = orjson.loads(raw)["data"][0]
        assert data["prevSeqId"] == seq
        seq = data["seqId"]
        assert len(data["bids"]) + len(data["asks"]) == 1


def test_result_has_the_design_shape_and_a_ratio() -> None:
    result = feed_parse.run(messages=2_000, rounds=1)
    assert result["bench"] == "feed_parse"
    assert set(result["metrics"]) == {
        "okx_msgs_per_s",
        "polymarket_msgs_per_s",
        "kalshi_msgs_per_s",
    }
    assert result["metrics"]["okx_msgs_per_s"] > 0
    assert result["baseline"]["plain_dict_loop_per_s"] > 0
    assert result["ratio"] == round(
        result["metrics"]["okx_msgs_per_s"] / result["baseline"]["plain_dict_loop_per_s"], 3
    )


def test_cli_prints_one_json_object() -> None:
    runner.register("tiny_feed_parse", "tests.unit.engine.bench.test_feed_parse:_tiny")
    try:
        out = CliRunner().invoke(app, ["bench", "tiny_feed_parse", "--json"])
    finally:
        runner.REGISTRY.pop("tiny_feed_parse")
    assert out.exit_code == 0, out.output
    assert orjson.loads(out.output)["bench"] == "feed_parse"


def test_unknown_bench_is_refused() -> None:
    out = CliRunner().invoke(app, ["bench", "nope"])
    assert out.exit_code == 2 and "unknown benchmark" in out.output


def _tiny() -> runner.BenchResult:
    return feed_parse.run(messages=500, rounds=1)
