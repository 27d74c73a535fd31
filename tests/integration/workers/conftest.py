"""Fixtures for the worker tests: an arq pool and a batch factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from arq.connections import ArqRedis

from services.shared.generated.events import EventEnvelope, EventType
from services.shared.redis_client import RedisFactory
from services.shared.settings import Settings


@pytest.fixture
async def arq_pool(settings: Settings, redis: Any) -> AsyncIterator[ArqRedis]:
    """The pool producers use (RedisFactory.arq), on the flushed session Redis."""
    factory = RedisFactory(settings)
    yield factory.arq()
    await factory.close()


def make_batch(engine_id: str, first: int, size: int) -> list[dict[str, Any]]:
    """`size` fill events with seqs first..first+size-1, as the engine's outbox holds them."""
    return [
        EventEnvelope(
            type=EventType.FILL,
            engineId=engine_id,
            exchange="okx",
            ts=1_700_000_000_000 + seq,
            seq=seq,
            payload={"fillId": f"f{seq}", "price": "0.42", "size": "1.5"},
        ).model_dump(mode="json")
        for seq in range(first, first + size)
    ]
