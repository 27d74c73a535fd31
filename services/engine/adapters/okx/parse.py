"""Pure translation between OKX wire structs and the engine's normalized models.

No clock, no I/O: wire object (+ ids the caller resolved) in, model out.

Conventions chosen here (and relied on by the executor):
* Client order ids: OKX's `clOrdId` is 1-32 alphanumerics. An engine id that
  already is one is sent as is; any other id (dashes, dots, longer than 32) is
  sent as its first 15 alphanumerics + "x" + 16 hex digits of its SHA-256, so
  the same intent always maps to the same clOrdId (idempotent retries) and two
  ids collide only with a 64-bit hash collision. The reverse map is kept by the
  executor; orders it has never seen keep the clOrdId (or `okx-<ordId>`) as id.
* Fill ids: OKX `tradeId`s are unique per instrument only, so a fill's id is
  `<instId>:<tradeId>`.
* Fees: OKX reports fees negative for a charge, positive for a rebate.
  `Order.fees` is the net cost (`-fee`: positive paid, negative received).
  `Fill.fee` is the charge (>= 0) and `Fill.rebate` the rebate (> 0, or None),
  so a fill's net cost is `fee - (rebate or 0)`.
* Net-mode positions keep OKX's signed size with side NET; long/short-mode
  positions have side LONG or SHORT and a positive size.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.constants import CHECKSUM_DEPTH, CL_ORD_ID_MAX_LEN, VENUE
from services.engine.core.book import L2Book, Level
from services.engine.core.types import FundingRate, MarkPrice, OrderIntent, Ticker, TradeTick
from services.shared.generated import entities as m
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    Liquidity,
    MarginMode,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)

_ZERO = Decimal(0)
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_CL_ORD_ID = re.compile(rf"[A-Za-z0-9]{{1,{CL_ORD_ID_MAX_LEN}}}")


class ParseError(ValueError):
    """A payload decoded but its values make no sense (bad number, unknown enum)."""


# -- scalars ---------------------------------------------------------------------


def dec(text: str) -> Decimal:
    """A required decimal string."""
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ParseError(f"not a decimal: {text!r}") from None
    if not value.is_finite():
        raise ParseError(f"not a finite decimal: {text!r}")
    return value


def opt_dec(text: str) -> Decimal | None:
    """An optional decimal string: "" means absent."""
    return dec(text) if text else None


def dec_or_zero(text: str) -> Decimal:
    """An optional decimal string where "" means 0."""
    return dec(text) if text else _ZERO


def ms(text: str) -> int:
    """A required epoch-ms string."""
    try:
        return int(text)
    except (ValueError, TypeError):
        raise ParseError(f"not an epoch ms: {text!r}") from None


def opt_ms(text: str, default: int = 0) -> int:
    """An optional epoch-ms string; "" and "0" give `default`."""
    return int(text) if text and text != "0" else default


def nonzero(value: Decimal | None) -> Decimal | None:
    """None for a missing or zero value (OKX sends "0" for "not applicable")."""
    return value if value else None


def decimal_text(value: Decimal) -> str:
    """Plain notation for a request field (never `1E-8`)."""
    return "0" if value.is_zero() else format(value, "f")


# -- ids -----------------------------------------------------------------------------


def cl_ord_id(client_order_id: str) -> str:
    """The OKX clOrdId for an engine client order id (see module docstring)."""
    if _CL_ORD_ID.fullmatch(client_order_id):
        return client_order_id
    readable = "".join(_ALNUM.findall(client_order_id))[:15]
    digest = hashlib.sha256(client_order_id.encode()).hexdigest()[:16]
    return f"{readable}x{digest}"


def fill_id(inst_id: str, trade_id: str) -> str:
    """A fill id unique per exchange: OKX trade ids are unique per instrument only."""
    return f"{inst_id}:{trade_id}"


def order_id_for(ord_id: str, cl_id: str, known: dict[str, str]) -> str:
    """The engine id of an OKX order: mapped clOrdId, else clOrdId, else okx-<ordId>."""
    if cl_id:
        return known.get(cl_id, cl_id)
    return f"okx-{ord_id}"


# -- order book ------------------------------------------------------------------


class DecimalCache:
    """Memo of price/size strings -> Decimal for the book hot path (bounded)."""

    __slots__ = ("_max", "memo")

    def __init__(self, max_size: int = 200_000) -> None:
        # Read-only for callers that inline the lookup; `__call__` fills it.
        self.memo: dict[str, Decimal] = {}
        self._max = max_size

    def __call__(self, text: str) -> Decimal:
        value = self.memo.get(text)
        if value is None:
            value = Decimal(text)
            if not value.is_finite():
                raise ParseError(f"not a finite decimal: {text!r}")
            if len(self.memo) >= self._max:
                self.memo.clear()
            self.memo[text] = value
        return value

    def levels(self, raw: Sequence[Sequence[str]]) -> list[Level]:
        """`[[px, sz, "0", n], ...]` -> `[(Decimal px, Decimal sz), ...]`."""
        memo = self.memo
        out: list[Level] = []
        for level in raw:
            px = memo.get(level[0])
            if px is None:
                px = self(level[0])
            sz = memo.get(level[1])
            if sz is None:
                sz = self(level[1])
            out.append((px, sz))
        return out


def checksum_of_strings(bids: Sequence[tuple[str, str]], asks: Sequence[tuple[str, str]]) -> int:
    """OKX book checksum of best-first (price, size) strings, as a signed 32-bit int.

    Alternate `bid:ask` pairs over the first 25 levels of each side; where a
    side runs out, the other side's levels continue alone.
    """
    parts: list[str] = []
    for i in range(CHECKSUM_DEPTH):
        if i < len(bids):
            parts.append(bids[i][0])
            parts.append(bids[i][1])
        if i < len(asks):
            parts.append(asks[i][0])
            parts.append(asks[i][1])
    value = zlib.crc32(":".join(parts).encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def book_checksum(book: L2Book) -> int:
    """The checksum of a merged book, formatting levels exactly as they arrived."""
    # format(d, "f") gives back the received text for plain decimal strings
    # ("0.10" stays "0.10", "0.00000001" does not become "1E-8").
    bids = [(format(p, "f"), format(s, "f")) for p, s in book.bids(CHECKSUM_DEPTH)]
    asks = [(format(p, "f"), format(s, "f")) for p, s in book.asks(CHECKSUM_DEPTH)]
    return checksum_of_strings(bids, asks)


# -- public market data ----------------------------------------------------------------


def _side(text: str) -> OrderSide:
    if text == "buy":
        return OrderSide.BUY
    if text == "sell":
        return OrderSide.SELL
    raise ParseError(f"unknown side {text!r}")


def parse_trade(wire: w.WsTrade) -> TradeTick:
    """A `trades` push item -> TradeTick (side is the taker's)."""
    return TradeTick(
        exchange=VENUE,
        instrument=wire.instId,
        trade_id=wire.tradeId,
        price=dec(wire.px),
        size=dec(wire.sz),
        side=_side(wire.side),
        ts_ms=ms(wire.ts),
    )


def parse_ticker(wire: w.WsTicker) -> Ticker:
    """A `tickers` push item -> Ticker ("" prices become None)."""
    return Ticker(
        exchange=VENUE,
        instrument=wire.instId,
        bid=opt_dec(wire.bidPx),
        ask=opt_dec(wire.askPx),
        last=opt_dec(wire.last),
        ts_ms=ms(wire.ts),
    )


def parse_funding(wire: w.WsFundingRate) -> FundingRate:
    """A `funding-rate` item; the current rate settles at `fundingTime`."""
    return FundingRate(
        exchange=VENUE,
        instrument=wire.instId,
        rate=dec(wire.fundingRate),
        next_funding_ts_ms=ms(wire.fundingTime),
        ts_ms=opt_ms(wire.ts, ms(wire.fundingTime)),
    )


def parse_mark(wire: w.WsMarkPrice) -> MarkPrice:
    """A `mark-price` item -> MarkPrice."""
    return MarkPrice(
        exchange=VENUE, instrument=wire.instId, mark=dec(wire.markPx), ts_ms=ms(wire.ts)
    )


# -- instruments ------------------------------------------------------------------------

_KINDS = {
    "SPOT": InstrumentKind.SPOT,
    "MARGIN": InstrumentKind.SPOT,
    "SWAP": InstrumentKind.SWAP,
    "FUTURES": InstrumentKind.FUTURES,
}


def inst_type_of(inst_id: str) -> str:
    """OKX instType implied by an instId's shape (BTC-USDT, BTC-USDT-SWAP, BTC-USD-250328)."""
    parts = inst_id.split("-")
    if len(parts) >= 3 and parts[-1] == "SWAP":
        return "SWAP"
    if len(parts) == 3 and parts[-1].isdigit():
        return "FUTURES"
    if len(parts) >= 5:
        return "OPTION"
    return "SPOT"


def parse_instrument(wire: w.Instrument) -> m.Instrument:
    """An instruments item -> Instrument (derivatives: base/quote from the underlying)."""
    kind = _KINDS.get(wire.instType)
    if kind is None:
        raise ParseError(f"unsupported instType {wire.instType!r}")
    if kind is InstrumentKind.SPOT:
        base, quote = wire.baseCcy, wire.quoteCcy
        if not (base and quote):
            base, _, quote = wire.instId.partition("-")
        settle = None
        contract_value = None
    else:
        family = wire.instFamily or wire.uly or wire.instId.rsplit("-", 1)[0]
        base, _, quote = family.partition("-")
        settle = wire.settleCcy or None
        value = opt_dec(wire.ctVal)
        mult = opt_dec(wire.ctMult) or Decimal(1)
        contract_value = value * mult if value is not None else None
    return m.Instrument(
        exchange=Exchange.OKX,
        symbol=wire.instId,
        kind=kind,
        base=base,
        quote=quote,
        settle=settle,
        tickSize=dec(wire.tickSz),
        lotSize=dec(wire.lotSz),
        minSize=dec(wire.minSz),
        contractValue=contract_value,
        maxLeverage=nonzero(opt_dec(wire.lever)),
        expiryTs=opt_ms(wire.expTime) or None,
    )


# -- orders ----------------------------------------------------------------------------

_STATES = {
    "live": OrderStatus.OPEN,
    "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "mmp_canceled": OrderStatus.CANCELLED,
}

# ordType -> (OrderType, TimeInForce)
_ORD_TYPES: dict[str, tuple[OrderType, TimeInForce]] = {
    "limit": (OrderType.LIMIT, TimeInForce.GTC),
    "post_only": (OrderType.POST_ONLY, TimeInForce.GTC),
    "market": (OrderType.MARKET, TimeInForce.IOC),
    "optimal_limit_ioc": (OrderType.MARKET, TimeInForce.IOC),
    "ioc": (OrderType.IOC, TimeInForce.IOC),
    "fok": (OrderType.FOK, TimeInForce.FOK),
}

_MARGIN_MODES = {
    "cash": MarginMode.CASH,
    "cross": MarginMode.CROSS,
    "isolated": MarginMode.ISOLATED,
    "spot_isolated": MarginMode.ISOLATED,
}


def ord_type(order_type: OrderType, tif: TimeInForce) -> str:
    """OKX ordType for an engine (type, time in force); OKX has no GTD."""
    if order_type is OrderType.MARKET:
        return "market"
    if order_type is OrderType.POST_ONLY:
        return "post_only"
    if order_type is OrderType.IOC or tif is TimeInForce.IOC:
        return "ioc"
    if order_type is OrderType.FOK or tif is TimeInForce.FOK:
        return "fok"
    if tif is TimeInForce.GTD:
        raise ParseError("OKX has no good-till-date orders")
    return "limit"


def order_request(intent: OrderIntent, *, cl_id: str, td_mode: str) -> dict[str, Any]:
    """The POST /api/v5/trade/order body for an intent (net position mode)."""
    okx_type = ord_type(intent.type, intent.time_in_force)
    body: dict[str, Any] = {
        "instId": intent.instrument,
        "tdMode": td_mode,
        "clOrdId": cl_id,
        "side": intent.side.value,
        "ordType": okx_type,
        "sz": decimal_text(intent.size),
    }
    if okx_type != "market":
        if intent.price is None:
            raise ParseError(f"{okx_type} order needs a price")
        body["px"] = decimal_text(intent.price)
    if intent.reduce_only:
        body["reduceOnly"] = True
    return body


def td_mode_for(intent: OrderIntent, *, default_derivatives: str) -> str:
    """tdMode: the intent's margin mode, else cash for spot, else the configured default."""
    if intent.margin_mode is not None:
        return intent.margin_mode.value
    if inst_type_of(intent.instrument) == "SPOT":
        return "cash"
    return default_derivatives


def order_state_key(wire: w.Order) -> tuple[str, str, str]:
    """What makes two reports of one order different (for dedup)."""
    return (wire.state, wire.accFillSz, wire.uTime)


def parse_order(wire: w.Order, *, order_id: str, paper: bool = False) -> m.Order:
    """An OKX order object -> Order."""
    status = _STATES.get(wire.state)
    if status is None:
        raise ParseError(f"unknown order state {wire.state!r}")
    typ = _ORD_TYPES.get(wire.ordType)
    if typ is None:
        raise ParseError(f"unsupported ordType {wire.ordType!r}")
    fee = opt_dec(wire.fee)
    return m.Order(
        id=order_id,
        venueOrderId=wire.ordId,
        exchange=Exchange.OKX,
        instrument=wire.instId,
        side=_side(wire.side),
        type=typ[0],
        timeInForce=typ[1],
        price=nonzero(opt_dec(wire.px)),
        size=dec(wire.sz),
        filledSize=dec_or_zero(wire.accFillSz),
        avgFillPrice=nonzero(opt_dec(wire.avgPx)),
        status=status,
        paper=paper,
        fees=-fee if fee else _ZERO,
        feeCurrency=wire.feeCcy or None,
        reduceOnly=wire.reduceOnly in (True, "true"),
        leverage=nonzero(opt_dec(wire.lever)),
        marginMode=_MARGIN_MODES.get(wire.tdMode),
        createdTs=ms(wire.cTime),
        updatedTs=ms(wire.uTime),
    )


def _fee_split(okx_fee: Decimal) -> tuple[Decimal, Decimal | None]:
    if okx_fee < 0:
        return -okx_fee, None
    if okx_fee > 0:
        return _ZERO, okx_fee
    return _ZERO, None


def _liquidity(exec_type: str) -> Liquidity | None:
    return {"T": Liquidity.TAKER, "M": Liquidity.MAKER}.get(exec_type)


def parse_order_fill(wire: w.Order, *, order_id: str, paper: bool = False) -> m.Fill | None:
    """The fill carried by a WS `orders` push, or None when the push has none."""
    if not wire.tradeId or not wire.fillSz:
        return None
    size = dec(wire.fillSz)
    if not size:
        return None
    fee, rebate = _fee_split(dec_or_zero(wire.fillFee))
    return m.Fill(
        id=fill_id(wire.instId, wire.tradeId),
        exchange=Exchange.OKX,
        orderId=order_id,
        venueOrderId=wire.ordId,
        instrument=wire.instId,
        side=_side(wire.side),
        price=dec(wire.fillPx),
        size=size,
        fee=fee,
        rebate=rebate,
        feeCurrency=wire.fillFeeCcy or wire.feeCcy or None,
        liquidity=_liquidity(wire.execType),
        paper=paper,
        ts=opt_ms(wire.fillTime, ms(wire.uTime)),
    )


def parse_fill(wire: w.Fill, *, order_id: str, paper: bool = False) -> m.Fill:
    """A GET /trade/fills item -> Fill."""
    fee, rebate = _fee_split(dec_or_zero(wire.fee))
    return m.Fill(
        id=fill_id(wire.instId, wire.tradeId),
        exchange=Exchange.OKX,
        orderId=order_id,
        venueOrderId=wire.ordId,
        instrument=wire.instId,
        side=_side(wire.side),
        price=dec(wire.fillPx),
        size=dec(wire.fillSz),
        fee=fee,
        rebate=rebate,
        feeCurrency=wire.feeCcy or None,
        liquidity=_liquidity(wire.execType),
        paper=paper,
        ts=opt_ms(wire.fillTime, ms(wire.ts)),
    )


# -- account -----------------------------------------------------------------------------


def parse_balances(wire: w.Balance, *, now_ms: int = 0) -> list[m.Balance]:
    """An account balance item -> one Balance per currency."""
    out = []
    for d in wire.details:
        total = dec_or_zero(d.eq) if d.eq else dec_or_zero(d.cashBal)
        available = dec_or_zero(d.availBal) if d.availBal else dec_or_zero(d.availEq)
        out.append(
            m.Balance(
                exchange=Exchange.OKX,
                currency=d.ccy,
                total=total,
                available=available,
                frozen=dec_or_zero(d.frozenBal),
                usdValue=opt_dec(d.eqUsd),
                ts=opt_ms(d.uTime, opt_ms(wire.uTime, now_ms)),
            )
        )
    return out


def _quote_of(inst_id: str) -> str:
    parts = inst_id.split("-")
    return parts[1] if len(parts) > 1 else inst_id


_POS_SIDES = {"long": PositionSide.LONG, "short": PositionSide.SHORT, "net": PositionSide.NET}


def parse_position(wire: w.Position, *, now_ms: int = 0) -> m.Position | None:
    """An account position item -> Position; None for a flat (pos 0) entry."""
    size = dec_or_zero(wire.pos)
    if not size:
        return None
    side = _POS_SIDES.get(wire.posSide or "net")
    if side is None:
        raise ParseError(f"unknown posSide {wire.posSide!r}")
    margin_mode = _MARGIN_MODES.get(wire.mgnMode)
    # Isolated positions report `margin`; cross positions their initial margin `imr`.
    margin = opt_dec(wire.margin) if wire.margin else opt_dec(wire.imr)
    return m.Position(
        exchange=Exchange.OKX,
        instrument=wire.instId,
        side=side,
        size=size,
        entryPrice=dec_or_zero(wire.avgPx),
        markPrice=opt_dec(wire.markPx),
        unrealizedPnl=dec_or_zero(wire.upl),
        realizedPnl=dec_or_zero(wire.realizedPnl),
        currency=wire.ccy or _quote_of(wire.instId),
        paper=False,
        leverage=nonzero(opt_dec(wire.lever)),
        marginMode=margin_mode,
        liquidationPrice=nonzero(opt_dec(wire.liqPx)),
        margin=margin,
        marginRatio=opt_dec(wire.mgnRatio),
        ts=opt_ms(wire.uTime, now_ms),
    )


def levels_text(levels: Iterable[Level]) -> list[list[str]]:
    """Book levels as `[[px, sz], ...]` decimal strings (for printing)."""
    return [[format(p, "f"), format(s, "f")] for p, s in levels]
