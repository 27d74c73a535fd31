"""Positions and PnL from fills: average cost, one position per (bot, venue, instrument).

Quantities are signed (long > 0). Realized PnL is gross of fees; fees are kept
beside it (positive = paid, negative = rebate) so `net_realized` is what the
account actually made. The contract arithmetic (notional, PnL, average entry)
sits behind `ContractMath`, with the instrument's `contractValue` as
multiplier for swaps and futures:

* `LinearMath`: value = size x multiplier x price (quote/settle currency).
* `InverseContractMath` (coin-margined contracts, e.g. OKX BTC-USD-SWAP with
  ctVal 100 USD): value = size x multiplier / price in the base coin; PnL of a
  long = size x multiplier x (1/entry - 1/exit); the entry after adding is the
  harmonic mean (q1 + q2) / (q1/p1 + q2/p2). OKX help "Calculation of
  contract's profit and loss"; PROTOCOLS.md §B.6, §B.8.

`contract_math_for` picks one per instrument: a swap or future whose settle
currency is its base currency is inverse (`is_inverse`), everything else is
linear. Nothing here reads a clock or does I/O: timestamps come in with the data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from services.engine.core.clock import utc_day
from services.shared.generated.entities import Fill, Instrument, Position
from services.shared.generated.enums import Exchange, InstrumentKind, OrderSide, PositionSide

_ZERO = Decimal(0)
# Average entry prices are exact ratios (28 significant digits internally); what
# leaves the engine is rounded to 1e-8, the finest unit OKX, Kalshi and USDC use.
REPORT_QUANTUM = Decimal("1e-8")


def reported(value: Decimal) -> Decimal:
    """`value` rounded half-even to REPORT_QUANTUM, for events and the database."""
    return value.quantize(REPORT_QUANTUM, rounding=ROUND_HALF_EVEN).normalize() + _ZERO


_ONE = Decimal(1)
_HUNDRED = Decimal(100)

DERIVATIVE_KINDS: frozenset[InstrumentKind] = frozenset(
    {InstrumentKind.SWAP, InstrumentKind.FUTURES}
)


class ContractMath(Protocol):
    """How an instrument turns size and price into money."""

    def notional(self, size: Decimal, price: Decimal, multiplier: Decimal) -> Decimal:
        """Return the value of `size` (unsigned) at `price`, in the PnL currency."""
        ...

    def pnl(
        self, quantity: Decimal, entry: Decimal, exit_price: Decimal, multiplier: Decimal
    ) -> Decimal:
        """Return the PnL of closing signed `quantity` entered at `entry` at `exit_price`."""
        ...

    def average_entry(
        self, quantity: Decimal, entry: Decimal, size: Decimal, price: Decimal
    ) -> Decimal:
        """Return the entry price after adding `size` at `price` to |`quantity`| at `entry`."""
        ...


class LinearMath:
    """Value = size x price x multiplier (spot, binary outcomes, linear swaps/futures)."""

    def notional(self, size: Decimal, price: Decimal, multiplier: Decimal) -> Decimal:
        """Return size x price x multiplier."""
        return size * price * multiplier

    def pnl(
        self, quantity: Decimal, entry: Decimal, exit_price: Decimal, multiplier: Decimal
    ) -> Decimal:
        """Return quantity x (exit - entry) x multiplier."""
        return quantity * (exit_price - entry) * multiplier

    def average_entry(
        self, quantity: Decimal, entry: Decimal, size: Decimal, price: Decimal
    ) -> Decimal:
        """Return the size-weighted arithmetic mean price."""
        held = abs(quantity)
        return (held * entry + size * price) / (held + size)


class InverseContractMath:
    """Coin-margined contracts: size x multiplier is a quote amount (e.g. USD), money is in base.

    value = size x multiplier / price; PnL = quantity x multiplier x (1/entry - 1/exit)
    (a short's negative quantity flips the sign); the average entry is the
    size-weighted harmonic mean. Results are exact Decimal ratios (28
    significant digits); `reported` rounds them to 1e-8 on the way out. A
    non-positive price (never a real fill or mark) values at 0 rather than
    dividing by zero.
    """

    def notional(self, size: Decimal, price: Decimal, multiplier: Decimal) -> Decimal:
        """Return size x multiplier / price (in the base coin)."""
        if price <= 0:
            return _ZERO
        return size * multiplier / price

    def pnl(
        self, quantity: Decimal, entry: Decimal, exit_price: Decimal, multiplier: Decimal
    ) -> Decimal:
        """Return quantity x multiplier x (1/entry - 1/exit), in the base coin."""
        if entry <= 0 or exit_price <= 0:
            return _ZERO
        return quantity * multiplier * (_ONE / entry - _ONE / exit_price)

    def average_entry(
        self, quantity: Decimal, entry: Decimal, size: Decimal, price: Decimal
    ) -> Decimal:
        """Return the harmonic mean (q1 + q2) / (q1/p1 + q2/p2)."""
        held = abs(quantity)
        if held == 0 or entry <= 0:
            return price
        return (held + size) / (held / entry + size / price)


LINEAR = LinearMath()
INVERSE = InverseContractMath()


def is_inverse(instrument: Instrument) -> bool:
    """True for coin-margined contracts: a swap/future settled in its base coin (BTC-USD-SWAP).

    Venue-agnostic: it reads only `kind`, `settle` and `base` of the shared
    `Instrument`. Spot and binary outcomes are never inverse.
    """
    settle = (instrument.settle or "").upper()
    return instrument.kind in DERIVATIVE_KINDS and settle == instrument.base.upper()


def contract_math_for(instrument: Instrument) -> ContractMath:
    """Pick the contract math of an instrument: inverse when `is_inverse`, else linear."""
    return INVERSE if is_inverse(instrument) else LINEAR


def linear_math_for(instrument: Instrument) -> ContractMath:
    """Linear math for every instrument (kept for callers that want it regardless)."""
    return LINEAR


def contract_multiplier(instrument: Instrument) -> Decimal:
    """Units of the underlying per unit of size: contractValue for derivatives, else 1."""
    if instrument.kind in DERIVATIVE_KINDS and instrument.contractValue:
        return instrument.contractValue
    return _ONE


def pnl_currency(instrument: Instrument) -> str:
    """The currency PnL and fees of an instrument are counted in."""
    return (instrument.settle or instrument.quote).upper()


def _sign(value: Decimal) -> int:
    return (value > 0) - (value < 0)


@dataclass(slots=True)
class PositionState:
    """One position; mutate only through `apply` and the PositionBook."""

    bot_id: str | None
    exchange: str
    instrument: str
    currency: str
    multiplier: Decimal
    math: ContractMath
    kind: InstrumentKind
    quantity: Decimal = _ZERO
    avg_price: Decimal = _ZERO
    realized_pnl: Decimal = _ZERO
    fees: Decimal = _ZERO
    other_fees: dict[str, Decimal] = field(default_factory=dict)
    mark_price: Decimal | None = None
    liquidation_price: Decimal | None = None
    leverage: Decimal | None = None
    volume: Decimal = _ZERO
    trade_count: int = 0
    updated_ts: int = 0

    def apply(
        self,
        side: OrderSide,
        price: Decimal,
        size: Decimal,
        *,
        fee: Decimal = _ZERO,
        fee_currency: str | None = None,
        ts_ms: int = 0,
    ) -> Decimal:
        """Apply one fill; return the PnL it realized (gross of fees)."""
        if size <= 0:
            raise ValueError(f"fill size must be positive, got {size}")
        signed = size if side is OrderSide.BUY else -size
        held = self.quantity
        realized = _ZERO
        if held == 0 or _sign(held) == _sign(signed):
            self.avg_price = self.math.average_entry(held, self.avg_price, size, price)
        else:
            closing = min(size, abs(held))
            realized = self.math.pnl(closing * _sign(held), self.avg_price, price, self.multiplier)
            after = held + signed
            if after == 0:
                self.avg_price = _ZERO
            elif _sign(after) != _sign(held):
                # Flipped through flat: the remainder opened at this price.
                self.avg_price = price
        self.quantity = held + signed
        self.realized_pnl += realized
        if fee_currency is None or fee_currency.upper() == self.currency:
            self.fees += fee
        else:
            ccy = fee_currency.upper()
            self.other_fees[ccy] = self.other_fees.get(ccy, _ZERO) + fee
        self.volume += self.math.notional(size, price, self.multiplier)
        self.trade_count += 1
        self.updated_ts = max(self.updated_ts, ts_ms)
        if self.mark_price is None:
            self.mark_price = price
        return realized

    @property
    def net_realized(self) -> Decimal:
        """Realized PnL minus fees paid in the PnL currency."""
        return self.realized_pnl - self.fees

    @property
    def is_flat(self) -> bool:
        """True when nothing is held."""
        return self.quantity == 0

    def unrealized_pnl(self, price: Decimal | None = None) -> Decimal:
        """PnL of closing now at `price` (default: the last mark); 0 when flat or unmarked."""
        px = price if price is not None else self.mark_price
        if self.quantity == 0 or px is None:
            return _ZERO
        return self.math.pnl(self.quantity, self.avg_price, px, self.multiplier)

    def notional(self, price: Decimal | None = None) -> Decimal:
        """Absolute value of the position at `price` (default: mark, else entry)."""
        px = price if price is not None else (self.mark_price or self.avg_price)
        return self.math.notional(abs(self.quantity), px, self.multiplier)

    def to_model(self, *, paper: bool, ts_ms: int, usd_rate: Decimal | None = None) -> Position:
        """Return the shared `Position` model (USD figures when a rate is given)."""
        if self.quantity > 0:
            side = PositionSide.LONG
        elif self.quantity < 0:
            side = PositionSide.SHORT
        else:
            side = PositionSide.NET
        unrealized = self.unrealized_pnl()
        return Position(
            exchange=Exchange(self.exchange),
            botId=self.bot_id,
            instrument=self.instrument,
            side=side,
            size=abs(self.quantity),
            entryPrice=reported(self.avg_price),
            markPrice=self.mark_price,
            unrealizedPnl=reported(unrealized),
            realizedPnl=reported(self.net_realized),
            unrealizedPnlUsd=None if usd_rate is None else reported(unrealized * usd_rate),
            realizedPnlUsd=None if usd_rate is None else reported(self.net_realized * usd_rate),
            currency=self.currency,
            paper=paper,
            leverage=self.leverage,
            liquidationPrice=self.liquidation_price,
            ts=ts_ms,
        )


@dataclass(frozen=True, slots=True)
class FillEffect:
    """What one fill did to its position."""

    position: PositionState
    realized_pnl: Decimal


PositionKey = tuple[str | None, str, str]


class PositionBook:
    """Every position of one engine (or one paper account), by (bot, exchange, instrument)."""

    def __init__(self, math_for: Callable[[Instrument], ContractMath] = contract_math_for) -> None:
        self._math_for = math_for
        self._positions: dict[PositionKey, PositionState] = {}
        self._by_bot: dict[str | None, dict[tuple[str, str], PositionState]] = {}

    def open_position(self, bot_id: str | None, instrument: Instrument) -> PositionState:
        """Return the position for (bot, instrument), creating a flat one if needed."""
        key = (bot_id, str(instrument.exchange), instrument.symbol)
        pos = self._positions.get(key)
        if pos is None:
            pos = PositionState(
                bot_id=bot_id,
                exchange=str(instrument.exchange),
                instrument=instrument.symbol,
                currency=pnl_currency(instrument),
                multiplier=contract_multiplier(instrument),
                math=self._math_for(instrument),
                kind=instrument.kind,
            )
            self._positions[key] = pos
            self._by_bot.setdefault(bot_id, {})[(pos.exchange, pos.instrument)] = pos
        return pos

    def apply_fill(self, fill: Fill, instrument: Instrument) -> FillEffect:
        """Apply a fill to its bot's position; return the position and realized PnL."""
        pos = self.open_position(fill.botId, instrument)
        realized = pos.apply(
            fill.side,
            fill.price,
            fill.size,
            fee=fill.fee,
            fee_currency=fill.feeCurrency,
            ts_ms=fill.ts,
        )
        return FillEffect(pos, realized)

    def get(self, bot_id: str | None, exchange: str, instrument: str) -> PositionState | None:
        """The position, or None if the bot never traded the instrument."""
        return self._positions.get((bot_id, str(exchange), instrument))

    def has_positions(self, bot_id: str | None) -> bool:
        """True once the bot has a position record (without building a list)."""
        return bool(self._by_bot.get(bot_id))

    def positions(self, bot_id: str | None) -> list[PositionState]:
        """Positions of one bot (flat ones included: they carry realized PnL)."""
        return list(self._by_bot.get(bot_id, {}).values())

    def all_positions(self) -> Iterator[PositionState]:
        """Every position of every bot."""
        return iter(self._positions.values())

    def bot_ids(self) -> list[str | None]:
        """Bots with at least one position record."""
        return list(self._by_bot)

    def set_margin_state(
        self,
        bot_id: str | None,
        exchange: str,
        instrument: str,
        *,
        leverage: Decimal | None,
        liquidation_price: Decimal | None,
    ) -> None:
        """Record the venue's leverage and liquidation price for a position (if it exists)."""
        pos = self.get(bot_id, exchange, instrument)
        if pos is not None:
            pos.leverage = leverage
            pos.liquidation_price = liquidation_price

    def mark(self, exchange: str, instrument: str, price: Decimal, ts_ms: int = 0) -> None:
        """Set the mark price of every bot's position in an instrument."""
        exchange = str(exchange)
        for pos in self._positions.values():
            if pos.exchange == exchange and pos.instrument == instrument:
                pos.mark_price = price
                pos.updated_ts = max(pos.updated_ts, ts_ms)


@dataclass(slots=True)
class EquityTracker:
    """Daily PnL and peak equity for one bot (or the portfolio), fed with total PnL.

    Equity is `capital + total PnL`. The trading day is the UTC day: the PnL
    last seen before the first observation of a new day becomes that day's
    baseline. Drawdown is measured from the highest equity seen, in percent.
    """

    capital: Decimal | None = None
    day: int | None = None
    day_start_pnl: Decimal = _ZERO
    last_pnl: Decimal = _ZERO
    peak_equity: Decimal | None = None
    max_drawdown_pct: Decimal = _ZERO
    # Bumped whenever an observation changes the figures (daily PnL, equity,
    # drawdown): a reader may keep them until it moves.
    version: int = 0

    def observe(self, total_pnl: Decimal, ts_ms: int) -> None:
        """Record the total PnL (net of fees) at `ts_ms`."""
        day = utc_day(ts_ms)
        if day == self.day and total_pnl == self.last_pnl:
            return  # same day, same PnL: equity, peak and drawdown are unchanged
        self.version += 1
        if self.day is None:
            self.day = day
        elif day > self.day:
            self.day = day
            self.day_start_pnl = self.last_pnl
        self.last_pnl = total_pnl
        equity = self.equity
        if self.peak_equity is None or equity > self.peak_equity:
            self.peak_equity = equity
        dd = self.drawdown_pct
        if dd is not None and dd > self.max_drawdown_pct:
            self.max_drawdown_pct = dd

    @property
    def equity(self) -> Decimal:
        """Capital plus total PnL (PnL alone when the capital is unknown)."""
        return (self.capital or _ZERO) + self.last_pnl

    @property
    def daily_pnl(self) -> Decimal:
        """PnL since the start of the current UTC day."""
        return self.last_pnl - self.day_start_pnl

    @property
    def drawdown_pct(self) -> Decimal | None:
        """Percent below peak equity; None while the peak is not positive."""
        peak = self.peak_equity
        if peak is None or peak <= 0:
            return None
        return max(_ZERO, (peak - self.equity) / peak * _HUNDRED)
