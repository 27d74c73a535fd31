"""OKX paper, inverse (coin-margined) contracts: worked PnL, margin, liquidation and funding.

The instruments are OKX's BTC-USD dated futures and BTC-USD-SWAP as §B.4.1
describes them: ctVal 100 USD, settled in BTC, tickSz 0.1, lotSz 1, lever 100.
Money is in BTC. Formulas (PROTOCOLS.md §B.6 contract value, §B.8 margin and
liquidation; OKX help "Calculation of contract's profit and loss"):

* value        = contracts x ctVal / price                       (BTC)
* long PnL     = contracts x ctVal x (1/entry - 1/exit)          (short: sign flipped)
* entry        = (q1 + q2) / (q1/p1 + q2/p2)                     (harmonic mean)
* initial      = value / leverage;  fee = value x rate (rounded up to 1e-8 BTC)
* liqPx long   = Q(1 + m) / (M + Q/E);   short Q(1 - m) / (Q/E - M)   (Q = contracts x ctVal USD)
* bankruptcy   = Q / (M + Q/E) long;     Q / (Q/E - M) short

No BTC-USD tier table is recorded, so tier 1 derives from lever 100:
imr 1/100 = 0.01, mmr 0.4 x imr = 0.004; VIP0 futures/swap taker 0.05 %: m = 0.0045.
Figures leave the engine rounded half-even to 1e-8 (`positions.reported`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from services.engine.adapters.base import OrderRejected
from services.engine.adapters.okx.margin import (
    inverse_bankruptcy_price,
    inverse_funding_credit,
    inverse_liquidation_price,
    is_inverse,
)
from services.engine.adapters.okx.paper import OkxPaperFees, OkxPaperHooks, okx_paper_kit
from services.engine.core.clock import ManualClock
from services.engine.core.positions import INVERSE, reported
from services.engine.core.types import FeedChannel, FundingRate, MarkPrice, OrderIntent
from services.engine.paper.account import PaperAccount
from services.engine.paper.executor import PaperConfig, PaperExecutor
from services.shared.generated.entities import Instrument, Order
from services.shared.generated.enums import (
    Exchange,
    InstrumentKind,
    Liquidity,
    MarginMode,
    OrderSide,
    OrderStatus,
    OrderType,
)
from tests.unit.engine.adapters.okx.test_paper import Listener
from tests.unit.engine.factories import book, instrument

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
CROSS, ISOLATED = MarginMode.CROSS, MarginMode.ISOLATED
T0 = 1_750_000_000_000
T1 = T0 + 8 * 3_600_000
FUT = "BTC-USD-251226"
SWAP = "BTC-USD-SWAP"
Q8 = D("1e-8")


def _inverse(symbol: str, kind: InstrumentKind) -> Instrument:
    return instrument(
        symbol,
        kind=kind,
        base="BTC",
        quote="USD",
        settle="BTC",
        tick="0.1",
        lot="1",
        min_size="1",
        contract_value="100",
        max_leverage="100",
    )


BTC_USD_FUT = _inverse(FUT, InstrumentKind.FUTURES)
BTC_USD_SWAP = _inverse(SWAP, InstrumentKind.SWAP)


class Okx:
    """A paper OKX account holding BTC, with both inverse instruments."""

    def __init__(self, balances: Mapping[str, Decimal], margin_mode: MarginMode = CROSS) -> None:
        kit = okx_paper_kit(margin_mode)
        assert isinstance(kit.hooks, OkxPaperHooks)
        self.hooks = kit.hooks
        self.clock = ManualClock(T0)
        self.account = PaperAccount(Exchange.OKX, balances, clock=self.clock, account_id="p")
        self.ex = PaperExecutor(
            Exchange.OKX,
            {FUT: BTC_USD_FUT, SWAP: BTC_USD_SWAP},
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

    async def trade(
        self,
        side: OrderSide,
        size: str,
        price: str,
        *,
        symbol: str = FUT,
        mode: MarginMode | None = None,
        leverage: str = "10",
    ) -> Order:
        """Put liquidity at `price` and take it with a limit order."""
        levels = [(price, "1000")]
        bids, asks = (levels, []) if side is SELL else ([], levels)
        self.ex.on_book(book(bids, asks, symbol=symbol))
        self._n += 1
        return await self.ex.place(
            OrderIntent(
                bot_id="b1",
                exchange="okx",
                instrument=symbol,
                side=side,
                type=OrderType.LIMIT,
                size=D(size),
                client_order_id=f"c{self._n}",
                price=D(price),
                leverage=D(leverage),
                margin_mode=mode,
            )
        )

    def mark(self, price: str, ts: int = T0, symbol: str = FUT) -> None:
        self.ex.on_mark(MarkPrice("okx", symbol, D(price), ts))

    def btc(self) -> tuple[Decimal, Decimal, Decimal]:
        """(total, frozen, available) BTC."""
        a = self.account
        return a.total("BTC"), a.frozen("BTC"), a.available("BTC")


def test_btc_usd_contracts_are_inverse_and_their_fee_is_in_btc() -> None:
    assert is_inverse(BTC_USD_FUT) and is_inverse(BTC_USD_SWAP)
    # 10 contracts x 100 USD / 60,000 = 0.0166666... BTC; taker 0.05 %: 0.00000833333...
    # rounded up to 1e-8 BTC: 0.00000834.
    fee = OkxPaperFees().fee(BTC_USD_FUT, BUY, D(60000), D(10), Liquidity.TAKER)
    assert (fee.amount, fee.currency) == (D("0.00000834"), "BTC")


async def test_long_10_contracts_value_and_pnl_closing_at_66000_in_btc() -> None:
    okx = Okx({"BTC": D(1)})
    placed = await okx.trade(BUY, "10", "60000", mode=CROSS)
    assert placed.status is OrderStatus.FILLED
    pos = okx.account.position(FUT)
    assert pos is not None and pos.currency == "BTC" and pos.quantity == 10
    # Value: 10 x 100 / 60,000 = 0.01666666... BTC -> 0.01666667 to 1e-8.
    assert pos.notional(D(60000)) == D(1000) / D(60000)
    assert reported(pos.notional(D(60000))) == D("0.01666667")
    # Open fee 0.00000834 BTC (see above); cross freezes nothing.
    assert okx.btc() == (D("0.99999166"), D(0), D("0.99999166"))

    await okx.trade(SELL, "10", "66000")
    # PnL = 10 x 100 x (1/60,000 - 1/66,000) = 1,000 x 6,000 / 3,960,000,000
    #     = 0.00151515151515... BTC -> 0.00151515 to 1e-8.
    realized = pos.realized_pnl
    assert abs(realized - D(1000) * (1 / D(60000) - 1 / D(66000))) < D("1e-24")
    assert reported(realized) == D("0.00151515")
    # Close fee: 1,000 / 66,000 x 0.0005 = 0.00000757575... -> 0.00000758.
    assert okx.rec.fills[-1].fee == D("0.00000758")
    # Balance: 1 - 0.00000834 + 0.00151515151515... - 0.00000758 = 1.00149923151515...
    assert okx.account.total("BTC").quantize(Q8) == D("1.00149923")
    assert pos.is_flat


async def test_harmonic_mean_entry_after_two_fills() -> None:
    okx = Okx({"BTC": D(1)})
    await okx.trade(BUY, "10", "60000", mode=CROSS)
    await okx.trade(BUY, "5", "50000")
    pos = okx.account.position(FUT)
    assert pos is not None and pos.quantity == 15
    # (10 + 5) / (10/60,000 + 5/50,000) = 15 / 0.000266666... = 56,250 (the arithmetic
    # mean would be 56,666.67); 28-digit division leaves 56,249.999...9, reported 56,250.
    assert abs(pos.avg_price - D(56250)) < D("1e-20")
    assert reported(pos.avg_price) == D(56250)
    # Closing all 15 at 56,250 realizes nothing (up to the 28-digit ratios).
    assert reported(pos.unrealized_pnl(D(56250))) == 0


async def test_isolated_10x_long_margin_and_liquidation_price_to_the_cent() -> None:
    okx = Okx({"BTC": D(1)}, margin_mode=ISOLATED)
    await okx.trade(BUY, "10", "60000", mode=ISOLATED)
    # Initial margin = 10 x 100 / 60,000 / 10 = 0.00166666... BTC, frozen for the position.
    m_btc = D(1000) / D(60000) / D(10)
    assert okx.btc()[1] == m_btc
    state = okx.hooks.margin_state(FUT, okx.account)
    assert state is not None
    assert (state.mode, state.leverage, state.margin) == (ISOLATED, D(10), m_btc)
    assert (state.mmr, state.taker_rate) == (D("0.004"), D("0.0005"))
    assert reported(state.initial_margin) == D("0.00166667")
    # Maintenance: value x mmr = 0.0166666... x 0.004 = 0.0000666666... BTC.
    assert reported(state.maintenance_margin) == D("0.00006667")
    # §B.8 inverse long: liqPx = Q(1 + m) / (M + Q/E), Q = 1,000 USD, E = 60,000,
    # M = Q / (E x 10): = E(1 + m) / 1.1 = 60,000 x 1.0045 / 1.1 = 54,790.909090... -> 54,790.91.
    assert state.liquidation_price is not None
    assert state.liquidation_price.quantize(D("0.01")) == D("54790.91")
    # Bankruptcy (M + upl = 0): Q / (M + Q/E) = 60,000 / 1.1 = 54,545.4545...
    assert state.bankruptcy_price is not None
    assert state.bankruptcy_price.quantize(D("0.01")) == D("54545.45")
    # The position reports the first tick (0.1) at which it liquidates: 54,790.9.
    pos = okx.account.position(FUT)
    assert pos is not None and (pos.leverage, pos.liquidation_price) == (D(10), D("54790.9"))


async def test_isolated_long_is_liquidated_at_the_bankruptcy_price_when_the_mark_crosses() -> None:
    okx = Okx({"BTC": D(1)}, margin_mode=ISOLATED)
    await okx.trade(BUY, "10", "60000", mode=ISOLATED)
    # Mark 54,791.0 (above 54,790.909): upl = 1,000 x (1/60,000 - 1/54,791) = -0.00158446...
    # mgnRatio = (0.00166667 - 0.00158446) / (1,000 / 54,791 x 0.0045) = 1.0001 > 1.
    okx.mark("54791.0")
    state = okx.hooks.margin_state(FUT, okx.account)
    assert state is not None and state.margin_ratio is not None and state.margin_ratio > 1
    assert okx.rec.liquidations == []
    # Mark 54,790.9 (below): ratio < 1, closed at the bankruptcy price 54,545.4545...
    # rounded half-even to 1e-8: 54,545.45454545, with no extra fee.
    okx.mark("54790.9", T0 + 1)
    liq = okx.rec.fills[-1]
    assert (liq.side, liq.size, liq.price, liq.fee) == (SELL, D(10), D("54545.45454545"), D(0))
    assert okx.account.position_quantity(FUT) == 0
    # Realized 1,000 x (1/60,000 - 1/54,545.45454545) = -0.00166666666666819... BTC, the
    # margin (0.00166666...) up to the 1e-8 price rounding: -0.00166667 reported.
    [event] = okx.rec.liquidations
    assert reported(event.realized_pnl) == D("-0.00166667")
    assert event.margin_ratio is not None and event.margin_ratio <= 1
    # Balance: 1 - 0.00000834 (fee) - 0.00166666666666819 = 0.99832499333... ; nothing frozen.
    total, frozen, _ = okx.btc()
    assert (total.quantize(Q8), frozen) == (D("0.99832499"), D(0))


async def test_isolated_10x_short_liquidation_and_bankruptcy_prices() -> None:
    okx = Okx({"BTC": D(1)}, margin_mode=ISOLATED)
    await okx.trade(SELL, "10", "60000", mode=ISOLATED)
    state = okx.hooks.margin_state(FUT, okx.account)
    assert state is not None and state.liquidation_price is not None
    # §B.8 inverse short: Q(1 - m) / (Q/E - M) = E(1 - m) / 0.9 = 60,000 x 0.9955 / 0.9
    #                    = 66,366.666... -> 66,366.67; the position reports the tick above.
    assert state.liquidation_price.quantize(D("0.01")) == D("66366.67")
    # Bankruptcy Q / (Q/E - M) = 60,000 / 0.9 = 66,666.666...
    assert state.bankruptcy_price is not None
    assert state.bankruptcy_price.quantize(D("0.01")) == D("66666.67")
    pos = okx.account.position(FUT)
    assert pos is not None and pos.liquidation_price == D("66366.7")
    okx.mark("66366.6")
    assert okx.account.position_quantity(FUT) == -10
    okx.mark("66366.7", T0 + 1)
    assert (okx.rec.fills[-1].side, okx.rec.fills[-1].price) == (BUY, D("66666.66666667"))
    assert okx.account.position_quantity(FUT) == 0


def test_inverse_price_formulas_edge_cases() -> None:
    # A 1x short has M = Q/E: never liquidated nor bankrupt (the coin covers any rise).
    q, e = D(1000), D(60000)
    assert inverse_liquidation_price(-q, e, q / e, D("0.0045")) is None
    assert inverse_bankruptcy_price(-q, e, q / e) is None
    assert inverse_liquidation_price(D(0), e, D(1), D("0.0045")) is None
    # 1x long: Q(1 + m) / (2Q/E) = E(1 + m) / 2 = 30,135.
    liq = inverse_liquidation_price(q, e, q / e, D("0.0045"))
    assert liq is not None and reported(liq) == D(30135)


async def test_inverse_margin_needs_coin_and_is_refused_without_it() -> None:
    okx = Okx({"BTC": D("0.001")}, margin_mode=ISOLATED)
    # 10 contracts at 60,000, 10x: 0.00166666... BTC of margin > 0.001 available.
    with pytest.raises(OrderRejected, match="Insufficient BTC margin"):
        await okx.trade(BUY, "10", "60000", mode=ISOLATED)
    assert okx.rec.fills == [] and okx.btc() == (D("0.001"), D(0), D("0.001"))


async def test_inverse_swap_funding_is_paid_in_btc_at_value_over_mark() -> None:
    okx = Okx({"BTC": D(1)})
    assert okx.hooks.market_feeds(BTC_USD_SWAP) == {FeedChannel.MARK, FeedChannel.FUNDING}
    assert okx.hooks.market_feeds(BTC_USD_FUT) == {FeedChannel.MARK}
    await okx.trade(BUY, "10", "60000", symbol=SWAP, mode=CROSS)
    before = okx.account.total("BTC")
    okx.ex.on_funding(FundingRate("okx", SWAP, D("0.0001"), T1, T0))
    okx.mark("60000", T1 - 1000, symbol=SWAP)
    okx.mark("60100", T1 + 200, symbol=SWAP)
    # fee = 10 x 100 / 60,000 x 0.0001 = 0.0000016666... BTC, paid by the long,
    # rounded away from the payer's favour: -0.00000167.
    [paid] = okx.rec.funding
    assert (paid.amount, paid.currency, paid.mark) == (D("-0.00000167"), "BTC", D(60000))
    assert okx.account.total("BTC") == before - D("0.00000167")
    # A short receives it rounded down: +0.00000166.
    assert inverse_funding_credit(D(-1000), D(60000), D("0.0001")) == D("0.00000166")


def test_inverse_contract_math_is_what_positions_use() -> None:
    okx = Okx({"BTC": D(1)})
    pos = okx.account.position_book.open_position(None, BTC_USD_FUT)
    assert pos.math is INVERSE and pos.multiplier == D(100)
