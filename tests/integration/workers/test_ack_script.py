"""The ack Lua script does exactly what the Python reference model does."""

from __future__ import annotations

import random

from redis.asyncio import Redis

from services.shared import names
from services.workers.ack import acknowledge, advance_mark, read_mark


async def _state(redis: Redis, engine_id: str) -> tuple[int, dict[int, int]]:
    pending = await redis.hgetall(names.persisted_pending_key(engine_id))  # type: ignore[misc]
    return await read_mark(redis, engine_id), {int(k): int(v) for k, v in pending.items()}


async def test_out_of_order_batches_advance_the_mark_only_over_a_chain(
    redis: Redis, test_id: str
) -> None:
    engine = f"eng-{test_id}"
    assert await acknowledge(redis, engine, 20, 30) == 0
    assert await acknowledge(redis, engine, 10, 20) == 0
    assert await _state(redis, engine) == (0, {10: 20, 20: 30})
    assert await acknowledge(redis, engine, 0, 10) == 30
    assert await _state(redis, engine) == (30, {})
    # A replay of an acknowledged batch is a no-op.
    assert await acknowledge(redis, engine, 10, 20) == 30
    assert await _state(redis, engine) == (30, {})


async def test_script_matches_the_model_on_shuffled_deliveries(redis: Redis, test_id: str) -> None:
    rng = random.Random(20261125)
    for case in range(40):
        engine = f"eng-{test_id}-{case}"
        bounds: list[tuple[int, int]] = []
        start = rng.randrange(0, 3)
        # Start above 0 sometimes: the engine may have raised the mark to its floor.
        if start:
            await redis.set(names.persisted_seq_key(engine), start)
        for _ in range(rng.randrange(1, 30)):
            last = start + rng.randrange(1, 6)
            bounds.append((start, last))
            start = last
        order = bounds + rng.sample(bounds, k=min(3, len(bounds)))
        rng.shuffle(order)
        model: tuple[int, dict[int, int]] = (bounds[0][0], {})
        for prev, last in order:
            model = advance_mark(model[0], model[1], prev, last)
            returned = await acknowledge(redis, engine, prev, last)
            assert returned == model[0]
            assert await _state(redis, engine) == model
        assert model == (bounds[-1][1], {})


async def test_large_seqs_stay_exact(redis: Redis, test_id: str) -> None:
    engine = f"eng-{test_id}"
    big = 2**53 + 1  # not representable as a double: Lua must not round it
    assert await acknowledge(redis, engine, 0, big) == big
    assert await redis.get(names.persisted_seq_key(engine)) == str(big).encode()
