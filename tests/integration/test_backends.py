"""The harness gives real servers: values written are read back over the wire."""

from __future__ import annotations

from decimal import Decimal

from bson.decimal128 import Decimal128
from pymongo import AsyncMongoClient
from redis.asyncio import Redis


async def test_redis_round_trips_and_publishes(redis: Redis, test_id: str) -> None:
    await redis.set(f"k:{test_id}", "v1")
    assert await redis.get(f"k:{test_id}") == b"v1"
    pubsub = redis.pubsub()
    await pubsub.subscribe(f"ch:{test_id}")
    assert await redis.publish(f"ch:{test_id}", "hello") == 1
    await pubsub.aclose()


async def test_mongo_keeps_decimal128_exactly(
    mongo: AsyncMongoClient[dict], mongo_db_name: str
) -> None:
    coll = mongo[mongo_db_name]["probe"]
    await coll.insert_one({"_id": 1, "price": Decimal128("0.1000000000000000055")})
    doc = await coll.find_one({"_id": 1})
    assert doc is not None
    assert doc["price"].to_decimal() == Decimal("0.1000000000000000055")
