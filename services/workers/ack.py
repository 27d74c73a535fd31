"""The per-engine "persisted up to seq" mark, advanced only over a gapless chain.

An engine keeps each outbox batch until the mark reaches the batch's last seq
(DESIGN §2), so the mark must only ever mean: every durable event with
seq <= mark is in MongoDB. Each job names its batch as (prev, last]: `prev` is
the seq after which the engine had no unsent durable event when it cut the
batch, `last` its highest seq. Jobs finish in any order, so a batch that does
not continue from the mark is parked in a per-engine pending hash (prev ->
last) and folded in once the batches before it land. A batch with
last <= mark changes nothing (a replay).

`advance_mark` is the reference model in Python; `ACK_SCRIPT` does the same
atomically in Redis. The tests hold one against the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from redis.asyncio import Redis

from services.shared import names

# KEYS[1]: mark key, KEYS[2]: pending hash; ARGV[1]: prev, ARGV[2]: last.
# Returns the mark after the call. Seqs are kept as the strings the caller sent
# (Lua numbers are doubles; the mark is written back as text it was given).
ACK_SCRIPT = """
local mark_s = redis.call('GET', KEYS[1]) or '0'
local mark = tonumber(mark_s)
local prev = tonumber(ARGV[1])
local last = tonumber(ARGV[2])
if last <= mark then
  return mark_s
end
if prev > mark then
  local have = redis.call('HGET', KEYS[2], ARGV[1])
  if (not have) or tonumber(have) < last then
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  end
  return mark_s
end
mark, mark_s = last, ARGV[2]
if redis.call('HLEN', KEYS[2]) > 0 then
  local flat = redis.call('HGETALL', KEYS[2])
  local parked = {}
  for i = 1, #flat, 2 do
    parked[#parked + 1] = {tonumber(flat[i]), flat[i], tonumber(flat[i + 1]), flat[i + 1]}
  end
  table.sort(parked, function(a, b) return a[1] < b[1] end)
  for _, p in ipairs(parked) do
    if p[1] > mark then break end
    if p[3] > mark then mark, mark_s = p[3], p[4] end
    redis.call('HDEL', KEYS[2], p[2])
  end
end
redis.call('SET', KEYS[1], mark_s)
return mark_s
"""


def advance_mark(
    mark: int, pending: Mapping[int, int], prev: int, last: int
) -> tuple[int, dict[int, int]]:
    """Return the mark and pending batches after acknowledging batch (prev, last].

    Pure reference model of ACK_SCRIPT.
    """
    parked = dict(pending)
    if last <= mark:
        return mark, parked
    if prev > mark:
        parked[prev] = max(parked.get(prev, last), last)
        return mark, parked
    mark = last
    for start in sorted(parked):
        if start > mark:
            break
        mark = max(mark, parked.pop(start))
    return mark, parked


def validate_range(prev: int, last: int) -> None:
    """Refuse a batch range that cannot be acknowledged."""
    if prev < 0 or last <= prev:
        raise ValueError(f"batch range ({prev}, {last}] is empty or negative")


async def acknowledge(redis: Redis, engine_id: str, prev: int, last: int) -> int:
    """Record batch (prev, last] of `engine_id` as persisted; return the resulting mark."""
    validate_range(prev, last)
    # register_script runs EVALSHA and re-loads the script on NOSCRIPT (a new master
    # after a failover starts with an empty script cache).
    script = redis.register_script(ACK_SCRIPT)
    result = await script(
        keys=[names.persisted_seq_key(engine_id), names.persisted_pending_key(engine_id)],
        args=[str(prev), str(last)],
    )
    return int(result)


async def read_mark(redis: Redis, engine_id: str) -> int:
    """Return the persisted mark of `engine_id` (0 before its first batch)."""
    value = await redis.get(names.persisted_seq_key(engine_id))
    return int(value) if value is not None else 0
