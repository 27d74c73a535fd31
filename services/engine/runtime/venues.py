"""Build venue connections through the venue registry (never by importing a venue)."""

from __future__ import annotations

from services.engine.adapters.base import VenueAdapter, VenueCredentials, VenueEndpoints
from services.engine.adapters.registry import venue_factory
from services.engine.paper.hooks import PaperVenueKit
from services.shared.generated.enums import Exchange
from services.shared.settings import Settings


def venue_endpoints(exchange: Exchange, settings: Settings) -> VenueEndpoints:
    """The configured endpoints of `exchange` (DESIGN §5 table)."""
    if exchange is Exchange.POLYMARKET:
        return VenueEndpoints(
            rest_url=settings.polymarket_clob_url,
            ws_public_url=settings.polymarket_ws_url,
            ws_private_url=settings.polymarket_ws_url,
            extra={"gamma_url": settings.polymarket_gamma_url},
        )
    if exchange is Exchange.OKX:
        return VenueEndpoints(
            rest_url=settings.okx_rest_url,
            ws_public_url=settings.okx_ws_public_url,
            ws_private_url=settings.okx_ws_private_url,
        )
    return VenueEndpoints(
        rest_url=settings.kalshi_rest_url,
        ws_public_url=settings.kalshi_ws_url,
        ws_private_url=settings.kalshi_ws_url,
    )


def connect_venue(
    exchange: Exchange, settings: Settings, credentials: VenueCredentials | None = None
) -> VenueAdapter:
    """Build the adapter of `exchange` from its registered factory."""
    return venue_factory(exchange)(venue_endpoints(exchange, settings), credentials)


def paper_kit(adapter: VenueAdapter) -> PaperVenueKit:
    """A fresh paper kit of the venue (its rules, hooks, fees), else the defaults."""
    return adapter.paper() if adapter.paper is not None else PaperVenueKit()
