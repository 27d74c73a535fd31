"""Producer side of the durable path: check and queue event batches for the workers.

The job's wire format (function, argument order, deterministic job id) is
defined once, in `services.shared.jobs`, because the engine may import only
`shared`; this module adds the checks a batch must pass and accepts envelopes
as models. It never imports cms_api. Any `ArqRedis` works as the pool, e.g.
`RedisFactory(settings).arq()`; jobs use arq's default encoding (pickle), so a
switch to JSON means changing the pools' and the worker's `job_serializer`
together (see WorkerSettings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from arq.connections import ArqRedis, RedisSettings

from services.shared.generated.events import EventEnvelope
from services.shared.jobs import enqueue_persist_events
from services.shared.settings import Settings

EventLike = EventEnvelope | Mapping[str, Any]


def redis_settings(settings: Settings) -> RedisSettings:
    """Return arq's connection settings for `REDIS_URL`, or Sentinel when configured."""
    base = RedisSettings.from_dsn(settings.redis_url)
    base = dataclasses.replace(base, conn_timeout=max(1, round(settings.redis_socket_timeout_secs)))
    if settings.sentinel_addresses:
        # Database, user and password still come from REDIS_URL; the master's address
        # comes from the sentinels.
        return dataclasses.replace(
            base,
            host=settings.sentinel_addresses,
            sentinel=True,
            sentinel_master=settings.redis_sentinel_master,
        )
    return base


def _as_dict(event: EventLike) -> dict[str, Any]:
    if isinstance(event, EventEnvelope):
        return event.model_dump(mode="json")
    return dict(event)


def batch_bounds(
    engine_id: str, prev_seq: int, events: Sequence[dict[str, Any]]
) -> tuple[int, int]:
    """Return (first, last) seq of a batch; refuse batches the worker would refuse.

    Seqs must increase strictly from above `prev_seq`: the job id is built from
    the first and last event, so an unordered batch would be named wrongly.
    """
    if not events:
        raise ValueError("a batch needs at least one event")
    last = prev_seq
    for event in events:
        if event.get("engineId") != engine_id:
            other = event.get("engineId")
            raise ValueError(f"event of engine {other!r} in a batch of {engine_id!r}")
        seq = event.get("seq")
        if type(seq) is not int or seq <= last:
            raise ValueError(f"event seq {seq!r} does not follow {last} (prev_seq {prev_seq})")
        last = seq
    return int(events[0]["seq"]), last


async def enqueue_events(
    arq_pool: ArqRedis, engine_id: str, prev_seq: int, events: Sequence[EventLike]
) -> bool:
    """Queue one batch of an engine's durable events; return False if it is already queued.

    `prev_seq` is the seq after which the engine has no durable event outside
    this batch and the ones before it (the previous batch's last seq, or the
    persisted mark): the workers advance the engine's persisted mark
    (`names.persisted_seq_key`) over (prev_seq, last seq] once the batch and
    every batch before it are stored. The job id is derived from the batch, so
    re-sending it while it is queued or running is a no-op; re-sending it later
    runs it again, harmlessly (writes are idempotent).
    """
    body = [_as_dict(event) for event in events]
    batch_bounds(engine_id, prev_seq, body)
    return await enqueue_persist_events(arq_pool, engine_id, prev_seq, body)
