"""Session-wide real servers and per-test isolation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from services.shared.settings import Settings
from tests.support.backends import Backends, session_backends


@pytest.fixture(scope="session")
def backends(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    """Real Redis + MongoDB-wire servers shared by the session."""
    with session_backends(tmp_path_factory.mktemp("servers")) as found:
        yield found


@pytest.fixture
def test_id() -> str:
    """A short unique id per test, for engine ids and database names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def redis(backends: Backends) -> AsyncIterator[Redis]:
    """A client on the session Redis, flushed before the test."""
    client = Redis.from_url(backends.redis_url)
    await client.flushdb()
    yield client
    await client.aclose()


@pytest.fixture
def mongo_db_name(test_id: str) -> str:
    """A fresh database name per test."""
    return f"test_{test_id}"


@pytest.fixture
async def mongo(backends: Backends, mongo_db_name: str) -> AsyncIterator[AsyncMongoClient[dict]]:
    """A client on the session MongoDB; the test's database is dropped afterwards."""
    client: AsyncMongoClient[dict] = AsyncMongoClient(backends.mongo_url, tz_aware=True)
    yield client
    await client.drop_database(mongo_db_name)
    await client.close()


@pytest.fixture
def settings(backends: Backends, mongo_db_name: str, tmp_path: Path, test_id: str) -> Settings:
    """Settings pointing every service at the session servers and a private data dir."""
    return Settings(
        TRADING_ENV="test",
        REDIS_URL=backends.redis_url,
        MONGO_URL=backends.mongo_url,
        MONGO_DB=mongo_db_name,
        TRADING_DATA_DIR=str(tmp_path / "data"),
        ENGINE_ID=f"eng-{test_id}",
    )
