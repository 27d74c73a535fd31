"""OKX paper venue: worked numbers for margin, liquidation (§B.8), funding, fees and rules.

Every expected figure is computed by hand in the comments. The swap is the
BTC-USDT-SWAP instrument captured in PROTOCOLS.md §B.4.1 (ctVal 0.01 BTC,
tickSz 0.1, lotSz 0.01, lever 100) parsed by the real adapter; its fee rates
are OKX's VIP0 defaults (maker 0.02 %, taker 0.05 %) and tier 1 of the
BTC-USDT swap family has mmr 0.4 % (`constants.POSITION_TIERS`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from decimal import Decimal

import msgspec
import pytest
from redis.asyncio import Redis

from services.engine.adapters.base import (
    OrderRejected,
    VenueAdapter,
    VenueCredentials,
    VenueEndpoints,
)
from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.factory import build_adapter
from services.engine.adapters.okx.margin import (
    funding_credit,
    linear_liquidation_price,
    max_leverage,
    tier_for,
    tiers_for,
)
from services.engine.adapters.okx.paper import (
    OkxPaperFees,
    OkxPaperHooks,
    OkxPaperRules,
    okx_paper_kit,
)
from services.engine.adapters.okx.parse import parse_instrument
from services.engine.core.clock import ManualClock
from services.engine.core.types import FeedChannel, FundingRate, MarkPrice, OrderIntent
from services.engine.paper.account import PaperAccount
from services.engine.paper.executor import PaperConfig, PaperExecutor
from services.engine.paper.hooks import FundingPayment, LiquidationEvent
from services.engine.runtime.engine import EngineRuntime, RuntimeConfig
from services.engine.runtime.venues import paper_kit
from services.engine.strategies.base import OrderRequest
from services.engine.strategies.registry import default_catalog
from services.shared.generated.entities import BotConfig, Fill, Instrument, Order
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    Liquidity,
    MarginMode,
    OrderSide,
    OrderSource,
    OrderStatus,
    OrderType,
)
from services.shared.generated.events import EventType
from services.shared.settings import Settings
from tests.support.engine_harness import bot_config
from tests.support.fake_venue import FakeFeed, FakeVenue, registered
from tests.unit.engine.factories import book, instrument
from tests.unit.engine.runtime.conftest import RecordingHost
from tests.unit.engine.runtime.helpers import eventually

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
T0 = 1_750_000_000_000
T1 = T0 + 8 * 3_600_000  # the next funding time
T2 = T1 + 8 * 3_600_000
SYM = "BTC-USDT-SWAP"

# PROTOCOLS.md §B.4.1, the BTC-USDT-SWAP instruments item as OKX sends it.
_SWAP_JSON = (
    b'{"instType":"SWAP","instId":"BTC-USDT-SWAP","instFamily":"BTC-USDT","uly":"BTC-USDT",'
    b'"baseCcy":"","quoteCcy":"","settleCcy":"USDT","ctVal":"0.01","ctMult":"1",'
    b'"ctValCcy":"BTC","ctType":"linear","tickSz":"0.1","lotSz":"0.01","minSz":"0.01",'
    b'"maxLmtSz":"100000000","maxMktSz":"12000","lever":"100","state":"live",'
    b'"listTime":"1573557408000","expTime":""}'
)
BTC_SWAP = parse_instrument(msgspec.json.decode(_SWAP_JSON, type=w.Instrument))
# The spot pair of §B.4.1: lotSz 0.00000001, minSz 0.00001, VIP0 taker 0.1 %.
BTC_SPOT = instrument("BTC-USDT", tick="0.1", lot="0.00000001", min_size="0.00001")
# The inverse swap of §B.4.1 (ctVal 100 USD, settled in BTC).
BTC_USD_SWAP = instrument(
    "BTC-USD-SWAP",
    kind=InstrumentKind.SWAP,
    base="BTC",
    quote="USD",
    settle="BTC",
    lot="1",
    min_size="1",
    contract_value="100",
    max_leverage="100",
)
# An inverse contract without its USD face value (ctVal): still refused.
NO_CTVAL_INVERSE = instrument(
    "BTC-USD-251226",
    kind=InstrumentKind.FUTURES,
    base="BTC",
    quote="USD",
    settle="BTC",
    lot="1",
    min_size="1",
)
BTC_FUTURE = instrument(
    "BTC-USDT-250926",
    kind=InstrumentKind.FUTURES,
    settle="USDT",
    lot="0.1",
    min_size="0.1",
    contract_value="0.01",
    max_leverage="20",
)


class Listener:
    """ExecutionListener and PaperEventListener that keep everything."""

    def __init__(self) -> None:
        self.orders: list[Order] = []
        self.fills: list[Fill] = []
        self.funding: list[FundingPayment] = []
        self.liquidations: list[LiquidationEvent] = []

    def on_order(self, order: Order) -> None:
        self.orders.append(order)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def on_funding_payment(self, payment: FundingPayment) -> None:
        self.funding.append(payment)

    def on_liquidation(self, event: LiquidationEvent) -> None:
        self.liquidations.append(event)


class Okx:
    """A paper OKX account with the OKX kit, a manual clock and a listener."""

    def __init__(
        self,
        *instruments: Instrument,
        balances: Mapping[str, Decimal],
        margin_mode: MarginMode = CROSS,
    ) -> None:
        kit = okx_paper_kit(margin_mode)
        assert isinstance(kit.hooks, OkxPaperHooks)
        self.hooks = kit.hooks
        self.clock = ManualClock(T0)
        self.account = PaperAccount(Exchange.OKX, balances, clock=self.clock, account_id="paper-b1")
        self.ex = PaperExecutor(
            Exchange.OKX,
            {i.symbol: i for i in instruments or (BTC_SWAP,)},
            clock=self.clock,
            account=self.account,
            rules=kit.rules,
            hooks=kit.hooks,
            fees=kit.fees,
            config=PaperConfig(id_prefix="t", poll_interval_secs=None),
        )
        self.rec = Listener()
        self.ex.set_listener(self.rec)
        self.ex.set_paper_listener(self.rec)
        self._n = 0

    async def order(
        self,
        side: OrderSide,
        size: str,
        price: str | None,
        *,
        symbol: str = SYM,
        leverage: str | None = "10",
        mode: MarginMode | None = None,
        type: OrderType = OrderType.LIMIT,
    ) -> Order:
        self._n += 1
        return await self.ex.place(
            OrderIntent(
                bot_id="b1",
                exchange="okx",
                instrument=symbol,
                side=side,
                type=type,
                size=D(size),
                client_order_id=f"c{self._n}",
                price=D(price) if price is not None else None,
                leverage=D(leverage) if leverage is not None else None,
                margin_mode=mode,
            )
        )

    def mark(self, price: str, ts: int = T0) -> None:
        self.ex.on_mark(MarkPrice("okx", SYM, D(price), ts))

    def funding(self, rate: str, next_ts: int, ts: int) -> None:
        self.ex.on_funding(FundingRate("okx", SYM, D(rate), next_ts, ts))

    def usdt(self) -> tuple[Decimal, Decimal, Decimal]:
        """(total, frozen, available) USDT."""
        a = self.account
        return a.total("USDT"), a.frozen("USDT"), a.available("USDT")


async def long_1btc(okx: Okx, *, mode: MarginMode, side: OrderSide = BUY) -> None:
    """Open 100 contracts (1 BTC) at 60,000 at 10x, as taker."""
    okx.ex.on_book(book([("59999.9", "500")], [("60000", "500")], symbol=SYM))
    await okx.order(side, "100", "60000" if side is BUY else "59999.9", mode=mode)


# -- the instrument and the formulas --------------------------------------------------------------


def test_the_captured_swap_parses_to_the_contract_the_worked_numbers_assume() -> None:
    assert (BTC_SWAP.kind, BTC_SWAP.contractValue, BTC_SWAP.tickSize) == (
        InstrumentKind.SWAP,
        D("0.01"),
        D("0.1"),
    )
    assert (BTC_SWAP.lotSize, BTC_SWAP.minSize, BTC_SWAP.maxLeverage) == (
        D("0.01"),
        D("0.01"),
        D(100),
    )
    tier = tier_for(tiers_for(BTC_SWAP), D(100))
    assert (tier.tier, tier.mmr, tier.imr) == (1, D("0.004"), D("0.01"))


def test_tiers_extrapolate_past_the_recorded_row_and_fall_back_to_the_instrument_lever() -> None:
    # BTC tier 1 covers up to 1,000 contracts; 1,500 is one step (1,000) further:
    # mmr 0.004 + 0.005 = 0.009, imr 0.01 + 0.005 = 0.015, max leverage 1 / 0.015.
    tier = tier_for(tiers_for(BTC_SWAP), D(1500))
    assert (tier.tier, tier.max_size, tier.mmr, tier.imr) == (2, D(2000), D("0.009"), D("0.015"))
    assert tier.max_leverage == D(1) / D("0.015")
    # No table for SOL: imr = 1 / lever (50) = 0.02, mmr = 0.4 x 0.02 = 0.008.
    sol = instrument(
        "SOL-USDT-SWAP",
        kind=InstrumentKind.SWAP,
        base="SOL",
        settle="USDT",
        contract_value="1",
        max_leverage="50",
    )
    only = tier_for(tiers_for(sol), D(10**9))
    assert (only.mmr, only.imr, only.max_leverage) == (D("0.008"), D("0.02"), D(50))
    assert max_leverage(BTC_SWAP) == D(100)
    assert (
        max_leverage(
            instrument("X-USDT-SWAP", kind=InstrumentKind.SWAP, settle="USDT", max_leverage="200")
        )
        == c.MAX_LEVERAGE
    )


def test_liquidation_price_formula_long_and_short() -> None:
    # Long 1 BTC, E 60,000, M 6,000, m 0.0045: (60,000 - 6,000) / 0.9955.
    assert linear_liquidation_price(D(1), D(60000), D(6000), D("0.0045")) == D(54000) / D("0.9955")
    # Short: (60,000 + 6,000) / 1.0045 = 65,704.3305...
    short = linear_liquidation_price(D(-1), D(60000), D(6000), D("0.0045"))
    assert short is not None and short.quantize(D("0.01")) == D("65704.33")
    # 1x long: M = E x Q, so the price would be 0: never liquidated.
    assert linear_liquidation_price(D(1), D(60000), D(60000), D("0.0045")) is None


# -- isolated 10x long: liquidation price and liquidation -----------------------------------------


async def test_isolated_10x_long_liquidation_price_matches_the_formula_to_the_cent() -> None:
    okx = Okx(balances={"USDT": D(10000)}, margin_mode=ISOLATED)
    await long_1btc(okx, mode=ISOLATED)

    # Notional 100 x 0.01 x 60,000 = 60,000 USDT; initial margin 60,000 / 10 = 6,000.
    # Fee (taker 0.05 %): 60,000 x 0.0005 = 30. Balance 10,000 - 30 = 9,970, of which
    # 6,000 is the position's margin (frozen): 3,970 left available.
    assert okx.usdt() == (D(9970), D(6000), D(3970))
    assert okx.rec.fills[0].fee == D(30)
    state = okx.hooks.margin_state(SYM, okx.account)
    assert state is not None
    assert (state.mode, state.leverage, state.margin) == (ISOLATED, D(10), D(6000))
    # m = mmr (tier 1) + taker = 0.004 + 0.0005 = 0.0045; Q = 1 BTC, E = 60,000, M = 6,000.
    # §B.8 linear long: liqPx = (E x Q - M) / (Q x (1 - m)) = 54,000 / 0.9955
    #                         = 54,244.098443...  -> 54,244.10 to the cent.
    assert (state.mmr, state.taker_rate) == (D("0.004"), D("0.0005"))
    assert state.liquidation_price == D(54000) / D("0.9955")
    assert state.liquidation_price.quantize(D("0.01")) == D("54244.10")
    # Bankruptcy price (margin + upl = 0): E - M / Q = 60,000 - 6,000 = 54,000.
    assert state.bankruptcy_price == D(54000)
    # The position reports the first tick (0.1) at which it liquidates: 54,244.0.
    pos = okx.account.position(SYM)
    assert pos is not None and (pos.leverage, pos.liquidation_price) == (D(10), D("54244.0"))


async def test_isolated_long_survives_a_tick_above_and_is_liquidated_at_bankruptcy_below() -> None:
    okx = Okx(balances={"USDT": D(10000)}, margin_mode=ISOLATED)
    await long_1btc(okx, mode=ISOLATED)
    await okx.order(SELL, "10", "70000")  # resting; liquidation cancels it

    # Mark 54,244.1 (one tick above 54,244.098): upl = 1 x (54,244.1 - 60,000) = -5,755.9
    # mgnRatio = (6,000 - 5,755.9) / (1 x 54,244.1 x 0.0045) = 244.1 / 244.09845 = 1.0000063
    okx.mark("54244.1")
    state = okx.hooks.margin_state(SYM, okx.account)
    assert state is not None and state.margin_ratio is not None and state.margin_ratio > 1
    assert state.unrealized_pnl == D("-5755.9")
    assert okx.rec.liquidations == [] and okx.account.position_quantity(SYM) == 100

    # Mark 54,244.0: (6,000 - 5,756) / (54,244 x 0.0045) = 244 / 244.098 = 0.9996 <= 1.
    okx.mark("54244.0", T0 + 1)
    liq = okx.rec.fills[-1]
    # Closed at the bankruptcy price 54,000, no extra fee: the margin is what is lost.
    assert (liq.side, liq.size, liq.price, liq.fee) == (SELL, D(100), D(54000), D(0))
    order = [o for o in okx.rec.orders if o.id == liq.orderId][-1]
    assert (order.source, order.reason, order.status, order.botId) == (
        OrderSource.RISK,
        "liquidation",
        OrderStatus.FILLED,
        "b1",
    )
    assert okx.ex.order("c2").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    assert okx.account.position_quantity(SYM) == 0
    # Realized 1 x (54,000 - 60,000) = -6,000 = the margin: 9,970 - 6,000 = 3,970, nothing frozen.
    assert okx.usdt() == (D(3970), D(0), D(3970))
    [event] = okx.rec.liquidations
    assert (event.instrument, event.price, event.mark, event.realized_pnl, event.bot_id) == (
        SYM,
        D(54000),
        D("54244.0"),
        D(-6000),
        "b1",
    )
    assert event.margin_ratio is not None and event.margin_ratio <= 1
    assert event.fill_id == liq.id and okx.ex.liquidations == [event]
    # Further marks change nothing.
    okx.mark("50000", T0 + 2)
    assert len(okx.rec.liquidations) == 1


async def test_isolated_10x_short_liquidates_above_at_its_own_formula() -> None:
    okx = Okx(balances={"USDT": D(10000)}, margin_mode=ISOLATED)
    okx.ex.on_book(book([("60000", "500")], [("60000.1", "500")], symbol=SYM))
    await okx.order(SELL, "100", "60000", mode=ISOLATED)
    # §B.8 linear short: (E x Q + M) / (Q x (1 + m)) = 66,000 / 1.0045 = 65,704.3305...
    # reported as the first tick at or above it: 65,704.4. Bankruptcy: E + M / Q = 66,000.
    state = okx.hooks.margin_state(SYM, okx.account)
    assert state is not None and state.liquidation_price == D(66000) / D("1.0045")
    assert state.liquidation_price.quantize(D("0.01")) == D("65704.33")
    assert state.bankruptcy_price == D(66000)
    pos = okx.account.position(SYM)
    assert pos is not None and pos.liquidation_price == D("65704.4")
    okx.mark("65704.3")
    assert okx.account.position_quantity(SYM) == -100
    okx.mark("65704.4")
    assert (okx.rec.fills[-1].side, okx.rec.fills[-1].price) == (BUY, D(66000))
    # Realized -1 x (66,000 - 60,000) = -6,000: 9,970 - 6,000.
    assert okx.usdt() == (D(3970), D(0), D(3970))


async def test_cross_margin_backs_the_position_with_the_whole_balance() -> None:
    okx = Okx(balances={"USDT": D(10000)}, margin_mode=CROSS)
    await long_1btc(okx, mode=CROSS)
    # Cross freezes nothing: 9,970 total and available.
    assert okx.usdt() == (D(9970), D(0), D(9970))
    state = okx.hooks.margin_state(SYM, okx.account)
    # Equity available to the position M = 9,970 (no other positions):
    # liqPx = (60,000 - 9,970) / 0.9955 = 50,256.1526...; bankruptcy 60,000 - 9,970 = 50,030.
    assert state is not None and state.margin == D(9970)
    assert state.liquidation_price == D(50030) / D("0.9955")
    assert state.bankruptcy_price == D(50030)

    # The mark that liquidated the isolated position leaves this one at
    # mgnRatio = (9,970 - 5,756) / (54,244 x 0.0045) = 4,214 / 244.098 = 17.26.
    okx.mark("54244.0")
    state = okx.hooks.margin_state(SYM, okx.account)
    assert state is not None and state.margin_ratio is not None
    assert state.margin_ratio.quantize(D("0.01")) == D("17.26")
    okx.mark("50256.2")  # (9,970 - 9,743.8) / 226.1529 = 1.0002
    assert okx.rec.liquidations == []
    okx.mark("50256.1")  # 226.1 / 226.15245 = 0.9998
    assert okx.rec.fills[-1].price == D(50030)
    # Loses everything the account had: 9,970 - 9,970.
    assert okx.usdt() == (D(0), D(0), D(0))


# -- initial margin and leverage ------------------------------------------------------------------


async def test_initial_margin_must_be_covered_by_the_available_balance() -> None:
    okx = Okx(balances={"USDT": D(1000)}, margin_mode=ISOLATED)
    okx.ex.on_book(book([("59999.9", "500")], [("60000", "500")], symbol=SYM))
    # A market order is margined at the mark; before the first one it cannot be.
    with pytest.raises(OrderRejected, match="no mark price"):
        await okx.order(BUY, "1", None, type=OrderType.MARKET, mode=ISOLATED)
    # 17 contracts at 60,000, 10x: 17 x 0.01 x 60,000 / 10 = 1,020 > 1,000.
    with pytest.raises(OrderRejected, match=r"Insufficient USDT margin.*51008.*1020.*1000"):
        await okx.order(BUY, "17", "60000", mode=ISOLATED)
    # 16 contracts: 960 <= 1,000; fee 16 x 0.01 x 60,000 x 0.0005 = 4.80.
    await okx.order(BUY, "16", "60000", mode=ISOLATED)
    assert okx.usdt() == (D("995.20"), D(960), D("35.20"))
    # Another contract needs 60, only 35.20 is left.
    with pytest.raises(OrderRejected, match="Insufficient USDT margin"):
        await okx.order(BUY, "1", "60000", mode=ISOLATED)
    # Closing needs no margin and gives the margin back.
    await okx.order(SELL, "16", "59999.9", mode=ISOLATED)
    assert okx.account.frozen("USDT") == 0
    # At mark 62,000 a market buy of 1 contract needs 1 x 0.01 x 62,000 / 10 = 62.
    okx.mark("62000")
    okx.ex.on_book(book([("61999.9", "500")], [("62000", "500")], symbol=SYM))
    await okx.order(BUY, "1", None, type=OrderType.MARKET, mode=ISOLATED)
    assert okx.account.frozen("USDT") == D(62)


async def test_leverage_above_the_instrument_maximum_is_refused() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    okx.ex.on_book(book([("59999.9", "500")], [("60000", "500")], symbol=SYM))
    # BTC-USDT-SWAP's `lever` is 100: 101 and 125 are refused, and so is less than 1x.
    for lever in ("101", "125", "0.5"):
        with pytest.raises(OrderRejected, match=rf"lever error.*{lever} is outside 1..100"):
            await okx.order(BUY, "1", "60000", leverage=lever)
    await okx.order(BUY, "1", "60000", leverage="100")
    # An instrument listing 125x allows exactly that.
    wide = BTC_SWAP.model_copy(update={"maxLeverage": D(125)})
    assert OkxPaperRules().validate(intent_for(wide, "125"), wide, None) is None
    assert "1..125" in (OkxPaperRules().validate(intent_for(wide, "126"), wide, None) or "")
    # The account's leverage setting is checked too.
    await okx.account.set_leverage(SYM, D(150), CROSS)
    with pytest.raises(OrderRejected, match="150 is outside"):
        await okx.order(BUY, "1", "60000", leverage=None)


def intent_for(inst: Instrument, leverage: str) -> OrderIntent:
    return OrderIntent(
        "b1", "okx", inst.symbol, BUY, OrderType.LIMIT, D(1), "x", D(60000), leverage=D(leverage)
    )


async def test_an_open_position_keeps_its_margin_mode() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    await long_1btc(okx, mode=ISOLATED)
    with pytest.raises(OrderRejected, match="position is isolated"):
        await okx.order(BUY, "1", "60000", mode=CROSS)


# -- funding --------------------------------------------------------------------------------------


async def test_funding_long_pays_size_times_mark_times_rate_once_per_funding_time() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    await long_1btc(okx, mode=CROSS)
    before = okx.account.total("USDT")  # 100,000 - 30 fee
    okx.funding("0.0001", T1, T0)
    okx.mark("61234.5", T1 - 1000)  # the last mark before the funding time
    assert okx.rec.funding == []
    okx.mark("61300", T1 + 200)  # the funding time has passed: settle
    # 100 contracts x 0.01 = 1 BTC; 1 x 61,234.5 x 0.0001 = 6.12345 USDT paid by the long.
    [paid] = okx.rec.funding
    assert (paid.amount, paid.position, paid.mark, paid.rate, paid.funding_ts_ms) == (
        D("-6.12345"),
        D(100),
        D("61234.5"),
        D("0.0001"),
        T1,
    )
    assert okx.account.total("USDT") == before - D("6.12345")
    assert okx.account.funding_payments == [paid]
    # The venue rolls to the next period, replays the old one, marks keep coming: no double.
    okx.funding("0.0002", T2, T1 + 60_000)
    okx.funding("0.0001", T1, T1 + 61_000)
    okx.mark("61400", T1 + 62_000)
    assert okx.rec.funding == [paid]
    # The next period settles on its rollover, at the last mark before T2 (61,400):
    # 1 x 61,400 x 0.0002 = 12.28.
    okx.funding("-0.0001", T2 + 8 * 3_600_000, T2 + 30_000)
    assert [p.amount for p in okx.rec.funding] == [D("-6.12345"), D("-12.28")]
    assert okx.account.total("USDT") == before - D("6.12345") - D("12.28")


async def test_funding_short_receives_what_the_long_pays() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    await long_1btc(okx, mode=CROSS, side=SELL)
    before = okx.account.total("USDT")
    okx.funding("0.0001", T1, T0)
    okx.mark("61234.5", T1 - 1000)
    okx.mark("61234.5", T1)
    # -(-1 BTC x 61,234.5 x 0.0001) = +6.12345 received.
    assert [p.amount for p in okx.rec.funding] == [D("6.12345")]
    assert okx.account.total("USDT") == before + D("6.12345")


def test_funding_rounds_what_is_paid_up_and_what_is_received_down_to_1e8() -> None:
    # 1 BTC x 61,234.5 x 0.0000182221218054 = 1.11582251769276630...
    rate = D("0.0000182221218054")
    assert funding_credit(D(1), D("61234.5"), rate) == D("-1.11582252")
    assert funding_credit(D(-1), D("61234.5"), rate) == D("1.11582251")
    assert funding_credit(D(1), D("61234.5"), D("0.0001")) == D("-6.12345")


async def test_isolated_funding_comes_out_of_the_position_margin() -> None:
    okx = Okx(balances={"USDT": D(10000)}, margin_mode=ISOLATED)
    await long_1btc(okx, mode=ISOLATED)
    okx.funding("0.0001", T1, T0)
    okx.mark("61234.5", T1 - 1)
    okx.mark("61234.5", T1)
    # Margin 6,000 - 6.12345 = 5,993.87655, still frozen; the available balance is unchanged.
    assert okx.usdt() == (D("9963.87655"), D("5993.87655"), D(3970))
    state = okx.hooks.margin_state(SYM, okx.account)
    # liqPx = (60,000 - 5,993.87655) / 0.9955.
    assert state is not None and state.liquidation_price == D("54006.12345") / D("0.9955")


async def test_a_flat_account_pays_no_funding_but_the_period_is_spent() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    okx.funding("0.0001", T1, T0)
    okx.mark("61234.5", T1 + 1)
    assert okx.rec.funding == [] and okx.account.total("USDT") == D(100000)


# -- spot and fees --------------------------------------------------------------------------------


async def test_spot_buy_walks_the_book_pays_quote_and_takes_the_fee_in_base() -> None:
    okx = Okx(BTC_SPOT, balances={"USDT": D(100000)})
    okx.ex.on_book(book([("59999.9", "1")], [("60000", "0.3"), ("60000.1", "1")]))
    await okx.order(BUY, "0.5", "60000.1", symbol="BTC-USDT", leverage=None)
    # Fills 0.3 @ 60,000 and 0.2 @ 60,000.1 as taker (0.1 %). Quote paid:
    # 18,000 + 12,000.02 = 30,000.02. OKX takes a buy's fee in the coin bought
    # (§B.7): 0.0003 + 0.0002 BTC, so 0.5 - 0.0005 = 0.4995 BTC arrive.
    assert [(f.price, f.size, f.fee, f.feeCurrency) for f in okx.rec.fills] == [
        (D(60000), D("0.3"), D("0.0003"), "BTC"),
        (D("60000.1"), D("0.2"), D("0.0002"), "BTC"),
    ]
    assert okx.account.total("USDT") == D("69999.98")
    assert okx.account.total("BTC") == D("0.4995")
    assert okx.account.frozen("USDT") == 0
    # A sell pays in the quote received: 0.1 x 59,999.9 x 0.001 = 5.99999 USDT.
    await okx.order(SELL, "0.1", "59999.9", symbol="BTC-USDT", leverage=None)
    assert (okx.rec.fills[-1].fee, okx.rec.fills[-1].feeCurrency) == (D("5.99999"), "USDT")
    assert okx.account.total("USDT") == D("69999.98") + D("5999.99") - D("5.99999")


def test_fees_use_the_instrument_rates_before_the_vip0_defaults() -> None:
    fees = OkxPaperFees()
    # 2 contracts x 0.01 x 103,698.9 x 0.0005 (default taker) = 1.036989.
    quote = fees.fee(BTC_SWAP, BUY, D("103698.9"), D(2), Liquidity.TAKER)
    assert (quote.amount, quote.currency) == (D("1.036989"), "USDT")
    rebate = BTC_SWAP.model_copy(update={"makerFeeRate": D("-0.0001")})
    assert fees.fee(rebate, SELL, D(60000), D(1), Liquidity.MAKER).amount == D("-0.06")


# -- rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inst", "size", "price", "mode", "reason"),
    [
        (BTC_SWAP, "1.005", "60000", None, "multiple of the lot size (51121)"),
        (BTC_SPOT, "0.000005", "60000", None, "minimum order amount (51020)"),
        (BTC_SWAP, "1", "60000.05", None, "Parameter px error (51000)"),
        (BTC_SWAP, "1", None, None, "Parameter px can not be empty (50014)"),
        (BTC_SWAP, "0", "60000", None, "Parameter sz error (51000)"),
        (BTC_SWAP, "1", "60000", MarginMode.CASH, "tdMode error"),
        (BTC_SPOT, "1", "60000", CROSS, "spot margin trading is not simulated"),
        (NO_CTVAL_INVERSE, "1", "60000", None, "has no contract value (ctVal)"),
    ],
)
def test_rules_refuse_what_okx_refuses(
    inst: Instrument, size: str, price: str | None, mode: MarginMode | None, reason: str
) -> None:
    order = OrderIntent(
        "b1",
        "okx",
        inst.symbol,
        BUY,
        OrderType.LIMIT,
        D(size),
        "x",
        D(price) if price is not None else None,
        margin_mode=mode,
    )
    assert reason in (OkxPaperRules().validate(order, inst, None) or "")


async def test_a_crossing_post_only_order_is_accepted_then_cancelled() -> None:
    okx = Okx(balances={"USDT": D(100000)})
    okx.ex.on_book(book([("59999.9", "5")], [("60000", "5")], symbol=SYM))
    placed = await okx.order(BUY, "1", "60000", type=OrderType.POST_ONLY)
    assert placed.status is OrderStatus.CANCELLED
    assert okx.rec.fills == []


def test_market_feeds_are_marks_for_derivatives_and_funding_for_swaps() -> None:
    hooks = OkxPaperHooks()
    assert hooks.market_feeds(BTC_SWAP) == {FeedChannel.MARK, FeedChannel.FUNDING}
    assert hooks.market_feeds(BTC_FUTURE) == {FeedChannel.MARK}
    assert hooks.market_feeds(BTC_SPOT) == frozenset()
    # Inverse swaps are simulated too (tests/unit/engine/adapters/okx/test_paper_inverse.py).
    assert hooks.market_feeds(BTC_USD_SWAP) == {FeedChannel.MARK, FeedChannel.FUNDING}


# -- wiring ---------------------------------------------------------------------------------------


def test_the_okx_adapter_hands_out_a_fresh_paper_kit_per_account() -> None:
    adapter = build_adapter(OkxConfig(default_td_mode="isolated"))
    first, second = paper_kit(adapter), paper_kit(adapter)
    assert isinstance(first.rules, OkxPaperRules) and isinstance(first.fees, OkxPaperFees)
    assert isinstance(first.hooks, OkxPaperHooks) and first.hooks is not second.hooks
    assert first.hooks._default_mode is ISOLATED


class _SwapFeed(FakeFeed):
    async def instrument(self, symbol: str) -> Instrument:
        return BTC_SWAP


class _OkxVenue(FakeVenue):
    """A fake OKX connection whose paper accounts get the real OKX paper kit."""

    def __init__(self) -> None:
        super().__init__(Exchange.OKX)
        self.feed = _SwapFeed(Exchange.OKX)

    def factory(
        self, endpoints: VenueEndpoints, credentials: VenueCredentials | None
    ) -> VenueAdapter:
        return VenueAdapter(self.feed, self.executor, self.account, paper=okx_paper_kit)


async def test_runtime_paper_bot_gets_marks_funding_and_publishes_liquidation() -> None:
    host = RecordingHost()
    host.exchanges = [Exchange.OKX]
    cache = Redis.from_url("redis://127.0.0.1:9/0")  # never contacted
    with registered(_OkxVenue()) as venue:
        rt = EngineRuntime(
            host,
            Settings(),
            cache,
            config=RuntimeConfig(feed_linger_secs=0.05),
            catalog=default_catalog(),
        )
        try:
            cfg = BotConfig.model_validate(
                bot_config("b1", Exchange.OKX, instruments=[SYM], mode="paper")
            )
            runner = rt._runner_for(cfg)
            await runner.start()
            # The paper account needs marks and funding of the swap: subscribed for it.
            assert {(SYM, FeedChannel.MARK), (SYM, FeedChannel.FUNDING)} <= venue.feed.subscribed
            venue.feed.push_book(SYM, "59999.9", "60000", "500")
            order_id = rt.router.submit(
                "b1",
                OrderRequest(
                    instrument=SYM,
                    side=BUY,
                    size=D(100),
                    price=D(60000),
                    leverage=D(10),
                    margin_mode=ISOLATED,
                ),
                source=OrderSource.MANUAL,
            )
            assert order_id is not None, rt.router.last_reject
            await eventually(lambda: host.of_type(EventType.FILL) != [], what="the fill")
            handler = venue.feed.handler
            assert handler is not None
            # Funding through the feed: 1 BTC x 61,234.5 x 0.0001 = 6.12345 paid.
            handler.on_funding(FundingRate("okx", SYM, D("0.0001"), T1, T0))
            handler.on_mark(MarkPrice("okx", SYM, D("61234.5"), T1 - 1))
            handler.on_mark(MarkPrice("okx", SYM, D("61234.5"), T1))
            [balance] = host.of_type(EventType.BALANCE)
            # 100,000 - 30 fee - 6.12345 funding; the margin 6,000 - 6.12345 stays frozen.
            assert (balance["currency"], D(balance["total"]), D(balance["frozen"])) == (
                "USDT",
                D("99963.87655"),
                D("5993.87655"),
            )
            # Liquidation through the feed: published as a breach, an order and a fill.
            handler.on_mark(MarkPrice("okx", SYM, D(54000), T1 + 1))
            [breach] = host.of_type(EventType.RISK_BREACH)
            assert (breach["rule"], breach["botId"]) == ("liquidation", "b1")
            fills = host.of_type(EventType.FILL)
            # Bankruptcy price: 60,000 - 5,993.87655 / 1 = 54,006.12345.
            assert (fills[-1]["side"], D(fills[-1]["price"]), fills[-1]["botId"]) == (
                "sell",
                D("54006.12345"),
                "b1",
            )
            risk_orders = [o for o in host.of_type(EventType.ORDER_UPDATE) if o["source"] == "risk"]
            assert risk_orders[-1]["status"] == "filled"
            assert risk_orders[-1]["reason"] == "liquidation"
            pos = rt.positions.get("b1", "okx", SYM)
            assert pos is not None and pos.quantity == 0
            await runner.stop()
            await asyncio.sleep(0)  # let the lease release it spawned start
        finally:
            await rt.shutdown()
            await cache.aclose()
