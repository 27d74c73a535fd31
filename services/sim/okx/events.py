"""What the exchange tells the WebSocket side about: the sink protocol and a no-op sink."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from services.sim.okx.instruments import Instrument
from services.sim.okx.schemas import PositionWire, WsOrderWire, WsTradeWire


class EventSink(Protocol):
    """Receives state changes as they happen; `flush` ends one operation.

    Order updates must be delivered in call order (one push per state change, §B.5.5);
    position and account changes may be coalesced until `flush`.
    """

    def order_update(self, inst: Instrument, wire: WsOrderWire) -> None:
        """An account order changed state or filled."""
        ...

    def position_update(self, inst: Instrument, wire: PositionWire) -> None:
        """A position changed (closed positions arrive once with pos "0")."""
        ...

    def account_dirty(self, ccys: Iterable[str]) -> None:
        """Balances of `ccys` changed."""
        ...

    def public_trades(self, inst: Instrument, trades: list[WsTradeWire]) -> None:
        """Trades printed on `inst`, aggregated per taker order and price."""
        ...

    def funding_changed(self, inst: Instrument) -> None:
        """Funding was settled or re-pinned on a swap."""
        ...

    def flush(self) -> None:
        """Deliver coalesced position and account updates."""
        ...


class NullSink:
    """An `EventSink` that drops everything (unit tests, headless use)."""

    def order_update(self, inst: Instrument, wire: WsOrderWire) -> None:
        """Drop."""

    def position_update(self, inst: Instrument, wire: PositionWire) -> None:
        """Drop."""

    def account_dirty(self, ccys: Iterable[str]) -> None:
        """Drop."""

    def public_trades(self, inst: Instrument, trades: list[WsTradeWire]) -> None:
        """Drop."""

    def funding_changed(self, inst: Instrument) -> None:
        """Drop."""

    def flush(self) -> None:
        """Nothing to deliver."""
