"""Run the event worker as a long-lived process (`trading worker`).

arq's worker exits when its Redis connection breaks. A Sentinel failover or a
Redis restart must not need an operator, so the runner starts a fresh worker
after a connection error, with backoff, until it is told to stop. Jobs that
were running when the connection broke go back to the queue by arq's own rules
(see services/workers/settings.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from typing import Any

from arq.worker import Worker, create_worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.shared.logs import get_logger
from services.shared.settings import Settings
from services.workers.client import redis_settings
from services.workers.jobs import CTX_JOB_DEADLINE_SECS, retry_delay_secs
from services.workers.settings import (
    IN_PROGRESS_GRACE_SECS,
    JOB_DEADLINE_SHARE,
    JOB_TIMEOUT_SECS,
    WorkerSettings,
    persist_function,
)

log = get_logger(__name__)

# How long a stopping worker may take to hand its jobs back and close.
CLOSE_TIMEOUT_SECS = 10.0
# A worker that lived this long before losing Redis resets the restart backoff.
HEALTHY_RUN_SECS = 60.0


def build_worker(
    settings: Settings, *, job_timeout_secs: float = JOB_TIMEOUT_SECS, burst: bool = False
) -> Worker:
    """Return an arq Worker for the jobs queue, configured from `settings`."""
    if job_timeout_secs <= 0:
        raise ValueError("job_timeout_secs must be positive")
    ctx: dict[str, Any] = {
        "settings": settings,
        CTX_JOB_DEADLINE_SECS: job_timeout_secs * JOB_DEADLINE_SHARE,
    }
    worker = create_worker(
        # arq reads a settings class's own __dict__; a dict is the typed equivalent.
        dict(vars(WorkerSettings)),
        functions=[persist_function(job_timeout_secs)],
        job_timeout=job_timeout_secs,
        redis_settings=redis_settings(settings),
        burst=burst,
        handle_signals=False,
        ctx=ctx,
    )
    # arq derives this as timeout + 10 s; see settings.py for why less is safe.
    worker.in_progress_timeout_s = job_timeout_secs + IN_PROGRESS_GRACE_SECS
    return worker


async def close_worker(worker: Worker) -> None:
    """Stop a worker: running jobs go back to the queue, then its pool closes.

    Never raises: with Redis gone closing can fail or hang, and the jobs are
    safe in Redis either way.
    """
    with warnings.catch_warnings(), contextlib.suppress(Exception):
        # arq 0.28 closes its pool with redis-py's deprecated close(); harmless.
        warnings.filterwarnings("ignore", "Call to deprecated close", DeprecationWarning)
        await asyncio.wait_for(worker.close(), CLOSE_TIMEOUT_SECS)


async def run_worker(
    settings: Settings, *, job_timeout_secs: float = JOB_TIMEOUT_SECS, burst: bool = False
) -> None:
    """Run workers until SIGTERM/SIGINT (or, with `burst`, until the queue is empty)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if settings.log_level.upper() != "DEBUG":
        # arq logs two lines per job at INFO; at thousands of jobs a second that
        # drowns everything else.
        logging.getLogger("arq").setLevel(logging.WARNING)
    attempt = 0
    try:
        while not stop.is_set():
            worker = build_worker(settings, job_timeout_secs=job_timeout_secs, burst=burst)
            started = loop.time()
            main = asyncio.create_task(worker.async_run())
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({main, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if stop.is_set():
                log.info("worker_stopping")
                await close_worker(worker)
                await asyncio.wait({main}, timeout=CLOSE_TIMEOUT_SECS)
                if main.done() and not main.cancelled():
                    main.exception()  # retrieved: a failure while stopping is not news
                return
            error = main.exception() if not main.cancelled() else asyncio.CancelledError()
            await close_worker(worker)
            if error is None:
                return  # burst mode: the queue is empty
            if not isinstance(error, RedisConnectionError | RedisTimeoutError | OSError):
                raise error  # a bug, not an outage: let the supervisor see the crash
            # A worker that ran for a while had recovered: start the backoff over.
            attempt = 1 if loop.time() - started > HEALTHY_RUN_SECS else attempt + 1
            delay = retry_delay_secs(attempt)
            log.warning(
                "worker_redis_lost",
                error=f"{type(error).__name__}: {error}"[:200],
                restart_in_secs=round(delay, 2),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
