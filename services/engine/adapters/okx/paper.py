"""OKX paper venue: order rules, fees, margin, funding and liquidation (PROTOCOLS.md §B.6-§B.8).

`okx_paper_kit()` gives a paper account OKX's behaviour; the runtime gets it
through `VenueAdapter.paper` (never by importing this module).

Account model: OKX "futures mode", one currency, net positions. Spot trades
in cash (`tdMode` cash) against the book; swaps and futures trade in contracts
(size x ctVal of the underlying) with `cross` or `isolated` margin:

* Initial margin on order: contracts opened x ctVal x price / leverage must be
  covered by the settle currency's available equity (balance not frozen, plus
  cross upl, minus cross initial margin); else 51008 "Insufficient margin".
  The price is the order's, or the last mark for market orders.
* Isolated: the initial margin at each opening fill's price is moved out of
  the available balance (frozen) into the position; closing releases it pro
  rata. Cross: positions share the currency's equity.
* Maintenance margin: |contracts| x ctVal x mark x mmr of the tier the whole
  position falls in (`constants.POSITION_TIERS`).
* Every mark re-prices the position (mark-based unrealized PnL), settles any
  funding that fell due, and checks the margin ratio (`margin.py`); at
  mgnRatio <= 1 the position is liquidated: closed at its bankruptcy price,
  with no further fee (the whole isolated margin, or the equity available to
  a cross position, is what it loses; OKX's liquidation fee is inside that).
* Funding (swaps): the rate of `fundingTime` settles when the venue rolls to
  the next period or a mark at or after `fundingTime` arrives, whichever is
  first, once per funding time: position x ctVal x the last mark before
  `fundingTime` x rate, rounded per `margin.funding_credit`. Cross funding
  moves the balance; isolated funding moves the position's margin (OKX since
  July 2024).

Inverse (coin-margined) contracts, e.g. the dated BTC-USD futures and
BTC-USD-SWAP (ctVal 100 USD, settled in BTC; `positions.is_inverse`), use the
same model with the inverse arithmetic of `positions.InverseContractMath` and
`margin.py`: value = contracts x ctVal / price in the coin, so initial margin
contracts x ctVal / price / leverage, maintenance value x mmr, fees value x
rate, funding (swaps only) value at the mark x rate, all in the settle coin;
liquidation and bankruptcy prices per the §B.8 inverse formulas. An inverse
instrument without a contract value is refused (its USD face is unknown).

Not simulated (orders refused or documented): spot margin; long/short
position mode; margin reserved for resting derivative orders (checked at
placement only); partial (tier by tier) liquidation; futures delivery.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from services.engine.adapters.okx import constants as c
from services.engine.adapters.okx.margin import (
    Tiers,
    funding_credit,
    inverse_bankruptcy_price,
    inverse_funding_credit,
    inverse_liquidation_price,
    inverse_margin_ratio,
    is_inverse,
    linear_bankruptcy_price,
    linear_liquidation_price,
    linear_margin_ratio,
    max_leverage,
    tier_for,
    tiers_for,
)
from services.engine.core.book import L2Book
from services.engine.core.positions import (
    DERIVATIVE_KINDS,
    PositionState,
    contract_math_for,
    contract_multiplier,
    pnl_currency,
)
from services.engine.core.types import FeedChannel, FundingRate, MarkPrice, OrderIntent
from services.engine.paper.account import PaperAccount
from services.engine.paper.fees import FeeQuote
from services.engine.paper.hooks import FundingPayment, Liquidation, PaperVenueKit
from services.engine.paper.rules import on_grid
from services.shared.generated.entities import Fill, Instrument
from services.shared.generated.enums import (
    InstrumentKind,
    Liquidity,
    MarginMode,
    OrderSide,
    OrderType,
)

_ZERO = Decimal(0)
_ONE = Decimal(1)
# Inverse fees and the inverse liquidation fill price are rounded to this (1e-8 of the coin
# resp. of the price): the ratios they come from do not terminate.
INVERSE_FEE_QUANTUM = Decimal("1E-8")
# Leverage and margin mode remembered per accepted order (for its fills), at most this many.
_ORDER_TERMS_MAX = 10_000


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def fee_rates(instrument: Instrument) -> tuple[Decimal, Decimal]:
    """(maker, taker) rates: the instrument's, else OKX's VIP0 defaults for its kind."""
    maker, taker = c.PAPER_FEE_RATES.get(instrument.kind, (_ZERO, _ZERO))
    return (
        instrument.makerFeeRate if instrument.makerFeeRate is not None else maker,
        instrument.takerFeeRate if instrument.takerFeeRate is not None else taker,
    )


class OkxPaperFees:
    """OKX fees: charged in the currency received, exact (PROTOCOLS.md §B.7, §B.4.4-5).

    A spot buy pays its fee in the base currency (size x rate: the BTC bought
    arrives less the fee); a spot sell and every derivative fill pay in the
    quote/settle currency: the fill's value x rate, i.e. price x size x ctVal x
    rate for linear contracts and size x ctVal / price x rate (in the coin) for
    inverse ones. OKX reports linear fees unrounded (e.g. fee "-0.021776769"),
    so no rounding there. An inverse fee is a ratio (e.g. 1,000 USD / 60,000 x
    0.0005 = 0.0000083333... BTC): it is rounded to 1e-8 of the coin towards
    the venue (`INVERSE_FEE_QUANTUM`, ceiling: a charge rounds up, a rebate
    down), as funding is.
    """

    def fee(
        self,
        instrument: Instrument,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        liquidity: Liquidity,
    ) -> FeeQuote:
        """Return the fee of one fill (positive = paid)."""
        maker, taker = fee_rates(instrument)
        rate = maker if liquidity is Liquidity.MAKER else taker
        if instrument.kind is InstrumentKind.SPOT and side is OrderSide.BUY:
            return FeeQuote(size * rate, instrument.base.upper())
        notional = _value(instrument, size, price)
        fee = notional * rate
        if is_inverse(instrument):
            fee = fee.quantize(INVERSE_FEE_QUANTUM, rounding=ROUND_CEILING)
        return FeeQuote(fee, pnl_currency(instrument))


class OkxPaperRules:
    """OKX's order checks (PROTOCOLS.md §B.3 codes, §B.6 granularity and modes).

    `sz` (contracts for SWAP/FUTURES, base for SPOT) on the `lotSz` grid and at
    least `minSz`; `px` on the `tickSz` grid; leverage within 1..the
    instrument's maximum; cash mode for spot, cross/isolated for derivatives.
    Post-only orders that would take are not refused here: OKX accepts and
    then cancels them (§B.6), which the paper executor does on arrival.
    Reduce-only is checked by the executor against the position.
    """

    def __init__(self, tiers: Tiers = c.POSITION_TIERS) -> None:
        self._tiers = tiers

    def validate(
        self, intent: OrderIntent, instrument: Instrument, book: L2Book | None
    ) -> str | None:
        """Return OKX's reason to refuse the order, or None."""
        size = intent.size
        if size <= 0:
            return f"Parameter sz error (51000): sz {_fmt(size)} must be positive"
        if not on_grid(size, instrument.lotSize):
            return (
                f"Order quantity must be a multiple of the lot size (51121): "
                f"sz {_fmt(size)}, lotSz {_fmt(instrument.lotSize)}"
            )
        if size < instrument.minSize:
            return (
                f"order should meet or exceed the minimum order amount (51020): "
                f"sz {_fmt(size)}, minSz {_fmt(instrument.minSize)}"
            )
        if intent.type is not OrderType.MARKET:
            price = intent.price
            if price is None:
                return "Parameter px can not be empty (50014)"
            if price <= 0 or not on_grid(price, instrument.tickSize):
                return (
                    f"Parameter px error (51000): px {_fmt(price)} is not a positive "
                    f"multiple of tickSz {_fmt(instrument.tickSize)}"
                )
        if instrument.kind not in DERIVATIVE_KINDS:
            if intent.margin_mode in (MarginMode.CROSS, MarginMode.ISOLATED):
                return f"spot margin trading is not simulated in paper: {instrument.symbol}"
            return None
        refusal = unsupported(instrument)
        if refusal is not None:
            return refusal
        if intent.margin_mode is MarginMode.CASH:
            return "Parameter tdMode error (51000): derivatives trade cross or isolated"
        if intent.leverage is not None:
            return leverage_refusal(intent.leverage, instrument, self._tiers)
        return None


