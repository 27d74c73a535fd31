"""The CMS API as one ASGI app: FastAPI for REST, python-socketio for the live feed.

`create_app(settings)` builds it; the lifespan opens Redis and MongoDB, starts
the event relay and an index builder, and closes everything on shutdown. The
app starts even when Redis or MongoDB is down: /health reports it, clients
reconnect by themselves, and the background tasks retry until they succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import socketio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from services.cms_api.errors import install_error_handlers
from services.cms_api.metrics import ApiMetrics
from services.cms_api.relay import EventRelay, reconnect_delay_secs
from services.cms_api.routers import engines, events, health
from services.cms_api.routers import metrics as metrics_router
from services.cms_api.runtime import Runtime
from services.shared.generated.constants import SOCKET_PATH
from services.shared.logs import get_logger
from services.shared.redis_client import RedisFactory
from services.shared.settings import Settings, get_settings
from services.store import MongoStore, StoreUnavailableError

log = get_logger(__name__)

# Index creation retries on this cap while MongoDB is down at startup.
INDEX_RETRY_CAP_SECS = 5.0


def cors_origins(settings: Settings) -> list[str]:
    """Parsed `CORS_ORIGINS` (comma-separated; `*` allows any origin)."""
    return [o.strip() for o in settings.cors_origins.split(",") if o.strip()]


def operation_id(route: APIRoute) -> str:
    """Stable OpenAPI operation id: `<tag>-<function name>`, e.g. `events-list_events`."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _app_version() -> str:
    try:
        return version("trading-platform")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


async def _ensure_indexes(store: MongoStore) -> None:
    attempt = 0
    while True:
        try:
            await store.ensure_indexes()
            log.info("mongo_indexes_ready")
            return
        except StoreUnavailableError as exc:
            attempt += 1
            delay = reconnect_delay_secs(attempt, cap_secs=INDEX_RETRY_CAP_SECS)
            log.warning("mongo_indexes_pending", error=str(exc), retry_in_secs=round(delay, 2))
            await asyncio.sleep(delay)


def _socket_server(settings: Settings, metrics: ApiMetrics) -> socketio.AsyncServer:
    origins = cors_origins(settings)
    sio = socketio.AsyncServer(
        async_mode="asgi",
        cors_allowed_origins="*" if "*" in origins else origins,
        logger=False,
        engineio_logger=False,
    )

    async def connect(sid: str, environ: dict[str, object], auth: object = None) -> None:
        metrics.socket_clients.inc()

    async def disconnect(sid: str, reason: object = None) -> None:
        metrics.socket_clients.dec()

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)
    return sio


def create_app(settings: Settings | None = None) -> socketio.ASGIApp:
    """Build the ASGI app: REST under /api, /health, /metrics, Socket.IO at SOCKET_PATH."""
    settings = settings or get_settings()
    metrics = ApiMetrics.create()
    sio = _socket_server(settings, metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        factory = RedisFactory(settings)
        store = MongoStore.connect(settings)
        relay = EventRelay(factory.subscriber(), sio, metrics)
        app.state.runtime = Runtime(
            settings=settings,
            redis_factory=factory,
            cache=factory.cache(),
            store=store,
            metrics=metrics,
            relay=relay,
        )
        tasks = [
            asyncio.create_task(relay.run(), name="event-relay"),
            asyncio.create_task(_ensure_indexes(store), name="mongo-indexes"),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await factory.close()
            await store.close()

    api = FastAPI(
        title="Trading platform CMS API",
        version=_app_version(),
        description="Engines, events and (soon) bots across Polymarket, OKX and Kalshi.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    origins = cors_origins(settings)
    api.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        # Browsers refuse credentials with a wildcard origin.
        allow_credentials="*" not in origins,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    install_error_handlers(api)
    for router in (health.router, engines.router, events.router, metrics_router.router):
        api.include_router(router)
    # python-socketio wants the mount path without its leading slash.
    return socketio.ASGIApp(sio, other_asgi_app=api, socketio_path=SOCKET_PATH.lstrip("/"))
