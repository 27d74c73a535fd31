"""FastAPI dependencies as `Annotated` aliases, so routes read like their signature."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from redis.asyncio import Redis

from services.cms_api.metrics import ApiMetrics
from services.cms_api.runtime import Runtime
from services.shared.settings import Settings
from services.store import MongoStore


def get_runtime(request: Request) -> Runtime:
    """Return the running app's connections."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings_dep(runtime: RuntimeDep) -> Settings:
    """Return the app's settings."""
    return runtime.settings


def get_store(runtime: RuntimeDep) -> MongoStore:
    """Return the MongoDB store."""
    return runtime.store


def get_cache(runtime: RuntimeDep) -> Redis:
    """Return the Redis client for keys (registry, marks)."""
    return runtime.cache


def get_metrics(runtime: RuntimeDep) -> ApiMetrics:
    """Return the app's metrics."""
    return runtime.metrics


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[MongoStore, Depends(get_store)]
CacheDep = Annotated[Redis, Depends(get_cache)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]