def unsupported(instrument: Instrument) -> str | None:
    """Why a derivative cannot be simulated in paper, or None.

    An inverse contract needs its face value (ctVal, in the quote currency):
    without it neither its value in the coin nor its margin is known.
    """
    if is_inverse(instrument) and not instrument.contractValue:
        return (
            f"inverse (coin-margined) contract {instrument.symbol} has no contract value "
            f"(ctVal): its coin value cannot be simulated in paper"
        )
    return None


def leverage_refusal(leverage: Decimal, instrument: Instrument, tiers: Tiers) -> str | None:
    """Why `leverage` is not allowed on `instrument`, or None."""
    highest = max_leverage(instrument, tiers)
    if c.MIN_LEVERAGE <= leverage <= highest:
        return None
    return (
        f"Parameter lever error (51000): leverage {_fmt(leverage)} is outside "
        f"{_fmt(c.MIN_LEVERAGE)}..{_fmt(highest)} for {instrument.symbol}"
    )


@dataclass(frozen=True, slots=True)
class MarginState:
    """Margin figures of one derivative position at its mark (settle currency)."""

    instrument: str
    mode: MarginMode
    leverage: Decimal
    contracts: Decimal
    entry: Decimal
    mark: Decimal
    # Isolated: the position's margin; cross: the equity available to it
    # (currency equity less the other cross positions' maintenance + fees).
    margin: Decimal
    initial_margin: Decimal
    maintenance_margin: Decimal
    mmr: Decimal
    taker_rate: Decimal
    unrealized_pnl: Decimal
    # Isolated: the position's; cross: the currency's (OKX's mgnRatio).
    margin_ratio: Decimal | None
    liquidation_price: Decimal | None
    bankruptcy_price: Decimal | None


