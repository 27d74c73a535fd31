"""Serve the CMS API with uvicorn (`trading api`)."""

from __future__ import annotations

import uvicorn

from services.cms_api.app import create_app
from services.shared.settings import Settings

# Socket.IO clients hold connections open; don't let them stall a shutdown.
GRACEFUL_SHUTDOWN_SECS = 5


def uvicorn_config(settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    """Return the uvicorn configuration for the API (uvloop and httptools when installed)."""
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        loop="auto",
        http="auto",
        lifespan="on",
        # Logging is configured by the CLI (structlog + stdlib root logger).
        log_config=None,
        access_log=settings.log_level.upper() == "DEBUG",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECS,
        proxy_headers=True,
    )


def serve(settings: Settings, *, host: str, port: int) -> None:
    """Run the API until SIGINT/SIGTERM."""
    uvicorn.Server(uvicorn_config(settings, host=host, port=port)).run()
