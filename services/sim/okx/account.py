"""The simulated trading account: cash per currency, net-mode positions, leverage settings.

"Futures mode" accounting (§B.4.6): isolated margin leaves `cashBal` for the position;
cross positions keep their margin in cash and count against availability through their
initial margin requirement; order margin is frozen (`ordFrozen`) until the order ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from services.sim.okx import margin
from services.sim.okx.constants import DEFAULT_LEVER, DERIV_TAKER_FEE
from services.sim.okx.decimals import ZERO, round16
from services.sim.okx.instruments import Instrument

MarkFn = Callable[[Instrument], Decimal]


@dataclass(slots=True, eq=False)
class Position:
    """One net-mode position of an instrument in one margin mode."""

    inst: Instrument
    mgn_mode: str
    pos_id: str
    lever: Decimal
    c_time: int
    u_time: int
    pos: Decimal = ZERO  # signed contracts; negative = short
    avg_px: Decimal = ZERO
    margin: Decimal = ZERO  # isolated margin in the settlement currency
    pnl: Decimal = ZERO  # realised PnL of closing fills, fees excluded
    fee: Decimal = ZERO  # accumulated fees (negative = paid)
    funding_fee: Decimal = ZERO
    liq_penalty: Decimal = ZERO
    trade_id: str = ""

    @property
    def realized_pnl(self) -> Decimal:
        """pnl + fee + fundingFee + liqPenalty, as OKX defines `realizedPnl`."""
        return self.pnl + self.fee + self.funding_fee + self.liq_penalty


@dataclass(frozen=True, slots=True)
class CurrencyState:
    """Derived balance figures of one currency (all in that currency)."""

    cash: Decimal
    ord_frozen: Decimal
    iso_margin: Decimal
    iso_upl: Decimal
    cross_upl: Decimal
    cross_imr: Decimal
    cross_mmr: Decimal
    cross_need: Decimal  # Σ value * (mmr rate + taker fee) of cross positions
    notional_usd: Decimal

    @property
    def eq(self) -> Decimal:
        """Equity: cash + isolated equity + cross unrealised PnL."""
        return self.cash + self.iso_margin + self.iso_upl + self.cross_upl

    @property
    def iso_eq(self) -> Decimal:
        """Isolated margin equity."""
        return self.iso_margin + self.iso_upl

    @property
    def avail_bal(self) -> Decimal:
        """Cash not frozen by orders nor pledged as cross initial margin."""
        return self.cash - self.ord_frozen - self.cross_imr

    @property
    def avail_eq(self) -> Decimal:
        """Available equity for new margin: available cash plus cross unrealised PnL."""
        return self.avail_bal + self.cross_upl

    @property
    def frozen_bal(self) -> Decimal:
        """Everything not available: order margin, isolated equity, cross initial margin."""
        return self.ord_frozen + self.iso_eq + self.cross_imr

    @property
    def cross_mgn_ratio(self) -> Decimal | None:
        """Cross maintenance margin ratio of the currency; None without cross positions."""
        if self.cross_need == 0:
            return None
        return round16((self.cash + self.cross_upl - self.ord_frozen) / self.cross_need)


@dataclass(slots=True)
class Account:
    """Balances, positions and leverage settings of the one simulated account."""

    cash: dict[str, Decimal]
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    leverage: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    next_pos_id: int = 1
    u_time: dict[str, int] = field(default_factory=dict)

    # -- leverage ---------------------------------------------------------------------------------
    def lever_key(self, inst: Instrument, mgn_mode: str) -> tuple[str, str]:
        """Where a leverage setting lives: cross FUTURES share one per instrument family."""
        if inst.inst_type == "FUTURES" and mgn_mode == "cross":
            return (inst.inst_family, mgn_mode)
        return (inst.inst_id, mgn_mode)

    def get_lever(self, inst: Instrument, mgn_mode: str) -> Decimal:
        """Current leverage of `inst` in `mgn_mode` (DEFAULT_LEVER until set)."""
        return self.leverage.get(self.lever_key(inst, mgn_mode), DEFAULT_LEVER)

    def set_lever(self, inst: Instrument, mgn_mode: str, lever: Decimal) -> None:
        """Store a leverage setting; open positions of that key take it over."""
        key = self.lever_key(inst, mgn_mode)
        self.leverage[key] = lever
        for position in self.positions.values():
            if position.mgn_mode == mgn_mode and self.lever_key(position.inst, mgn_mode) == key:
                position.lever = lever

    # -- cash -------------------------------------------------------------------------------------
    def credit(self, ccy: str, amount: Decimal, now_ms: int) -> None:
        """Add `amount` (may be negative) to the cash balance of `ccy`."""
        self.cash[ccy] = self.cash.get(ccy, ZERO) + amount
        self.u_time[ccy] = now_ms

    # -- positions --------------------------------------------------------------------------------
    def position(self, inst: Instrument, mgn_mode: str) -> Position | None:
        """The open position of `inst` in `mgn_mode`, if any."""
        return self.positions.get((inst.inst_id, mgn_mode))

    def net_position(self, inst: Instrument) -> Decimal:
        """Signed contracts over both margin modes."""
        return sum(
            (p.pos for (inst_id, _), p in self.positions.items() if inst_id == inst.inst_id), ZERO
        )

    def apply_trade(
        self,
        inst: Instrument,
        mgn_mode: str,
        side: str,
        qty: Decimal,
        px: Decimal,
        fee: Decimal,
        trade_id: str,
        now_ms: int,
    ) -> tuple[Position, Decimal]:
        """Apply a derivative fill to the net position; return it and the realised PnL.

        Opening adds at `px` (isolated: margin moves from cash into the position); closing
        realises PnL into cash and releases isolated margin pro rata; a fill larger than the
        position flips it.
        """
        key = (inst.inst_id, mgn_mode)
        ccy = inst.settle_ccy
        position = self.positions.get(key)
        if position is None:
            position = Position(
                inst=inst,
                mgn_mode=mgn_mode,
                pos_id=str(700_000_000_000_000_000 + self.next_pos_id),
                lever=self.get_lever(inst, mgn_mode),
                c_time=now_ms,
                u_time=now_ms,
            )
            self.next_pos_id += 1
            self.positions[key] = position
        signed = qty if side == "buy" else -qty
        realized = ZERO
        if position.pos != 0 and (position.pos > 0) != (signed > 0):
            close = min(qty, abs(position.pos))
            direction = Decimal(1) if position.pos > 0 else Decimal(-1)
            realized = margin.upl(inst, direction * close, position.avg_px, px)
            if mgn_mode == "isolated":
                released = round16(position.margin * close / abs(position.pos))
                position.margin -= released
                self.credit(ccy, released, now_ms)
            position.pos += -direction * close
            position.pnl += realized
            self.credit(ccy, realized, now_ms)
            signed -= -direction * close
            if position.pos == 0:
                position.avg_px = ZERO
                position.margin = ZERO
        if signed != 0:
            add = abs(signed)
            position.avg_px = margin.average_price(
                inst, abs(position.pos), position.avg_px, add, px
            )
            position.pos += signed
            if mgn_mode == "isolated":
                posted = round16(margin.value(inst, add, px) / position.lever)
                position.margin += posted
                self.credit(ccy, -posted, now_ms)
        position.fee += fee
        position.trade_id = trade_id
        position.u_time = now_ms
        return position, realized

    def drop_if_flat(self, position: Position) -> None:
        """Forget a position once it is closed (after its final push)."""
        if position.pos == 0:
            self.positions.pop((position.inst.inst_id, position.mgn_mode), None)

    # -- derived figures --------------------------------------------------------------------------
    def currency_state(
        self, ccy: str, ord_frozen: Decimal, mark: MarkFn, taker_fee: Decimal = DERIV_TAKER_FEE
    ) -> CurrencyState:
        """Compute the balance figures of `ccy` at current mark prices."""
        iso_margin = iso_upl = cross_upl = cross_imr = cross_mmr = need = usd = ZERO
        for position in self.positions.values():
            inst = position.inst
            if inst.settle_ccy != ccy or position.pos == 0:
                continue
            mark_px = mark(inst)
            upl = margin.upl(inst, position.pos, position.avg_px, mark_px)
            usd += margin.notional_usd(inst, abs(position.pos), mark_px)
            if position.mgn_mode == "isolated":
                iso_margin += position.margin
                iso_upl += upl
            else:
                cross_upl += upl
                val = margin.value(inst, abs(position.pos), mark_px)
                cross_imr += round16(val / position.lever)
                cross_mmr += round16(val * inst.mmr_rate)
                need += val * (inst.mmr_rate + taker_fee)
        return CurrencyState(
            cash=self.cash.get(ccy, ZERO),
            ord_frozen=ord_frozen,
            iso_margin=iso_margin,
            iso_upl=iso_upl,
            cross_upl=cross_upl,
            cross_imr=cross_imr,
            cross_mmr=cross_mmr,
            cross_need=need,
            notional_usd=usd,
        )

    def currencies(self, extra: Iterable[str] = ()) -> list[str]:
        """Currencies with a balance or a position, sorted."""
        names = {ccy for ccy, amount in self.cash.items() if amount != 0}
        names.update(p.inst.settle_ccy for p in self.positions.values())
        names.update(extra)
        return sorted(names)
