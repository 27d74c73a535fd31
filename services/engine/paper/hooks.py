"""Where venue specifics plug into paper trading: margin, funding, liquidation, settlement.

The paper executor calls these at fixed points: `check_order` before an order
is accepted (margin, leverage, venue position rules), `on_fill` after each
fill has been booked, `on_funding` for every funding update, `on_mark` for
every mark price (return True to have the executor liquidate the position at
that mark), and `on_settlement` when an instrument settles. Venue packages
implement them; `NoVenueHooks` does nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from services.engine.core.types import FundingRate, MarkPrice, OrderIntent
from services.shared.generated.entities import Fill, Instrument

if TYPE_CHECKING:
    from services.engine.paper.account import PaperAccount


class PaperVenueHooks(Protocol):
    """Venue-specific behaviour of a paper account."""

    def check_order(
        self, intent: OrderIntent, instrument: Instrument, account: PaperAccount
    ) -> str | None:
        """Return why the venue would refuse the order (e.g. margin), or None."""
        ...

    def on_fill(self, fill: Fill, instrument: Instrument, account: PaperAccount) -> None:
        """Adjust venue state after a fill was booked (margin, fee tiers...)."""
        ...

    def on_funding(
        self, funding: FundingRate, instrument: Instrument, account: PaperAccount
    ) -> None:
        """Charge or pay funding on the account's position."""
        ...

    def on_mark(self, mark: MarkPrice, instrument: Instrument, account: PaperAccount) -> bool:
        """Return True when the position must be liquidated at this mark."""
        ...

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        """Settle the account's holdings of an expiring or resolved instrument."""
        ...


class NoVenueHooks:
    """Hooks that add nothing: no margin, no funding, no liquidation, no settlement."""

    def check_order(
        self, intent: OrderIntent, instrument: Instrument, account: PaperAccount
    ) -> str | None:
        """Accept every order."""
        return None

    def on_fill(self, fill: Fill, instrument: Instrument, account: PaperAccount) -> None:
        """Do nothing."""

    def on_funding(
        self, funding: FundingRate, instrument: Instrument, account: PaperAccount
    ) -> None:
        """Do nothing."""

    def on_mark(self, mark: MarkPrice, instrument: Instrument, account: PaperAccount) -> bool:
        """Never liquidate."""
        return False

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        """Do nothing."""
