"""Build every Redis channel, key and job id from the generated constants."""

from __future__ import annotations

from services.shared.generated import constants as c


def events_channel(engine_id: str) -> str:
    """Pub/Sub channel an engine publishes its events on."""
    return f"{c.EVENTS_CHANNEL_PREFIX}{engine_id}"


def events_channel_pattern() -> str:
    """Pattern matching every engine's events channel."""
    return f"{c.EVENTS_CHANNEL_PREFIX}*"


def commands_channel(engine_id: str) -> str:
    """Pub/Sub channel an engine takes commands from."""
    return f"{c.COMMANDS_CHANNEL_PREFIX}{engine_id}"


def engine_key(engine_id: str) -> str:
    """Registry key holding an engine's EngineInfo."""
    return f"{c.ENGINE_KEY_PREFIX}{engine_id}"


def engine_key_pattern() -> str:
    """Pattern matching every engine's registry key."""
    return f"{c.ENGINE_KEY_PREFIX}*"


def persisted_seq_key(engine_id: str) -> str:
    """Key holding the highest seq of an engine persisted by the workers."""
    return f"{c.PERSISTED_SEQ_KEY_PREFIX}{engine_id}"


def persisted_pending_key(engine_id: str) -> str:
    """Hash of an engine's persisted batches that finished ahead of its persisted mark."""
    return f"{c.PERSISTED_PENDING_KEY_PREFIX}{engine_id}"


def bot_lease_key(bot_id: str) -> str:
    """Key whose value is the engine that owns a bot."""
    return f"{c.BOT_LEASE_KEY_PREFIX}{bot_id}"


def persist_job_id(engine_id: str, first_seq: int, last_seq: int) -> str:
    """Deterministic arq job id for a batch of events, so a re-send is not queued twice."""
    return f"{c.JOB_ID_PREFIX}{engine_id}:{first_seq}-{last_seq}"
