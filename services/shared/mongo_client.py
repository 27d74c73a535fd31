"""MongoDB on pymongo's native async API (`AsyncMongoClient`, the successor of motor)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.shared.settings import Settings

MongoDocument = dict[str, Any]


def mongo_client(settings: Settings, *, timeout_ms: int = 3000) -> AsyncMongoClient[MongoDocument]:
    """Return a client for `MONGO_URL`; server selection fails fast so /health can report it."""
    return AsyncMongoClient(
        settings.mongo_url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
    )


def mongo_database(
    client: AsyncMongoClient[MongoDocument], settings: Settings
) -> AsyncDatabase[MongoDocument]:
    """Return the configured database (`MONGO_DB`)."""
    return client[settings.mongo_db]
