"""Benchmark registry and runner.

A benchmark is a function returning one result object,
`{"bench": NAME, "metrics": {...}, "baseline": {...}, "ratio": x}`, where the
baseline is measured in the same run so figures compare across machines.
Benchmarks are registered by name -> "module:function" and imported only
when run, so a slow or heavy benchmark costs nothing until asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

BenchResult = dict[str, Any]
BenchFn = Callable[[], BenchResult]

# name -> "module:function"; add new benchmarks here.
REGISTRY: dict[str, str] = {
    "feed_parse": "services.engine.bench.feed_parse:run",
    "engine_hot_path": "services.engine.bench.engine_hot_path:run",
}


class UnknownBench(KeyError):
    """No benchmark of that name."""


def names() -> list[str]:
    """Registered benchmark names."""
    return sorted(REGISTRY)


def register(name: str, target: str) -> None:
    """Register (or replace) benchmark `name` as "module:function"."""
    REGISTRY[name] = target


def load(name: str) -> BenchFn:
    """The function of benchmark `name`."""
    try:
        target = REGISTRY[name]
    except KeyError:
        raise UnknownBench(f"unknown benchmark {name!r}; known: {', '.join(names())}") from None
    module_name, _, attr = target.partition(":")
    fn: BenchFn = getattr(importlib.import_module(module_name), attr)
    return fn


def run(selected: list[str] | None = None) -> list[BenchResult]:
    """Run the named benchmarks (all when none are named), in order."""
    return [load(name)() for name in (selected or names())]


def format_lines(result: BenchResult) -> list[str]:
    """One human-readable line per figure."""
    bench = result["bench"]
    lines = []
    for key, value in result.get("metrics", {}).items():
        if value is not None:
            lines.append(f"{bench}.{key}: {_fmt(value)}")
    for key, value in result.get("baseline", {}).items():
        lines.append(f"{bench}.baseline.{key}: {_fmt(value)}")
    if result.get("ratio") is not None:
        lines.append(f"{bench}.ratio: {result['ratio']:.3f}")
    return lines


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.3f}"
    return str(value)
