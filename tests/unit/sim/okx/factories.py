"""Factories for the simulator's unit tests: a fake clock source, a recording event sink and
an exchange on a frozen market."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from services.sim.okx.clock import SimClock
from services.sim.okx.exchange import Exchange
from services.sim.okx.instruments import Instrument, default_instruments
from services.sim.okx.market import MarketModel
from services.sim.okx.schemas import PositionWire, WsOrderWire, WsTradeWire

D = Decimal
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z, a funding boundary


class FakeTime:
    """A controllable monotonic/wall source for SimClock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordingSink:
    """An EventSink that keeps order pushes and public trades."""

    orders: list[WsOrderWire] = field(default_factory=list)
    trades: list[WsTradeWire] = field(default_factory=list)

    def order_update(self, inst: Instrument, wire: WsOrderWire) -> None:
        """Record."""
        self.orders.append(wire)

    def position_update(self, inst: Instrument, wire: PositionWire) -> None:
        pass

    def account_dirty(self, ccys: Iterable[str]) -> None:
        pass

    def public_trades(self, inst: Instrument, trades: list[WsTradeWire]) -> None:
        self.trades.extend(trades)

    def funding_changed(self, inst: Instrument) -> None:
        pass

    def flush(self) -> None:
        pass


def make_exchange(seed: int = 7) -> tuple[Exchange, SimClock, RecordingSink]:
    """An exchange on a frozen market and a fake clock 1 s after a funding boundary."""
    time_source = FakeTime()
    clock = SimClock(start_ms=START_MS + 1000, monotonic=time_source, wall=time_source)
    instruments = default_instruments(START_MS)
    market = MarketModel(instruments, seed)
    market.paused = True
    sink = RecordingSink()
    exchange = Exchange(
        instruments=instruments,
        clock=clock,
        market=market,
        balances={"USDT": D(100000), "BTC": D(1), "ETH": D(10)},
        seed=seed,
        sink=sink,
    )
    return exchange, clock, sink
