"""The `trading` command line: one entry point for every service and tool."""

from __future__ import annotations

import typer

from services.cli import codegen as codegen_mod
from services.cli import sim_cmd
from services.cli.api_cmd import api
from services.cli.bench_cmd import bench
from services.cli.book_cmd import book
from services.cli.engine_cmd import engine
from services.cli.up_cmd import up
from services.cli.worker_cmd import worker

app = typer.Typer(
    help="Multi-exchange trading platform: engine, CMS API, workers, simulators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Multi-exchange trading platform: engine, CMS API, workers, simulators."""


@app.command()
def codegen(
    check: bool = typer.Option(False, "--check", help="Exit 1 if generated files are stale."),
) -> None:
    """Regenerate (or verify) the pydantic and TypeScript types from schemas/."""
    try:
        if check:
            drift = codegen_mod.check()
            for item in drift:
                typer.echo(f"{item.reason}: {item.path.relative_to(codegen_mod.ROOT)}", err=True)
            if drift:
                typer.echo("generated files are out of date: run `trading codegen`", err=True)
                raise typer.Exit(1)
            typer.echo("generated files are up to date")
            return
        for path in codegen_mod.generate():
            typer.echo(f"wrote {path.relative_to(codegen_mod.ROOT)}")
    except codegen_mod.CodegenError as exc:
        typer.echo(f"codegen failed: {exc}", err=True)
        raise typer.Exit(2) from exc


app.command()(engine)
app.command()(api)
app.command()(worker)
app.command()(up)

app.command("sim")(sim_cmd.sim)
app.command()(book)
app.command()(bench)


if __name__ == "__main__":
    app()
