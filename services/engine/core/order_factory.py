"""Build the normalized `Order` for an `OrderIntent`: one place for the field mapping."""

from __future__ import annotations

from decimal import Decimal

from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Order, OrderTimelineEntry
from services.shared.generated.enums import Exchange, MarginMode, OrderSource, OrderStatus

_ZERO = Decimal(0)


def order_from_intent(
    intent: OrderIntent,
    *,
    exchange: Exchange,
    paper: bool,
    ts_ms: int,
    status: OrderStatus = OrderStatus.PENDING,
    venue_order_id: str | None = None,
    source: OrderSource = OrderSource.STRATEGY,
    strategy: str | None = None,
    bot_id: str | None = None,
    currency: str | None = None,
    margin_mode: MarginMode | None = None,
    with_timeline: bool = False,
) -> Order:
    """The order as it stands before the venue reports anything: nothing filled, no fees.

    `bot_id` and `margin_mode` default to the intent's; `currency` is also the
    fee currency; `with_timeline` records `status` as the first timeline entry.
    """
    return Order(
        id=intent.client_order_id,
        venueOrderId=venue_order_id,
        exchange=exchange,
        botId=bot_id if bot_id is not None else intent.bot_id,
        instrument=intent.instrument,
        side=intent.side,
        type=intent.type,
        timeInForce=intent.time_in_force,
        price=intent.price,
        size=intent.size,
        filledSize=_ZERO,
        status=status,
        source=source,
        paper=paper,
        strategy=strategy,
        reason=intent.reason,
        currency=currency,
        fees=_ZERO,
        feeCurrency=currency,
        reduceOnly=intent.reduce_only,
        leverage=intent.leverage,
        marginMode=margin_mode if margin_mode is not None else intent.margin_mode,
        timeline=[OrderTimelineEntry(status=status, ts=ts_ms)] if with_timeline else [],
        createdTs=ts_ms,
        updatedTs=ts_ms,
    )
