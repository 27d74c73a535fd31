"""Map driver exceptions onto the store's own errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo.errors import ConnectionFailure, ExecutionTimeout

from services.store.errors import StoreUnavailableError


@asynccontextmanager
async def driver_errors() -> AsyncIterator[None]:
    """Raise StoreUnavailableError for anything that means "MongoDB did not answer"."""
    try:
        yield
    # ConnectionFailure covers AutoReconnect, NetworkTimeout, NotPrimaryError and
    # ServerSelectionTimeoutError: all transient, all worth a retry.
    except (ConnectionFailure, ExecutionTimeout) as exc:
        raise StoreUnavailableError(_short(exc)) from exc


def _short(exc: BaseException) -> str:
    """First line of the driver's message: server selection errors carry whole topologies."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]
