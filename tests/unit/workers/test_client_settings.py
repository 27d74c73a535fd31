"""arq connection settings follow REDIS_URL, or the sentinels when configured."""

from __future__ import annotations

from services.shared.generated.constants import JOB_PERSIST_EVENTS, JOB_QUEUE
from services.shared.settings import Settings
from services.workers.client import redis_settings
from services.workers.runner import build_worker
from services.workers.settings import IN_PROGRESS_GRACE_SECS, MAX_TRIES


def test_plain_url_keeps_host_port_db_and_password() -> None:
    found = redis_settings(Settings(REDIS_URL="redis://:s3cret@cache.internal:6380/2"))
    assert (found.host, found.port, found.database) == ("cache.internal", 6380, 2)
    assert found.password == "s3cret"
    assert found.sentinel is False


def test_sentinels_replace_the_host_and_name_the_master() -> None:
    settings = Settings(
        REDIS_URL="redis://:pw@ignored:6379/1",
        REDIS_SENTINELS="s1:26379, s2:26380",
        REDIS_SENTINEL_MASTER="trading",
    )
    found = redis_settings(settings)
    assert found.sentinel is True
    assert found.host == [("s1", 26379), ("s2", 26380)]
    assert found.sentinel_master == "trading"
    assert (found.database, found.password) == (1, "pw")


async def test_worker_locks_jobs_for_timeout_plus_grace_and_keeps_no_results() -> None:
    # async: arq's Worker binds to the running loop (it would make, and leak, one otherwise)
    worker = build_worker(Settings(), job_timeout_secs=5)
    function = worker.functions[JOB_PERSIST_EVENTS]
    assert function.timeout_s == 5
    assert function.max_tries == MAX_TRIES
    assert function.keep_result_s == 0
    assert worker.keep_result_s == 0  # arq keeps failed results by the worker-wide value
    assert worker.in_progress_timeout_s == 5 + IN_PROGRESS_GRACE_SECS
    assert worker.queue_name == JOB_QUEUE
