"""Pure parsing of OKX V5 payloads (samples written from the OKX docs' examples)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from services.engine.adapters.okx import parse
from services.engine.adapters.okx import schemas as w
from services.engine.core.types import OrderIntent
from services.shared.generated.enums import (
    InstrumentKind,
    Liquidity,
    MarginMode,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    TimeInForce,
)

D = Decimal


def decode(payload: bytes, typ: type) -> object:
    return msgspec.json.decode(payload, type=typ)


def test_trade_push_becomes_trade_tick_with_taker_side() -> None:
    item = decode(
        b'{"instId":"BTC-USDT","tradeId":"130639474","px":"42219.9",'
        b'"sz":"0.12060306","side":"buy","ts":"1630048897897","count":"3"}',
        w.WsTrade,
    )
    tick = parse.parse_trade(item)  # type: ignore[arg-type]
    assert (tick.instrument, tick.trade_id, tick.price, tick.size, tick.side, tick.ts_ms) == (
        "BTC-USDT",
        "130639474",
        D("42219.9"),
        D("0.12060306"),
        OrderSide.BUY,
        1630048897897,
    )


def test_ticker_push_keeps_decimals_and_blank_prices_become_none() -> None:
    item = decode(
        b'{"instType":"SPOT","instId":"BTC-USDT","last":"9999.99","lastSz":"0.1",'
        b'"askPx":"9999.99","askSz":"11","bidPx":"","bidSz":"","ts":"1597026383085"}',
        w.WsTicker,
    )
    ticker = parse.parse_ticker(item)  # type: ignore[arg-type]
    assert ticker.ask == D("9999.99") and ticker.last == D("9999.99")
    assert ticker.bid is None
    assert ticker.ts_ms == 1597026383085


def test_funding_rate_settles_at_funding_time() -> None:
    item = decode(
        b'{"instType":"SWAP","instId":"BTC-USD-SWAP","fundingRate":"0.0001875391284828",'
        b'"fundingTime":"1700726400000","nextFundingRate":"",'
        b'"nextFundingTime":"1700755200000","ts":"1700724675402"}',
        w.WsFundingRate,
    )
    funding = parse.parse_funding(item)  # type: ignore[arg-type]
    assert funding.rate == D("0.0001875391284828")
    assert funding.next_funding_ts_ms == 1700726400000
    assert funding.ts_ms == 1700724675402


def test_mark_price_push() -> None:
    item = decode(
        b'{"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"42310.6","ts":"1630049139746"}',
        w.WsMarkPrice,
    )
    mark = parse.parse_mark(item)  # type: ignore[arg-type]
    assert (mark.instrument, mark.mark, mark.ts_ms) == (
        "BTC-USDT-SWAP",
        D("42310.6"),
        1630049139746,
    )


def test_missing_required_field_fails_decoding() -> None:
    with pytest.raises(msgspec.ValidationError, match="tradeId"):
        decode(b'{"instId":"BTC-USDT","px":"1","sz":"1","side":"buy","ts":"1"}', w.WsTrade)


def test_swap_instrument_takes_base_quote_from_family_and_contract_value() -> None:
    item = decode(
        b'{"instType":"SWAP","instId":"BTC-USDT-SWAP","instFamily":"BTC-USDT",'
        b'"uly":"BTC-USDT","baseCcy":"","quoteCcy":"","settleCcy":"USDT",'
        b'"ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear",'
        b'"tickSz":"0.1","lotSz":"0.01","minSz":"0.01","lever":"100","state":"live",'
        b'"expTime":"","listTime":"1573557408000","instIdCode":10459}',
        w.Instrument,
    )
    inst = parse.parse_instrument(item)  # type: ignore[arg-type]
    assert inst.kind is InstrumentKind.SWAP
    assert (inst.base, inst.quote, inst.settle) == ("BTC", "USDT", "USDT")
    assert (inst.tickSize, inst.lotSize, inst.minSize) == (D("0.1"), D("0.01"), D("0.01"))
    assert inst.contractValue == D("0.01")
    assert inst.maxLeverage == D("100")
    assert inst.expiryTs is None


def test_spot_instrument_uses_base_and_quote_currencies() -> None:
    item = decode(
        b'{"instType":"SPOT","instId":"BTC-USDT","baseCcy":"BTC","quoteCcy":"USDT",'
        b'"tickSz":"0.1","lotSz":"0.00000001","minSz":"0.00001"}',
        w.Instrument,
    )
    inst = parse.parse_instrument(item)  # type: ignore[arg-type]
    assert inst.kind is InstrumentKind.SPOT
    assert (inst.base, inst.quote, inst.contractValue) == ("BTC", "USDT", None)


@pytest.mark.parametrize(
    ("inst_id", "inst_type"),
    [
        ("BTC-USDT", "SPOT"),
        ("BTC-USDT-SWAP", "SWAP"),
        ("BTC-USD-250328", "FUTURES"),
        ("BTC-USD-250328-60000-C", "OPTION"),
    ],
)
def test_inst_type_follows_the_instrument_id_shape(inst_id: str, inst_type: str) -> None:
    assert parse.inst_type_of(inst_id) == inst_type


ORDER = (
    b'{"instType":"SWAP","instId":"BTC-USDT-SWAP","ordId":"2497956918703120384",'
    b'"clOrdId":"001BTCUSDT20250106001","tag":"","px":"","sz":"0.03","ordType":"market",'
    b'"side":"buy","posSide":"long","tdMode":"isolated","accFillSz":"0.03",'
    b'"fillPx":"103698.9","fillSz":"0.03","fillTime":"1746947317402",'
    b'"tradeId":"1518905529","avgPx":"103698.9","state":"filled","lever":"2.0",'
    b'"fee":"-0.021776769","feeCcy":"USDT","fillFee":"-0.021776769","rebate":"0",'
    b'"rebateCcy":"USDT","pnl":"0","execType":"M","category":"normal",'
    b'"reduceOnly":"false","cTime":"1746947317401","uTime":"1746947317402"}'
)


def test_order_object_becomes_order_with_net_fee_cost() -> None:
    wire = decode(ORDER, w.Order)
    order = parse.parse_order(wire, order_id="eng-1")  # type: ignore[arg-type]
    assert order.id == "eng-1" and order.venueOrderId == "2497956918703120384"
    assert (order.type, order.timeInForce, order.status) == (
        OrderType.MARKET,
        TimeInForce.IOC,
        OrderStatus.FILLED,
    )
    assert order.price is None
    assert (order.size, order.filledSize, order.avgFillPrice) == (
        D("0.03"),
        D("0.03"),
        D("103698.9"),
    )
    assert order.fees == D("0.021776769")  # OKX -0.0217... is a charge
    assert order.leverage == D("2.0") and order.marginMode is MarginMode.ISOLATED
    assert order.reduceOnly is False
    assert (order.createdTs, order.updatedTs) == (1746947317401, 1746947317402)


def test_order_push_carries_one_fill_with_maker_liquidity() -> None:
    wire = decode(ORDER, w.Order)
    fill = parse.parse_order_fill(wire, order_id="eng-1")  # type: ignore[arg-type]
    assert fill is not None
    assert fill.id == "BTC-USDT-SWAP:1518905529"
    assert (fill.orderId, fill.price, fill.size) == ("eng-1", D("103698.9"), D("0.03"))
    assert (fill.fee, fill.rebate, fill.feeCurrency) == (D("0.021776769"), None, "USDT")
    assert fill.liquidity is Liquidity.MAKER
    assert fill.ts == 1746947317402


def test_order_update_without_a_fill_has_no_fill() -> None:
    wire = decode(ORDER.replace(b'"tradeId":"1518905529"', b'"tradeId":""'), w.Order)
    assert parse.parse_order_fill(wire, order_id="x") is None  # type: ignore[arg-type]


def test_unknown_order_state_is_a_parse_error() -> None:
    wire = decode(ORDER.replace(b'"state":"filled"', b'"state":"exploded"'), w.Order)
    with pytest.raises(parse.ParseError):
        parse.parse_order(wire, order_id="x")  # type: ignore[arg-type]


def test_rest_fill_with_positive_fee_is_a_rebate() -> None:
    wire = decode(
        b'{"instType":"SPOT","instId":"BTC-USDT","tradeId":"744876980",'
        b'"ordId":"680800019749904384","clOrdId":"","billId":"680800019754098688",'
        b'"fillPx":"51858","fillSz":"0.00192834","side":"buy","posSide":"net",'
        b'"execType":"T","feeCcy":"BTC","fee":"0.0000001","ts":"1708587373362",'
        b'"fillTime":"1708587373361"}',
        w.Fill,
    )
    fill = parse.parse_fill(wire, order_id="okx-680800019749904384")  # type: ignore[arg-type]
    assert (fill.fee, fill.rebate) == (D(0), D("0.0000001"))
    assert fill.liquidity is Liquidity.TAKER
    assert fill.ts == 1708587373361


def test_balance_details_become_one_balance_per_currency() -> None:
    wire = decode(
        b'{"totalEq":"99.88","uTime":"1744499648556","details":[{"ccy":"USDT",'
        b'"eq":"99.89469657000001","cashBal":"94.42","availBal":"94.42612990333333",'
        b'"frozenBal":"5.468566666666667","eqUsd":"99.8887","uTime":"1744498994783"}]}',
        w.Balance,
    )
    [bal] = parse.parse_balances(wire)  # type: ignore[arg-type]
    assert (bal.currency, bal.total, bal.available, bal.frozen, bal.usdValue, bal.ts) == (
        "USDT",
        D("99.89469657000001"),
        D("94.42612990333333"),
        D("5.468566666666667"),
        D("99.8887"),
        1744498994783,
    )


def test_position_keeps_leverage_margin_liquidation_and_ratio() -> None:
    wire = decode(
        b'{"instType":"SWAP","instId":"BTC-USDT-SWAP","mgnMode":"isolated",'
        b'"posSide":"long","pos":"0.5","avgPx":"10000","markPx":"10000","liqPx":"9000",'
        b'"lever":"10.0","margin":"0.5","mgnRatio":"0.01","mmr":"0.1","upl":"0",'
        b'"realizedPnl":"0","ccy":"BTC","uTime":"1622559930237"}',
        w.Position,
    )
    pos = parse.parse_position(wire)  # type: ignore[arg-type]
    assert pos is not None
    assert (pos.side, pos.size, pos.entryPrice, pos.markPrice) == (
        PositionSide.LONG,
        D("0.5"),
        D("10000"),
        D("10000"),
    )
    assert (pos.leverage, pos.marginMode, pos.liquidationPrice) == (
        D("10.0"),
        MarginMode.ISOLATED,
        D("9000"),
    )
    assert (pos.margin, pos.marginRatio, pos.currency) == (D("0.5"), D("0.01"), "BTC")


def test_net_mode_short_keeps_signed_size_and_flat_position_is_dropped() -> None:
    short = decode(
        b'{"instId":"ETH-USDT-SWAP","posSide":"net","pos":"-3","mgnMode":"cross",'
        b'"imr":"12.5","avgPx":"2000"}',
        w.Position,
    )
    pos = parse.parse_position(short)  # type: ignore[arg-type]
    assert pos is not None and (pos.side, pos.size, pos.margin) == (
        PositionSide.NET,
        D("-3"),
        D("12.5"),
    )
    flat = decode(b'{"instId":"ETH-USDT-SWAP","posSide":"net","pos":"0"}', w.Position)
    assert parse.parse_position(flat) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("cid", ["abc123", "A" * 32, "0"])
def test_alphanumeric_client_ids_up_to_32_are_sent_as_is(cid: str) -> None:
    assert parse.cl_ord_id(cid) == cid


@pytest.mark.parametrize("cid", ["bot-1:order-42", "A" * 33, "x.y_z", "b1-" + "9" * 60])
def test_other_client_ids_map_to_a_stable_alphanumeric_32_or_less(cid: str) -> None:
    mapped = parse.cl_ord_id(cid)
    assert mapped.isalnum() and 1 <= len(mapped) <= 32
    assert mapped == parse.cl_ord_id(cid)
    assert mapped != parse.cl_ord_id(cid + "0")


def _intent(**kw: object) -> OrderIntent:
    values: dict[str, object] = {
        "bot_id": "b1",
        "exchange": "okx",
        "instrument": "BTC-USDT-SWAP",
        "side": OrderSide.BUY,
        "type": OrderType.LIMIT,
        "size": D("2"),
        "client_order_id": "c1",
        "price": D("65000.1"),
    }
    values.update(kw)
    return OrderIntent(**values)  # type: ignore[arg-type]


def test_limit_intent_becomes_the_docs_place_order_body() -> None:
    body = parse.order_request(_intent(), cl_id="b15", td_mode="cross")
    assert body == {
        "instId": "BTC-USDT-SWAP",
        "tdMode": "cross",
        "clOrdId": "b15",
        "side": "buy",
        "ordType": "limit",
        "px": "65000.1",
        "sz": "2",
    }


@pytest.mark.parametrize(
    ("typ", "tif", "okx"),
    [
        (OrderType.LIMIT, TimeInForce.GTC, "limit"),
        (OrderType.LIMIT, TimeInForce.IOC, "ioc"),
        (OrderType.LIMIT, TimeInForce.FOK, "fok"),
        (OrderType.POST_ONLY, TimeInForce.GTC, "post_only"),
        (OrderType.IOC, TimeInForce.GTC, "ioc"),
        (OrderType.FOK, TimeInForce.GTC, "fok"),
        (OrderType.MARKET, TimeInForce.GTC, "market"),
    ],
)
def test_order_types_map_to_okx_ord_types(typ: OrderType, tif: TimeInForce, okx: str) -> None:
    assert parse.ord_type(typ, tif) == okx


def test_market_order_has_no_price_and_reduce_only_is_sent() -> None:
    body = parse.order_request(
        _intent(type=OrderType.MARKET, price=None, reduce_only=True, size=D("0.00000001")),
        cl_id="c",
        td_mode="cross",
    )
    assert "px" not in body and body["reduceOnly"] is True and body["sz"] == "0.00000001"


def test_gtd_and_priceless_limits_are_refused() -> None:
    with pytest.raises(parse.ParseError):
        parse.order_request(_intent(time_in_force=TimeInForce.GTD), cl_id="c", td_mode="cash")
    with pytest.raises(parse.ParseError):
        parse.order_request(_intent(price=None), cl_id="c", td_mode="cash")


def test_td_mode_defaults_cash_for_spot_and_config_for_derivatives() -> None:
    assert parse.td_mode_for(_intent(instrument="BTC-USDT"), default_derivatives="cross") == "cash"
    assert parse.td_mode_for(_intent(), default_derivatives="isolated") == "isolated"
    assert (
        parse.td_mode_for(_intent(margin_mode=MarginMode.CROSS), default_derivatives="isolated")
        == "cross"
    )
