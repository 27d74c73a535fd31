"""The store as a whole: one MongoDB client, its repositories and its health."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from services.shared.mongo_client import MongoDocument, mongo_client, mongo_database
from services.shared.settings import Settings
from services.store.events import EventStore
from services.store.translate import driver_errors


class MongoStore:
    """Own the MongoDB client and hand out the repositories built on it."""

    def __init__(
        self, client: AsyncMongoClient[MongoDocument], db: AsyncDatabase[MongoDocument]
    ) -> None:
        self._client = client
        self.db = db
        self.events = EventStore(db)

    @classmethod
    def connect(cls, settings: Settings, *, timeout_ms: int = 3000) -> MongoStore:
        """Create a store for `MONGO_URL` / `MONGO_DB`; connecting happens lazily.

        The client reconnects by itself, so a store outlives a MongoDB restart.
        """
        client = mongo_client(settings, timeout_ms=timeout_ms)
        return cls(client, mongo_database(client, settings))

    async def ping(self) -> None:
        """Round-trip a `ping`; raise StoreUnavailableError when MongoDB does not answer."""
        async with driver_errors():
            await self.db.command("ping")

    async def ensure_indexes(self) -> None:
        """Create every repository's indexes."""
        await self.events.ensure_indexes()

    async def close(self) -> None:
        """Close the client and its connection pools."""
        await self._client.close()
