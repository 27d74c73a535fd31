"""Normalized hot-path types the adapters emit and the core consumes.

Slotted frozen dataclasses rather than pydantic models: these are created per
market-data message. `OrderIntent`, built for every order a strategy asks for,
is a frozen msgspec Struct: it builds in a tenth of the time of a frozen
dataclass (no `object.__setattr__` per field) with the same reads and
immutability. Durable entities (orders, fills, positions, balances,
instruments) use the generated pydantic models from `services.shared`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from services.shared.generated.enums import (
    MarginMode,
    OrderSide,
    OrderType,
    TimeInForce,
)


class FeedChannel(enum.StrEnum):
    """What a feed subscription delivers."""

    BOOK = "book"
    TRADES = "trades"
    TICKER = "ticker"
    FUNDING = "funding"
    MARK = "mark"


class FeedState(enum.StrEnum):
    """Health of one (instrument, channel) subscription."""

    SUBSCRIBED = "subscribed"
    RESYNCING = "resyncing"
    LIVE = "live"
    STALE = "stale"
    UNSUBSCRIBED = "unsubscribed"


@dataclass(frozen=True, slots=True)
class TradeTick:
    """One public trade; `side` is the aggressor's."""

    exchange: str
    instrument: str
    trade_id: str
    price: Decimal
    size: Decimal
    side: OrderSide
    ts_ms: int


@dataclass(frozen=True, slots=True)
class Ticker:
    """Top of book and reference prices; None where the venue does not say."""

    exchange: str
    instrument: str
    bid: Decimal | None
    ask: Decimal | None
    last: Decimal | None
    ts_ms: int
    mark: Decimal | None = None
    index: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingRate:
    """Current and next funding for a perpetual swap."""

    exchange: str
    instrument: str
    rate: Decimal
    next_funding_ts_ms: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class MarkPrice:
    """Mark price used for unrealized PnL and liquidation."""

    exchange: str
    instrument: str
    mark: Decimal
    ts_ms: int


class OrderIntent(msgspec.Struct, frozen=True, gc=False):
    """What a strategy (or an operator) wants placed, before risk and execution.

    `client_order_id` is chosen by the engine and sent to the venue so a retry
    of the same intent can never create a second order. (`gc=False`: its
    fields are strings, enums and Decimals, so it can never be part of a cycle.)
    """

    bot_id: str | None
    exchange: str
    instrument: str
    side: OrderSide
    type: OrderType
    size: Decimal
    client_order_id: str
    price: Decimal | None = None
    time_in_force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    leverage: Decimal | None = None
    margin_mode: MarginMode | None = None
    reason: str | None = None
