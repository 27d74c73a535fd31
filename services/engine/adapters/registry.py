"""Venue registry: Exchange -> adapter factory.

Venue packages register themselves, either by calling `register_venue` when
imported or through the `trading.venues` entry-point group (name = exchange,
value = module whose import registers it). The core never imports a venue
module by name.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from services.engine.adapters.base import VenueAdapter, VenueCredentials, VenueEndpoints
from services.shared.generated.enums import Exchange

ENTRY_POINT_GROUP = "trading.venues"

VenueFactory = Callable[[VenueEndpoints, VenueCredentials | None], VenueAdapter]

_FACTORIES: dict[Exchange, VenueFactory] = {}


class UnknownVenue(KeyError):
    """No adapter is registered for the exchange."""


def register_venue(exchange: Exchange, factory: VenueFactory) -> None:
    """Register (or replace) the adapter factory for `exchange`."""
    _FACTORIES[exchange] = factory


def load_entry_points() -> list[str]:
    """Import every `trading.venues` entry point; return the names loaded."""
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        ep.load()
        loaded.append(ep.name)
    return loaded


def venue_factory(exchange: Exchange) -> VenueFactory:
    """The registered factory for `exchange`."""
    try:
        return _FACTORIES[exchange]
    except KeyError:
        raise UnknownVenue(f"no adapter registered for {exchange}") from None


def registered_venues() -> list[Exchange]:
    """Exchanges with a registered adapter."""
    return sorted(_FACTORIES)
