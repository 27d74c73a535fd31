"""Producer side of the durable path: hand event batches to the arq workers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arq.connections import ArqRedis

from services.shared.generated import constants as c
from services.shared.names import persist_job_id


async def enqueue_persist_events(
    arq: ArqRedis, engine_id: str, prev_seq: int, events: Sequence[dict[str, Any]]
) -> bool:
    """Queue one batch of durable events (JSON-mode envelope dicts, ascending seq).

    `prev_seq` is the seq of the durable event just before the batch; the
    worker uses it to advance the persisted mark only over contiguous
    coverage. The job id is deterministic, so re-sending the same batch while
    the job or its result is still known to arq queues nothing. Returns
    whether a new job was queued.
    """
    if not events:
        raise ValueError("empty batch")
    first, last = int(events[0]["seq"]), int(events[-1]["seq"])
    job = await arq.enqueue_job(
        c.JOB_PERSIST_EVENTS,
        engine_id,
        prev_seq,
        list(events),
        _job_id=persist_job_id(engine_id, first, last),
        _queue_name=c.JOB_QUEUE,
    )
    return job is not None
