# ruff: noqa: N815  (wire structs keep the venue's camelCase field names)
"""OKX V5 wire payloads as msgspec structs, with the venue's own field names.

Numbers arrive as strings and stay strings here; `parse` turns them into
Decimal. Fields this adapter needs are required, so a payload missing one
fails decoding (counted by the feed, never raised out of it). Unknown fields
are ignored. Docs: https://www.okx.com/docs-v5/en/
"""

from __future__ import annotations

import msgspec

# -- REST ----------------------------------------------------------------------


class RestEnvelope(msgspec.Struct, gc=False):
    """Every REST answer: `{"code":"0","msg":"","data":[...]}` (code is a string)."""

    code: str | int
    msg: str = ""
    data: msgspec.Raw = msgspec.Raw(b"[]")


class OrderAck(msgspec.Struct, gc=False):
    """Per-order result of place / cancel / amend (and their batch forms)."""

    sCode: str | int
    sMsg: str = ""
    ordId: str = ""
    clOrdId: str = ""
    tag: str = ""
    ts: str = ""
    reqId: str = ""


class CancelAllAfterAck(msgspec.Struct, gc=False):
    """POST /api/v5/trade/cancel-all-after result."""

    triggerTime: str = ""
    tag: str = ""
    ts: str = ""


class Instrument(msgspec.Struct, gc=False):
    """GET /api/v5/public/instruments item."""

    instType: str
    instId: str
    tickSz: str
    lotSz: str
    minSz: str
    uly: str = ""
    instFamily: str = ""
    baseCcy: str = ""
    quoteCcy: str = ""
    settleCcy: str = ""
    ctVal: str = ""
    ctMult: str = ""
    ctValCcy: str = ""
    ctType: str = ""
    lever: str = ""
    state: str = ""
    expTime: str = ""
    listTime: str = ""


class Order(msgspec.Struct, gc=False):
    """Order object of orders-pending, order details and the WS `orders` channel."""

    instId: str
    ordId: str
    sz: str
    ordType: str
    side: str
    state: str
    cTime: str
    uTime: str
    clOrdId: str = ""
    tag: str = ""
    px: str = ""
    posSide: str = ""
    tdMode: str = ""
    accFillSz: str = "0"
    avgPx: str = ""
    # In WS pushes these describe this update's fill; in REST the last fill.
    fillPx: str = ""
    fillSz: str = ""
    fillTime: str = ""
    tradeId: str = ""
    fillFee: str = ""
    fillFeeCcy: str = ""
    execType: str = ""
    # Cumulative fee: negative is a charge, positive a rebate.
    fee: str = ""
    feeCcy: str = ""
    rebate: str = ""
    rebateCcy: str = ""
    lever: str = ""
    reduceOnly: str | bool = ""
    cancelSource: str = ""
    category: str = ""
    instType: str = ""
    ccy: str = ""
    pnl: str = ""
    amendResult: str = ""
    code: str = ""
    msg: str = ""


class Fill(msgspec.Struct, gc=False):
    """GET /api/v5/trade/fills item (last 3 days)."""

    instId: str
    tradeId: str
    ordId: str
    billId: str
    fillPx: str
    fillSz: str
    side: str
    ts: str
    clOrdId: str = ""
    posSide: str = ""
    execType: str = ""
    fee: str = ""
    feeCcy: str = ""
    fillTime: str = ""
    instType: str = ""
    subType: str = ""
    tag: str = ""


class BalanceDetail(msgspec.Struct, gc=False):
    """One currency of GET /api/v5/account/balance."""

    ccy: str
    eq: str = ""
    cashBal: str = ""
    availBal: str = ""
    availEq: str = ""
    frozenBal: str = ""
    ordFrozen: str = ""
    eqUsd: str = ""
    upl: str = ""
    uTime: str = ""


class Balance(msgspec.Struct, gc=False):
    """GET /api/v5/account/balance item (one per account)."""

    details: list[BalanceDetail] = []
    totalEq: str = ""
    uTime: str = ""


class Position(msgspec.Struct, gc=False):
    """GET /api/v5/account/positions item (and WS `positions`)."""

    instId: str
    pos: str
    instType: str = ""
    mgnMode: str = ""
    posId: str = ""
    posSide: str = ""
    availPos: str = ""
    avgPx: str = ""
    markPx: str = ""
    liqPx: str = ""
    lever: str = ""
    margin: str = ""
    imr: str = ""
    mmr: str = ""
    mgnRatio: str = ""
    upl: str = ""
    realizedPnl: str = ""
    ccy: str = ""
    notionalUsd: str = ""
    cTime: str = ""
    uTime: str = ""


class LeverageInfo(msgspec.Struct, gc=False):
    """POST /api/v5/account/set-leverage result."""

    lever: str = ""
    mgnMode: str = ""
    instId: str = ""
    posSide: str = ""


# -- WebSocket -------------------------------------------------------------------


NO_DATA = msgspec.Raw(b"")


class WsArg(msgspec.Struct, frozen=True, gc=False):
    """`arg` of a push or an event: which subscription it belongs to."""

    channel: str
    instId: str = ""
    instType: str = ""
    instFamily: str = ""
    uid: str = ""


class WsEnvelope(msgspec.Struct, gc=False):
    """Any WS message, decoded just enough to route it.

    Pushes have `arg` + `data` (book channels add `action`); events have
    `event` (subscribe, unsubscribe, login, error, notice, channel-conn-count).
    """

    event: str | None = None
    arg: WsArg | None = None
    # Raw cannot sit in a union; an empty Raw means "no data".
    data: msgspec.Raw = NO_DATA
    action: str | None = None
    code: str | int = ""
    msg: str = ""
    connId: str = ""
    id: str = ""
    channel: str = ""
    connCount: str = ""


class WsBookData(msgspec.Struct, gc=False):
    """One book push: levels are `[price, size, "0", numOrders]` strings.

    `ts` is a string on the wire; the book decoder runs in lax mode so it
    arrives as int. `prevSeqId`/`checksum`/`action` only exist on the
    incremental channels (books, books50-l2-tbt, books-l2-tbt).
    """

    asks: list[list[str]]
    bids: list[list[str]]
    ts: int
    seqId: int | None = None
    prevSeqId: int | None = None
    checksum: int = 0


class WsBookPush(msgspec.Struct, gc=False):
    """A push on a book channel (books, books5, bbo-tbt, *-l2-tbt)."""

    arg: WsArg
    data: list[WsBookData]
    action: str = "snapshot"


class WsTicker(msgspec.Struct, gc=False):
    """`tickers` item."""

    instId: str
    ts: str
    last: str = ""
    lastSz: str = ""
    askPx: str = ""
    askSz: str = ""
    bidPx: str = ""
    bidSz: str = ""
    instType: str = ""


class WsTrade(msgspec.Struct, gc=False):
    """`trades` item; `side` is the taker's."""

    instId: str
    tradeId: str
    px: str
    sz: str
    side: str
    ts: str
    count: str = ""


class WsFundingRate(msgspec.Struct, gc=False):
    """`funding-rate` item; `fundingTime` is when `fundingRate` settles."""

    instId: str
    fundingRate: str
    fundingTime: str
    ts: str = ""
    nextFundingRate: str = ""
    nextFundingTime: str = ""
    instType: str = ""


class WsMarkPrice(msgspec.Struct, gc=False):
    """`mark-price` item."""

    instId: str
    markPx: str
    ts: str
    instType: str = ""
