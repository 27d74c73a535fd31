"""Builders of engine test data with sensible defaults; override what a test is about."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from services.engine.core.book import L2Book
from services.engine.core.types import OrderIntent
from services.shared.generated.entities import Fill, Instrument, Order
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
)

D = Decimal


def instrument(
    symbol: str = "BTC-USDT",
    *,
    exchange: Exchange = Exchange.OKX,
    kind: InstrumentKind = InstrumentKind.SPOT,
    base: str = "BTC",
    quote: str = "USDT",
    settle: str | None = None,
    tick: str = "0.1",
    lot: str = "0.001",
    min_size: str = "0.001",
    contract_value: str | None = None,
    maker: str | None = None,
    taker: str | None = None,
    max_leverage: str | None = None,
) -> Instrument:
    """An instrument; spot BTC-USDT on OKX unless told otherwise."""
    return Instrument(
        exchange=exchange,
        symbol=symbol,
        kind=kind,
        base=base,
        quote=quote,
        settle=settle,
        tickSize=D(tick),
        lotSize=D(lot),
        minSize=D(min_size),
        contractValue=D(contract_value) if contract_value is not None else None,
        makerFeeRate=D(maker) if maker is not None else None,
        takerFeeRate=D(taker) if taker is not None else None,
        maxLeverage=D(max_leverage) if max_leverage is not None else None,
    )


def swap(
    symbol: str = "BTC-USDT-SWAP",
    *,
    maker: str | None = None,
    taker: str | None = None,
    max_leverage: str | None = None,
) -> Instrument:
    """A linear USDT swap: 1 contract = 0.01 BTC, whole contracts."""
    return instrument(
        symbol,
        kind=InstrumentKind.SWAP,
        settle="USDT",
        contract_value="0.01",
        lot="1",
        min_size="1",
        maker=maker,
        taker=taker,
        max_leverage=max_leverage,
    )


def intent(
    side: OrderSide = OrderSide.BUY,
    size: str | Decimal = "1",
    price: str | Decimal | None = "100",
    *,
    coid: str = "c1",
    bot_id: str | None = "bot-1",
    exchange: str = "okx",
    symbol: str = "BTC-USDT",
    type: OrderType = OrderType.LIMIT,
    tif: TimeInForce = TimeInForce.GTC,
    reduce_only: bool = False,
    leverage: str | None = None,
) -> OrderIntent:
    """An order intent; a 1-unit GTC limit buy at 100 unless told otherwise."""
    return OrderIntent(
        bot_id=bot_id,
        exchange=exchange,
        instrument=symbol,
        side=side,
        type=type,
        size=D(size),
        client_order_id=coid,
        price=D(price) if price is not None else None,
        time_in_force=tif,
        reduce_only=reduce_only,
        leverage=D(leverage) if leverage is not None else None,
    )


def order(
    oid: str = "o1",
    status: OrderStatus = OrderStatus.OPEN,
    *,
    filled: str = "0",
    size: str = "10",
    side: OrderSide = OrderSide.BUY,
    price: str | None = "100",
    bot_id: str | None = "bot-1",
    symbol: str = "BTC-USDT",
    ts: int = 1,
    fees: str = "0",
    avg: str | None = None,
    error: str | None = None,
) -> Order:
    """An order update as an executor would report it."""
    return Order(
        id=oid,
        exchange=Exchange.OKX,
        botId=bot_id,
        instrument=symbol,
        side=side,
        type=OrderType.LIMIT,
        price=D(price) if price is not None else None,
        size=D(size),
        filledSize=D(filled),
        avgFillPrice=D(avg) if avg is not None else None,
        status=status,
        paper=True,
        fees=D(fees),
        error=error,
        createdTs=ts,
        updatedTs=ts,
    )


def fill(
    side: OrderSide = OrderSide.BUY,
    size: str = "1",
    price: str = "100",
    *,
    fid: str = "f1",
    oid: str = "o1",
    bot_id: str | None = "bot-1",
    symbol: str = "BTC-USDT",
    exchange: Exchange = Exchange.OKX,
    fee: str = "0",
    fee_currency: str | None = None,
    ts: int = 1,
) -> Fill:
    """A fill."""
    return Fill(
        id=fid,
        exchange=exchange,
        orderId=oid,
        botId=bot_id,
        instrument=symbol,
        side=side,
        price=D(price),
        size=D(size),
        fee=D(fee),
        feeCurrency=fee_currency,
        paper=True,
        ts=ts,
    )


def book(
    bids: Iterable[tuple[str, str]] = (),
    asks: Iterable[tuple[str, str]] = (),
    *,
    symbol: str = "BTC-USDT",
    exchange: str = "okx",
    seq: int | None = None,
) -> L2Book:
    """A book from (price, size) string pairs."""
    b = L2Book(exchange, symbol)
    b.apply_snapshot([(D(p), D(s)) for p, s in bids], [(D(p), D(s)) for p, s in asks], seq=seq)
    return b