@dataclass(slots=True)
class _Margin:
    mode: MarginMode
    leverage: Decimal
    # Isolated margin held by the position (frozen in the settle currency).
    margin: Decimal = _ZERO


@dataclass(slots=True)
class _PendingFunding:
    rate: Decimal
    funding_ts_ms: int
    # Last mark seen before the funding time (the one the payment uses).
    mark: Decimal | None


class OkxPaperHooks:
    """OKX margin, funding and liquidation for one paper account (see the module docstring)."""

    def __init__(
        self,
        *,
        default_margin_mode: MarginMode = MarginMode.CROSS,
        default_leverage: Decimal = c.PAPER_DEFAULT_LEVERAGE,
        tiers: Tiers = c.POSITION_TIERS,
    ) -> None:
        if default_margin_mode is MarginMode.CASH:
            raise ValueError("derivatives default to cross or isolated margin")
        self._default_mode = default_margin_mode
        self._default_leverage = default_leverage
        self._tiers = tiers
        self._instruments: dict[str, Instrument] = {}
        self._margins: dict[str, _Margin] = {}
        self._order_terms: dict[str, tuple[Decimal, MarginMode]] = {}
        self._marks: dict[str, tuple[Decimal, int]] = {}
        self._pending: dict[str, _PendingFunding] = {}
        self._last_funded: dict[str, int] = {}

    # -- PaperVenueHooks --------------------------------------------------------
    def market_feeds(self, instrument: Instrument) -> frozenset[FeedChannel]:
        """Marks for every derivative (linear or inverse); funding too for swaps."""
        if instrument.kind not in DERIVATIVE_KINDS:
            return frozenset()
        if instrument.kind is InstrumentKind.SWAP:
            return frozenset({FeedChannel.MARK, FeedChannel.FUNDING})
        return frozenset({FeedChannel.MARK})

    def check_order(
        self, intent: OrderIntent, instrument: Instrument, account: PaperAccount
    ) -> str | None:
        """Leverage, margin mode and initial margin of the part of the order that opens."""
        symbol = instrument.symbol
        self._instruments[symbol] = instrument
        if instrument.kind not in DERIVATIVE_KINDS:
            return None
        refusal = unsupported(instrument)
        if refusal is not None:
            return refusal
        leverage, mode = self._terms(intent, account)
        if mode is MarginMode.CASH:
            return "Parameter tdMode error (51000): derivatives trade cross or isolated"
        refusal = leverage_refusal(leverage, instrument, self._tiers)
        if refusal is not None:
            return refusal
        held = account.position_quantity(symbol)
        state = self._margins.get(symbol)
        if held != 0 and state is not None and state.mode is not mode:
            return (
                f"Parameter tdMode error (51000): the {symbol} position is "
                f"{state.mode.value}; trade it {state.mode.value} or close it first"
            )
        signed = intent.size if intent.side is OrderSide.BUY else -intent.size
        opening = _opening(held, signed)
        if intent.reduce_only or opening == 0:
            self._remember(intent.client_order_id, leverage, mode)
            return None
        tier = tier_for(tiers_for(instrument, self._tiers), held + signed)
        if tier.tier > 1 and leverage > tier.max_leverage:
            return (
                f"Order failed. Leverage {_fmt(leverage)} exceeds {_fmt(tier.max_leverage)}, "
                f"the maximum of tier {tier.tier} for {_fmt(abs(held + signed))} contracts"
            )
        price = intent.price if intent.price is not None else self._mark(symbol, account)
        if price is None:
            return f"no mark price of {symbol} yet to margin a market order"
        # Linear: contracts x ctVal x px / lever; inverse: contracts x ctVal / px / lever (coin).
        initial = _value(instrument, opening, price) / leverage
        ccy = pnl_currency(instrument)
        available = self.available_equity(ccy, account)
        if initial > available:
            return (
                f"Order failed. Insufficient {ccy} margin in account (51008): "
                f"initial margin {_fmt(initial)}, available {_fmt(available)}"
            )
        self._remember(intent.client_order_id, leverage, mode)
        return None

    def on_fill(self, fill: Fill, instrument: Instrument, account: PaperAccount) -> None:
        """Move isolated margin with the position: post it on opening, release it on closing."""
        symbol = instrument.symbol
        self._instruments[symbol] = instrument
        pos = account.position(symbol)
        if instrument.kind not in DERIVATIVE_KINDS or pos is None:
            return
        ccy = pnl_currency(instrument)
        signed = fill.size if fill.side is OrderSide.BUY else -fill.size
        after = pos.quantity
        before = after - signed
        state = self._margins.get(symbol)
        opened = _opening(before, signed)
        closed = fill.size - opened
        if state is not None and closed > 0 and state.margin > 0:
            whole = after == 0 or opened > 0
            share = state.margin if whole else state.margin * closed / abs(before)
            account.release(ccy, share)
            state.margin -= share
        if after == 0:
            self._margins.pop(symbol, None)
            pos.liquidation_price = None
            return
        if opened > 0:
            leverage, mode = self._order_terms.get(fill.orderId) or self._defaults(symbol, account)
            if state is None or closed > 0:
                state = _Margin(mode, leverage)
                self._margins[symbol] = state
            state.leverage = leverage
            if state.mode is MarginMode.ISOLATED:
                wanted = _value(instrument, opened, fill.price) / leverage
                # Never overdraw: a shortfall leaves the position with less margin.
                posted = min(wanted, max(_ZERO, account.available(ccy)))
                account.freeze(ccy, posted)
                state.margin += posted
        self._refresh(symbol, instrument, account)

    def on_funding(
        self, funding: FundingRate, instrument: Instrument, account: PaperAccount
    ) -> None:
        """Remember the rate of the coming funding time; settle the previous one once."""
        if instrument.kind is not InstrumentKind.SWAP:
            return
        symbol = instrument.symbol
        self._instruments[symbol] = instrument
        pending = self._pending.get(symbol)
        if pending is not None and funding.next_funding_ts_ms > pending.funding_ts_ms:
            # The venue moved on to the next period: the pending one has settled.
            self._settle_funding(symbol, instrument, account, funding.ts_ms)
            pending = None
        due = funding.next_funding_ts_ms
        if due <= self._last_funded.get(symbol, -1):
            return  # a replay of a period already paid
        if pending is not None:
            if pending.funding_ts_ms == due:
                pending.rate = funding.rate
            return  # same period (latest rate kept), or a stale message of an earlier one
        mark = self._marks.get(symbol)
        self._pending[symbol] = _PendingFunding(
            funding.rate, due, mark[0] if mark is not None and mark[1] < due else None
        )

    def on_mark(
        self, mark: MarkPrice, instrument: Instrument, account: PaperAccount
    ) -> bool | Liquidation:
        """Re-price the position, settle due funding, liquidate at mgnRatio <= 1."""
        symbol = instrument.symbol
        self._instruments[symbol] = instrument
        pending = self._pending.get(symbol)
        if pending is not None:
            if mark.ts_ms >= pending.funding_ts_ms:
                self._settle_funding(symbol, instrument, account, mark.ts_ms)
            else:
                pending.mark = mark.mark
        self._marks[symbol] = (mark.mark, mark.ts_ms)
        pos = account.position(symbol)
        if pos is None:
            return False
        pos.mark_price = mark.mark
        if pos.is_flat or instrument.kind not in DERIVATIVE_KINDS:
            return False
        state = self.margin_state(symbol, account)
        if state is None:
            return False
        pos.liquidation_price = _on_tick(state.liquidation_price, instrument, pos.quantity > 0)
        ratio = state.margin_ratio
        if ratio is None or ratio > 1:
            return False
        price = state.bankruptcy_price if state.margin > 0 else None
        if price is not None and is_inverse(instrument):
            # Inverse bankruptcy prices are ratios (e.g. 60,000 / 1.1): fill at 1e-8.
            price = price.quantize(INVERSE_FEE_QUANTUM, rounding=ROUND_HALF_EVEN)
        return Liquidation(
            price=price if price is not None else mark.mark,
            fee=_ZERO,
            margin_ratio=ratio,
            detail=(
                f"{state.mode.value} margin ratio {_fmt(ratio.quantize(Decimal('1E-6')))} <= 1 "
                f"at mark {_fmt(mark.mark)} (margin {_fmt(state.margin)}, "
                f"mmr {_fmt(state.mmr)} + taker {_fmt(state.taker_rate)})"
            ),
        )

    def on_settlement(self, instrument: Instrument, price: Decimal, account: PaperAccount) -> None:
        """Futures delivery is not simulated: the position stays as it is."""

    # -- reads ------------------------------------------------------------------
    def available_equity(self, currency: str, account: PaperAccount) -> Decimal:
        """What new positions may margin: free balance + cross upl - cross initial margin."""
        available = account.available(currency)
        for pos, _, state in self._cross_positions(currency, account):
            mark = pos.mark_price or pos.avg_price
            available += pos.unrealized_pnl() - pos.notional(mark) / state.leverage
        return available

    def margin_state(self, instrument: str, account: PaperAccount) -> MarginState | None:
        """Margin, maintenance, ratio, liquidation and bankruptcy prices of a position."""
        inst = self._instruments.get(instrument)
        pos = account.position(instrument)
        if inst is None or pos is None or pos.is_flat:
            return None
        state = self._margins.get(instrument)
        if state is None:
            leverage, mode = self._defaults(instrument, account)
            state = _Margin(mode, leverage)
        mark = pos.mark_price or pos.avg_price
        # Signed Q: underlying units (linear) or quote units, e.g. USD (inverse).
        quantity = pos.quantity * pos.multiplier
        inverse = is_inverse(inst)
        mmr, taker = self._rates(inst, pos)
        m = mmr + taker
        upl = pos.unrealized_pnl(mark)
        value = pos.notional(mark)
        if state.mode is MarginMode.ISOLATED:
            margin = state.margin
            margin_ratio = inverse_margin_ratio if inverse else linear_margin_ratio
            ratio = margin_ratio(margin, upl, quantity, mark, m)
        else:
            ccy = pnl_currency(inst)
            equity = account.available(ccy)
            requirement = _ZERO
            others = _ZERO
            for other, other_inst, _ in self._cross_positions(ccy, account):
                other_mmr, other_taker = self._rates(other_inst, other)
                need = other.notional() * (other_mmr + other_taker)
                equity += other.unrealized_pnl()
                requirement += need
                if other is not pos:
                    others += need
            margin = equity - upl - others
            ratio = equity / requirement if requirement else None
        return MarginState(
            instrument=instrument,
            mode=state.mode,
            leverage=state.leverage,
            contracts=pos.quantity,
            entry=pos.avg_price,
            mark=mark,
            margin=margin,
            initial_margin=value / state.leverage,
            maintenance_margin=value * mmr,
            mmr=mmr,
            taker_rate=taker,
            unrealized_pnl=upl,
            margin_ratio=ratio,
            liquidation_price=(inverse_liquidation_price if inverse else linear_liquidation_price)(
                quantity, pos.avg_price, margin, m
            ),
            bankruptcy_price=(inverse_bankruptcy_price if inverse else linear_bankruptcy_price)(
                quantity, pos.avg_price, margin
            ),
        )

    # -- internals --------------------------------------------------------------
    def _terms(self, intent: OrderIntent, account: PaperAccount) -> tuple[Decimal, MarginMode]:
        """Leverage and margin mode: the order's, else `_defaults`."""
        leverage, mode = self._defaults(intent.instrument, account)
        return (
            intent.leverage if intent.leverage is not None else leverage,
            intent.margin_mode if intent.margin_mode is not None else mode,
        )

    def _defaults(self, symbol: str, account: PaperAccount) -> tuple[Decimal, MarginMode]:
        """The account's leverage setting, else the open position's terms, else the defaults."""
        setting = account.leverage(symbol)
        if setting is not None and setting[1] is not MarginMode.CASH:
            return setting
        state = self._margins.get(symbol)
        if state is not None:
            return state.leverage, state.mode
        return self._default_leverage, self._default_mode

    def _remember(self, order_id: str, leverage: Decimal, mode: MarginMode) -> None:
        terms = self._order_terms
        terms[order_id] = (leverage, mode)
        if len(terms) > _ORDER_TERMS_MAX:
            del terms[next(iter(terms))]

    def _mark(self, symbol: str, account: PaperAccount) -> Decimal | None:
        mark = self._marks.get(symbol)
        if mark is not None:
            return mark[0]
        pos = account.position(symbol)
        return pos.mark_price if pos is not None else None

    def _rates(self, instrument: Instrument, pos: PositionState) -> tuple[Decimal, Decimal]:
        """(mmr of the position's tier, taker fee rate)."""
        tier = tier_for(tiers_for(instrument, self._tiers), pos.quantity)
        return tier.mmr, fee_rates(instrument)[1]

    def _cross_positions(
        self, currency: str, account: PaperAccount
    ) -> Iterator[tuple[PositionState, Instrument, _Margin]]:
        for symbol, state in self._margins.items():
            inst = self._instruments.get(symbol)
            pos = account.position(symbol)
            if (
                state.mode is MarginMode.CROSS
                and inst is not None
                and pos is not None
                and not pos.is_flat
                and pos.currency == currency.upper()
            ):
                yield pos, inst, state

    def _refresh(self, symbol: str, instrument: Instrument, account: PaperAccount) -> None:
        pos = account.position(symbol)
        state = self.margin_state(symbol, account)
        if pos is None or state is None:
            return
        pos.leverage = state.leverage
        pos.liquidation_price = _on_tick(state.liquidation_price, instrument, pos.quantity > 0)

    def _settle_funding(
        self, symbol: str, instrument: Instrument, account: PaperAccount, now_ms: int
    ) -> None:
        pending = self._pending.pop(symbol, None)
        if pending is None or pending.funding_ts_ms <= self._last_funded.get(symbol, -1):
            return
        self._last_funded[symbol] = pending.funding_ts_ms
        pos = account.position(symbol)
        if pos is None or pos.is_flat:
            return  # nothing held at the funding time: nothing paid or received
        mark = pending.mark if pending.mark is not None else self._mark(symbol, account)
        if mark is None:
            mark = pos.avg_price
        ccy = pnl_currency(instrument)
        # Linear: -(Q x mark x rate); inverse: -(Q / mark x rate) in the coin (§B.8 "Funding").
        credit = inverse_funding_credit if is_inverse(instrument) else funding_credit
        amount = credit(pos.quantity * pos.multiplier, mark, pending.rate)
        account.apply_funding(
            FundingPayment(
                exchange=str(account.exchange),
                account_id=account.account_id,
                instrument=symbol,
                currency=ccy,
                position=pos.quantity,
                mark=mark,
                rate=pending.rate,
                amount=amount,
                funding_ts_ms=pending.funding_ts_ms,
                ts_ms=now_ms,
            )
        )
        state = self._margins.get(symbol)
        if state is not None and state.mode is MarginMode.ISOLATED:
            # Isolated funding is taken from (or added to) the position's margin.
            if amount < 0:
                taken = min(-amount, state.margin)
                account.release(ccy, taken)
                state.margin -= taken
            elif amount > 0:
                added = min(amount, max(_ZERO, account.available(ccy)))
                account.freeze(ccy, added)
                state.margin += added
        self._refresh(symbol, instrument, account)


