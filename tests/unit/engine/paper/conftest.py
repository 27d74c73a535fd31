"""Paper executor fixtures: a manual clock, a recording listener, a factory that wires them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

import pytest

from services.engine.core.clock import ManualClock
from services.engine.paper.account import PaperAccount
from services.engine.paper.executor import PaperConfig, PaperExecutor
from services.engine.paper.hooks import PaperVenueHooks
from services.engine.paper.latency import NO_LATENCY, LatencyModel
from services.shared.generated.entities import Fill, Instrument, Order
from services.shared.generated.enums import Exchange, OrderStatus
from tests.unit.engine.factories import instrument

D = Decimal
T0 = 1_750_000_000_000

# ETH-USDT-like spot: 0.01 tick and lot, 0.05 minimum, maker 0.02 %, taker 0.05 %.
ETH = instrument(
    "ETH-USDT", base="ETH", tick="0.01", lot="0.01", min_size="0.05", maker="0.0002", taker="0.0005"
)


class Recorder:
    """ExecutionListener that keeps everything it is told."""

    def __init__(self) -> None:
        self.orders: list[Order] = []
        self.fills: list[Fill] = []

    def on_order(self, order: Order) -> None:
        self.orders.append(order)

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)

    def statuses(self, order_id: str) -> list[OrderStatus]:
        """Every status reported for an order, repeats collapsed."""
        out: list[OrderStatus] = []
        for o in self.orders:
            if o.id == order_id and (not out or out[-1] is not o.status):
                out.append(o.status)
        return out

    def last(self, order_id: str) -> Order:
        return [o for o in self.orders if o.id == order_id][-1]


class Paper:
    """An executor with its clock and listener."""

    def __init__(self, executor: PaperExecutor, clock: ManualClock, rec: Recorder) -> None:
        self.ex = executor
        self.clock = clock
        self.rec = rec

    @property
    def account(self) -> PaperAccount:
        return self.ex.account


PaperFactory = Callable[..., Paper]


@pytest.fixture
def make_paper() -> PaperFactory:
    """Build a PaperExecutor on OKX over `instruments` (ETH-USDT spot by default)."""

    def build(
        *instruments: Instrument,
        balances: Mapping[str, Decimal] | None = None,
        latency: LatencyModel = NO_LATENCY,
        hooks: PaperVenueHooks | None = None,
        config: PaperConfig | None = None,
    ) -> Paper:
        clock = ManualClock(T0)
        insts = instruments or (ETH,)
        account = PaperAccount(
            Exchange.OKX,
            balances if balances is not None else {"USDT": D(1_000_000), "ETH": D(100)},
            clock=clock,
        )
        ex = PaperExecutor(
            Exchange.OKX,
            {i.symbol: i for i in insts},
            clock=clock,
            account=account,
            latency=latency,
            hooks=hooks,
            config=config or PaperConfig(id_prefix="t", poll_interval_secs=None),
        )
        rec = Recorder()
        ex.set_listener(rec)
        return Paper(ex, clock, rec)

    return build
