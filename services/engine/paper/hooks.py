"""Where venue specifics plug into paper trading: margin, funding, liquidation, settlement.

The paper executor calls these at fixed points: `check_order` before an order
is accepted (margin, leverage, venue position rules), `on_fill` after each
fill has been booked, `on_funding` for every funding update, `on_mark` for
every mark price (return True to have the executor liquidate the position at
that mark, or a `Liquidation` to close it at another price, e.g. the venue's
bankruptcy price), and `on_settlement` when an instrument settles.
`market_feeds` names the extra market data the hooks need for an instrument
(marks, funding), which the runtime subscribes for paper bots. Venue packages
implement them; `NoVenueHooks` does nothing.

Funding a hook books goes through `PaperAccount.apply_funding` (a
`FundingPayment` record), and every liquidation the executor carries out is
reported as a `LiquidationEvent`: both reach the executor's
`PaperEventListener`, which the runtime turns into events. A venue package
hands the executor its rules, hooks and fee model together as a
`PaperVenueKit` (see `VenueAdapter.paper`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from services.engine.core.types import FeedChannel, FundingRate, MarkPrice, OrderIntent
from services.engine.paper.fees import FeeModel
from services.engine.paper.rules import PaperVenueRules
from services.shared.generated.entities import Fill, Instrument
from services.shared.generated.enums import OrderSide

if TYPE_CHECKING:
    from services.engine.paper.account import PaperAccount


@dataclass(frozen=True, slots=True)
class Liquidation:
    """A hook's verdict on a mark: close the whole position now, at `price`."""

    price: Decimal
    # Fee of the closing fill (positive = paid); None: the executor's fee model, as taker.
    fee: Decimal | None = None
    margin_ratio: Decimal | None = None
    # Why, in words (the formula values), for the record.
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class LiquidationEvent:
    """A position the paper venue closed by liquidation."""

    exchange: str
    account_id: str | None
    bot_id: str | None
    instrument: str
    order_id: str
    fill_id: str
    side: OrderSide
    size: Decimal
    price: Decimal
    mark: Decimal
    realized_pnl: Decimal
    margin_ratio: Decimal | None
    detail: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One funding settlement booked on a paper account."""

    exchange: str
    account_id: str | None
    instrument: str
    currency: str
    # Signed position (contracts) held at the funding time.
    position: Decimal
    mark: Decimal
    rate: Decimal
    # Credited to the balance: negative when paid, positive when received.
    amount: Decimal
    funding_ts_ms: int
    ts_ms: int


class PaperEventListener(Protocol):
    """Receives what a paper venue does on its own: funding and liquidations."""

    def on_funding_payment(self, payment: FundingPayment) -> None:
        """Funding was paid or received."""
        ...

    def on_liquidation(self, event: LiquidationEvent) -> None:
        """A position was liquidated (its order and fill went to the ExecutionListener)."""
        ...


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

    def on_mark(
        self, mark: MarkPrice, instrument: Instrument, account: PaperAccount
    ) -> bool | Liquidation:
        """Return True (at the mark) or a Liquidation when the position must be liquidated."""
        ...

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        """Settle the account's holdings of an expiring or resolved instrument."""
        ...

    def market_feeds(self, instrument: Instrument) -> frozenset[FeedChannel]:
        """Channels beyond books and trades the hooks need for `instrument`."""
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

    def on_mark(
        self, mark: MarkPrice, instrument: Instrument, account: PaperAccount
    ) -> bool | Liquidation:
        """Never liquidate."""
        return False

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        """Do nothing."""

    def market_feeds(self, instrument: Instrument) -> frozenset[FeedChannel]:
        """Need nothing."""
        return frozenset()


@dataclass(frozen=True, slots=True)
class PaperVenueKit:
    """A venue's paper behaviour for one simulated account (None: the defaults).

    Hooks keep per-account state, so a venue builds a fresh kit per account.
    """

    rules: PaperVenueRules | None = None
    hooks: PaperVenueHooks | None = None
    fees: FeeModel | None = None
