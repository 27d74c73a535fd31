"""arq settings of the event workers, and why each value is what it is.

How arq (0.26-0.28, arq/worker.py) runs, retries and recovers a job:

- Start: a worker reads due job ids from the queue (a sorted set scored by run
  time) and, inside WATCH/MULTI, sets `arq:in-progress:<id>` with a TTL of
  `in_progress_timeout_s` (arq: longest function timeout + 10 s). One worker
  wins; the others skip the job while that key exists. Every start INCRs
  `arq:retry:<id>`, which the job sees as `job_try`.
- Success: job key, retry counter, in-progress key and queue entry are deleted
  in one transaction.
- `Retry(defer=...)` from the job: it stays queued, its score pushed back by
  `defer`, the in-progress key deleted; past `max_tries` it fails for good.
- `asyncio.CancelledError` (the worker got SIGTERM/SIGINT): handled like
  Retry without delay, so a graceful stop hands running jobs back at once.
- Any other exception, and arq's own timeout (`asyncio.wait_for`): the job
  fails for good and leaves the queue. persist_events therefore enforces a
  shorter deadline itself and turns it into a Retry.
- SIGKILL or a lost host: nothing is cleaned up. The job stays queued and its
  in-progress key blocks it until the TTL runs out; then any worker runs it as
  try n+1 (a job that keeps killing workers runs out of tries). That TTL is how
  long a dead worker's jobs wait, so the runner sets it to timeout +
  IN_PROGRESS_GRACE_SECS instead of arq's +10 s: arq cancels a job at its
  timeout, so the key only has to outlive the job and arq's bookkeeping, and if
  it ever expired early a second concurrent run would still be harmless
  (idempotent upserts; the ack never moves the mark back).
- A failed job leaves a result key for the worker-wide `keep_result` (even when
  the function sets its own), and enqueue_job refuses a job id that has a
  result. keep_result is 0 so the engine's outbox can re-send a failed batch
  at once under the same deterministic job id.
- A job key expires a day after enqueue (arq's expires_extra_ms); an expired
  job fails and the outbox re-sends it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from arq.worker import Function, func

from services.shared.generated.constants import JOB_PERSIST_EVENTS, JOB_QUEUE
from services.shared.logs import get_logger
from services.shared.settings import Settings, get_settings
from services.store import MongoStore, StoreUnavailableError
from services.workers.jobs import (
    CTX_JOB_DEADLINE_SECS,
    CTX_STORE,
    DEFAULT_JOB_DEADLINE_SECS,
    persist_events,
    retry_delay_secs,
)

log = get_logger(__name__)

# A batch is one bulk upsert of at most a few hundred small documents plus one
# Lua call; 30 s is far beyond a healthy run and bounds how long a hung one holds
# its slot.
JOB_TIMEOUT_SECS = 30.0
# See the module docstring: how long a SIGKILLed worker's jobs stay locked
# beyond their timeout.
IN_PROGRESS_GRACE_SECS = 2.0
# The job's own deadline as a share of arq's timeout: it must fire first so the
# job can ask for a retry instead of being failed by arq.
JOB_DEADLINE_SHARE = 0.8
# With backoff capped at 30 s, ten tries ride out a couple of minutes of
# MongoDB or Redis trouble; after that the outbox re-sends the batch.
MAX_TRIES = 10
# Jobs are polled, not pushed: the delay adds directly to fill->persisted latency
# (DESIGN §8 pipeline p99 <= 250 ms).
POLL_DELAY_SECS = 0.05
# Concurrent jobs per worker; each holds one MongoDB bulk write in flight.
MAX_JOBS = 20
# How often arq refreshes its `<queue>:health-check` key.
HEALTH_CHECK_INTERVAL_SECS = 10


def persist_function(job_timeout_secs: float = JOB_TIMEOUT_SECS) -> Function:
    """Return the arq registration of persist_events."""
    return func(
        persist_events,
        name=JOB_PERSIST_EVENTS,
        timeout=job_timeout_secs,
        max_tries=MAX_TRIES,
        keep_result=0,
    )


async def startup(ctx: dict[str, Any]) -> None:
    """Open the store and make sure its indexes exist before taking any job.

    The unique (engineId, seq) index is what makes concurrent upserts of one
    event safe, so the worker waits for MongoDB rather than run without it.
    """
    settings: Settings = ctx.get("settings") or get_settings()
    ctx.setdefault(CTX_JOB_DEADLINE_SECS, DEFAULT_JOB_DEADLINE_SECS)
    store = MongoStore.connect(settings)
    attempt = 0
    while True:
        try:
            await store.ensure_indexes()
            break
        except StoreUnavailableError as exc:
            attempt += 1
            delay = retry_delay_secs(attempt)
            log.warning("mongo_unavailable", error=str(exc), retry_in_secs=round(delay, 2))
            await asyncio.sleep(delay)
    ctx[CTX_STORE] = store
    log.info("worker_started", queue=JOB_QUEUE, mongo_db=settings.mongo_db)


async def shutdown(ctx: dict[str, Any]) -> None:
    """Close the store."""
    store: MongoStore | None = ctx.pop(CTX_STORE, None)
    if store is not None:
        await store.close()


class WorkerSettings:
    """Static arq settings; `runner.run_worker` adds Redis, timeouts and ctx from Settings."""

    functions = [persist_function()]
    queue_name = JOB_QUEUE
    job_timeout = JOB_TIMEOUT_SECS
    max_tries = MAX_TRIES
    keep_result = 0
    poll_delay = POLL_DELAY_SECS
    max_jobs = MAX_JOBS
    health_check_interval = HEALTH_CHECK_INTERVAL_SECS
    log_results = False
    # Jobs use arq's default encoding (pickle), as producers' pools write it
    # (services/workers/client.py); Redis is trusted infrastructure here.
    on_startup = startup
    on_shutdown = shutdown
