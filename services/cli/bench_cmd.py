"""`trading bench`: the performance benchmarks of DESIGN §8."""

from __future__ import annotations

import orjson
import typer

from services.engine.bench import runner


def bench(
    names: list[str] | None = typer.Argument(None, help="Benchmarks to run (default: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per benchmark."),
) -> None:
    """Run benchmarks; each figure is also given as a ratio to a same-run baseline."""
    selected = names or runner.names()
    for name in selected:
        try:
            fn = runner.load(name)
        except runner.UnknownBench as exc:
            typer.echo(str(exc.args[0]), err=True)
            raise typer.Exit(2) from exc
        result = fn()
        if as_json:
            typer.echo(orjson.dumps(result).decode())
        else:
            for line in runner.format_lines(result):
                typer.echo(line)
