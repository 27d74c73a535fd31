"""`trading engine`: run one engine process."""

from __future__ import annotations

import typer

from services.cli.runtime import run_async
from services.engine.app import EngineApp
from services.engine.runtime.engine import RuntimeConfig
from services.engine.runtime.leases import DEFAULT_LEASE_MS
from services.shared.generated.constants import REDIS_FAIL_CLOSED_GRACE_MS
from services.shared.generated.enums import Exchange
from services.shared.logs import configure_logging
from services.shared.settings import get_settings


def engine(
    engine_id: str | None = typer.Option(None, "--engine-id", help="Defaults to ENGINE_ID."),
    exchanges: str | None = typer.Option(
        None, "--exchanges", help="Comma-separated venues; defaults to ENGINE_EXCHANGES."
    ),
    metrics_port: int | None = typer.Option(
        None, "--metrics-port", help="Prometheus port; defaults to ENGINE_METRICS_PORT, 0 = off."
    ),
    fail_closed_grace_ms: int = typer.Option(
        REDIS_FAIL_CLOSED_GRACE_MS,
        "--fail-closed-grace-ms",
        min=100,
        help="Time without Redis before every bot is halted and resting orders cancelled.",
    ),
    lease_ms: int = typer.Option(
        DEFAULT_LEASE_MS, "--lease-ms", min=300, help="Bot lease lifetime in Redis."
    ),
) -> None:
    """Run one trading engine (registry heartbeat, commands, events, metrics)."""
    settings = get_settings()
    overrides: dict[str, object] = {}
    if engine_id:
        overrides["engine_id"] = engine_id
    settings = settings.model_copy(update=overrides)
    names = exchanges.split(",") if exchanges else settings.exchanges
    try:
        venues = [Exchange(name.strip()) for name in names if name.strip()]
    except ValueError as exc:
        valid = ", ".join(e.value for e in Exchange)
        raise typer.BadParameter(f"{exc}; valid venues: {valid}", param_hint="--exchanges") from exc
    port = settings.engine_metrics_port if metrics_port is None else metrics_port
    configure_logging(settings.log_level, json=settings.trading_env == "prod")
    runtime_config = RuntimeConfig(fail_closed_grace_ms=fail_closed_grace_ms, lease_ms=lease_ms)
    app = EngineApp(settings, venues, metrics_port=port or None, runtime_config=runtime_config)
    run_async(app.run())
