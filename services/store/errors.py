"""Errors the repository layer raises instead of driver exceptions.

Callers (the API, the workers) decide what an error means for them without
importing pymongo: a store that cannot be reached is a 503 for the API and a
retry for a job; a bad cursor is the client's fault.
"""

from __future__ import annotations


class StoreError(RuntimeError):
    """Base class of every error raised by the store."""


class StoreUnavailableError(StoreError):
    """MongoDB did not answer (no server selected, connection lost, timed out)."""


class InvalidCursorError(StoreError, ValueError):
    """A pagination cursor was not produced by this store or is corrupt."""