def _value(instrument: Instrument, contracts: Decimal, price: Decimal) -> Decimal:
    """Value of |`contracts`| at `price` in the settle currency (linear or inverse)."""
    return contract_math_for(instrument).notional(
        abs(contracts), price, contract_multiplier(instrument)
    )


def _opening(held: Decimal, signed: Decimal) -> Decimal:
    """Contracts of a signed trade that open or add to a position of `held`."""
    if held == 0 or (held > 0) == (signed > 0):
        return abs(signed)
    return max(_ZERO, abs(signed) - abs(held))


def _on_tick(price: Decimal | None, instrument: Instrument, long: bool) -> Decimal | None:
    """The first tick at which the position liquidates: down for longs, up for shorts."""
    if price is None:
        return None
    tick = instrument.tickSize
    if tick <= 0:
        return price
    rounding = ROUND_FLOOR if long else ROUND_CEILING
    return (price / tick).to_integral_value(rounding) * tick


def okx_paper_kit(default_margin_mode: MarginMode = MarginMode.CROSS) -> PaperVenueKit:
    """A fresh OKX kit (rules, hooks with their own state, fees) for one paper account."""
    return PaperVenueKit(
        rules=OkxPaperRules(),
        hooks=OkxPaperHooks(default_margin_mode=default_margin_mode),
        fees=OkxPaperFees(),
    )
