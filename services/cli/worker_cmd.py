"""`trading worker`: run one event worker (arq) until stopped."""

from __future__ import annotations

import typer

from services.cli.runtime import run_async
from services.shared.logs import configure_logging
from services.shared.settings import get_settings


def worker(
    job_timeout_secs: float = typer.Option(
        30.0,
        "--job-timeout-secs",
        min=0.5,
        help="Max run time of one job; a SIGKILLed worker's jobs rerun this long + 2 s later.",
    ),
    burst: bool = typer.Option(False, "--burst", help="Exit once the queue is empty."),
) -> None:
    """Run an event worker: persist engine event batches to MongoDB and acknowledge them."""
    from services.workers.runner import run_worker

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.trading_env == "prod")
    run_async(run_worker(settings, job_timeout_secs=job_timeout_secs, burst=burst))
