"""Job functions run by the workers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arq.worker import Retry
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.shared.generated.events import EventEnvelope
from services.shared.logs import get_logger
from services.store import MongoStore, StoreUnavailableError
from services.workers.ack import acknowledge

log = get_logger(__name__)

# Keys the worker's startup puts into arq's ctx for the jobs.
CTX_STORE = "store"
CTX_JOB_DEADLINE_SECS = "job_deadline_secs"
# arq's own key for the pool it opened (also used for the ack).
CTX_REDIS = "redis"

# A job gives up on its own before arq's timeout so it can ask for a retry:
# arq counts a timeout as a failure and never retries it.
DEFAULT_JOB_DEADLINE_SECS = 20.0
RETRY_BASE_SECS = 0.5
RETRY_CAP_SECS = 30.0


class InvalidBatchError(ValueError):
    """A batch the worker will not store; retrying cannot fix it."""


@dataclass(frozen=True, slots=True)
class Batch:
    """A validated batch: its envelopes and the seq range it acknowledges."""

    engine_id: str
    prev_seq: int
    last_seq: int
    events: list[EventEnvelope]


def parse_batch(engine_id: str, prev_seq: int, events: list[dict[str, Any]]) -> Batch:
    """Validate a job's arguments into a Batch; raise InvalidBatchError for bad input."""
    if type(prev_seq) is not int or prev_seq < 0:
        raise InvalidBatchError(f"prev_seq {prev_seq!r} is not a non-negative integer")
    if not isinstance(events, list) or not events:
        raise InvalidBatchError("a batch needs at least one event")
    envelopes: list[EventEnvelope] = []
    for index, raw in enumerate(events):
        try:
            env = EventEnvelope.model_validate(raw)
        except ValidationError as exc:
            raise InvalidBatchError(f"event {index} is not an EventEnvelope: {exc}") from exc
        if env.engineId != engine_id:
            raise InvalidBatchError(f"event {index} belongs to engine {env.engineId!r}")
        if env.seq <= prev_seq:
            raise InvalidBatchError(f"event {index} has seq {env.seq} <= prev_seq {prev_seq}")
        envelopes.append(env)
    last = max(env.seq for env in envelopes)
    return Batch(engine_id, prev_seq, last, envelopes)


def retry_delay_secs(job_try: int, *, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter for the `job_try`-th failed attempt (1-based)."""
    ceiling = min(RETRY_CAP_SECS, RETRY_BASE_SECS * 2.0 ** max(0, job_try - 1))
    # Half fixed, half random: spreads retries of many jobs failing at once.
    return ceiling / 2 + rand() * ceiling / 2


async def persist_events(
    ctx: dict[str, Any], engine_id: str, prev_seq: int, events: list[dict[str, Any]]
) -> dict[str, int]:
    """Store one batch of an engine's events, then advance its persisted mark.

    Idempotent: replaying a batch writes nothing new and leaves the mark as is.
    A batch that cannot be valid fails for good (the engine's outbox keeps it);
    MongoDB or Redis not answering asks arq for a retry with backoff.
    """
    batch = parse_batch(engine_id, prev_seq, events)
    store: MongoStore = ctx[CTX_STORE]
    redis: Redis = ctx[CTX_REDIS]
    deadline = float(ctx.get(CTX_JOB_DEADLINE_SECS, DEFAULT_JOB_DEADLINE_SECS))
    try:
        async with asyncio.timeout(deadline):
            new = await store.events.upsert_events(batch.events)
            # Only after the write: the mark promises the events are in MongoDB.
            mark = await acknowledge(redis, engine_id, batch.prev_seq, batch.last_seq)
    except (StoreUnavailableError, RedisConnectionError, RedisTimeoutError, TimeoutError) as exc:
        job_try = int(ctx.get("job_try", 1))
        delay = retry_delay_secs(job_try)
        log.warning(
            "persist_retry",
            engineId=engine_id,
            prev_seq=prev_seq,
            last_seq=batch.last_seq,
            job_try=job_try,
            retry_in_secs=round(delay, 2),
            error=f"{type(exc).__name__}: {exc}"[:200],
        )
        raise Retry(defer=delay) from exc
    log.debug(
        "events_persisted",
        engineId=engine_id,
        prev_seq=prev_seq,
        last_seq=batch.last_seq,
        events=len(batch.events),
        new=new,
        mark=mark,
    )
    return {"new": new, "mark": mark}
