"""What risk reads about markets: the MarketView protocol and a dict-backed implementation."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from services.shared.generated.entities import Instrument


class MarketView(Protocol):
    """Instrument metadata and current prices, as the engine last saw them."""

    def instrument(self, exchange: str, symbol: str) -> Instrument | None:
        """Metadata of an instrument, or None if unknown."""
        ...

    def mid(self, exchange: str, symbol: str) -> Decimal | None:
        """Book mid, or None unless both sides have a level."""
        ...

    def mark(self, exchange: str, symbol: str) -> Decimal | None:
        """Mark price (derivatives) or last trade price, or None."""
        ...

    def funding_rate(self, exchange: str, symbol: str) -> Decimal | None:
        """Current funding rate of a swap, or None."""
        ...


class StaticMarket:
    """A MarketView over plain dicts the caller keeps up to date."""

    def __init__(self) -> None:
        self._instruments: dict[tuple[str, str], Instrument] = {}
        self._mids: dict[tuple[str, str], Decimal] = {}
        self._marks: dict[tuple[str, str], Decimal] = {}
        self._funding: dict[tuple[str, str], Decimal] = {}

    def add_instrument(self, instrument: Instrument) -> None:
        """Register instrument metadata."""
        self._instruments[(str(instrument.exchange), instrument.symbol)] = instrument

    def set_mid(self, exchange: str, symbol: str, mid: Decimal | None) -> None:
        """Set (or clear) the mid price."""
        _set(self._mids, (str(exchange), symbol), mid)

    def set_mark(self, exchange: str, symbol: str, mark: Decimal | None) -> None:
        """Set (or clear) the mark price."""
        _set(self._marks, (str(exchange), symbol), mark)

    def set_funding_rate(self, exchange: str, symbol: str, rate: Decimal | None) -> None:
        """Set (or clear) the funding rate."""
        _set(self._funding, (str(exchange), symbol), rate)

    def instrument(self, exchange: str, symbol: str) -> Instrument | None:
        """Metadata of an instrument, or None if unknown."""
        return self._instruments.get((str(exchange), symbol))

    def mid(self, exchange: str, symbol: str) -> Decimal | None:
        """Last mid set, or None."""
        return self._mids.get((str(exchange), symbol))

    def mark(self, exchange: str, symbol: str) -> Decimal | None:
        """Last mark set, or None."""
        return self._marks.get((str(exchange), symbol))

    def funding_rate(self, exchange: str, symbol: str) -> Decimal | None:
        """Last funding rate set, or None."""
        return self._funding.get((str(exchange), symbol))


def _set(
    store: dict[tuple[str, str], Decimal], key: tuple[str, str], value: Decimal | None
) -> None:
    if value is None:
        store.pop(key, None)
    else:
        store[key] = value
