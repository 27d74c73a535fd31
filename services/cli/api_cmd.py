"""`trading api`: serve the CMS API (REST + Socket.IO) with uvicorn."""

from __future__ import annotations

import typer

from services.shared.logs import configure_logging
from services.shared.settings import get_settings


def api(
    host: str | None = typer.Option(None, "--host", help="Bind address; defaults to API_HOST."),
    port: int | None = typer.Option(None, "--port", help="Port; defaults to API_PORT."),
) -> None:
    """Run the CMS API: REST under /api, Socket.IO relay, /health and /metrics."""
    from services.cms_api.server import serve

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.trading_env == "prod")
    serve(settings, host=host or settings.api_host, port=port or settings.api_port)
