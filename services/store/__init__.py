"""The MongoDB repository layer: the only package that talks to MongoDB."""

from services.store.cursor import EventCursor, decode_event_cursor, encode_event_cursor
from services.store.database import MongoStore
from services.store.errors import InvalidCursorError, StoreError, StoreUnavailableError
from services.store.events import MAX_LIMIT, EventStore

__all__ = [
    "MAX_LIMIT",
    "EventCursor",
    "EventStore",
    "InvalidCursorError",
    "MongoStore",
    "StoreError",
    "StoreUnavailableError",
    "decode_event_cursor",
    "encode_event_cursor",
]
