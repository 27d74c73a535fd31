"""A small engine for risk tests: positions, orders, market, FX, manual clock, recording control."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from services.engine.adapters.base import VenueError
from services.engine.core.clock import ManualClock
from services.engine.core.order_tracker import OrderBookkeeping
from services.engine.core.positions import PositionBook
from services.engine.core.state_machine import BotStateMachine
from services.engine.risk.fx import FxTable
from services.engine.risk.kill_switch import KillSwitch
from services.engine.risk.market import StaticMarket
from services.engine.risk.portfolio import PortfolioLimits, PortfolioRisk
from services.engine.risk.risk_manager import RiskManager
from services.shared.generated.entities import Instrument, RiskLimits
from services.shared.generated.enums import BotState, OrderSide
from tests.unit.engine.factories import fill, instrument, swap

D = Decimal
T0 = 1_750_000_000_000  # a fixed Unix time in ms, mid-day UTC

SPOT = instrument()  # BTC-USDT spot on OKX, quote USDT
PERP = swap(max_leverage="50")  # BTC-USDT-SWAP, 0.01 BTC per contract, settled USDT


class RecordingControl:
    """FleetControl double: each bot is a RUNNING state machine with some open orders.

    Every call is recorded in order, so tests can assert cancel-before-state.
    """

    def __init__(self, bots: dict[str, set[str]], *, failing_cancel: frozenset[str] = frozenset()):
        self.machines = {b: BotStateMachine(b, BotState.RUNNING) for b in bots}
        self.open_orders = {b: set(o) for b, o in bots.items()}
        self.failing_cancel = failing_cancel
        self.calls: list[tuple[str, ...]] = []
        self.during_cancel: Callable[[str], None] | None = None

    def bot_ids(self) -> list[str]:
        return sorted(self.machines)

    async def cancel_all_orders(self, bot_id: str) -> None:
        self.calls.append(("cancel", bot_id))
        if self.during_cancel is not None:
            self.during_cancel(bot_id)
        if bot_id in self.failing_cancel:
            raise VenueError("venue down", code="503", retryable=True)
        self.open_orders[bot_id].clear()

    async def set_state(self, bot_id: str, state: BotState, reason: str) -> None:
        self.calls.append(("state", bot_id, state.value))
        self.machines[bot_id].transition(state, reason)

    def state(self, bot_id: str) -> BotState:
        return self.machines[bot_id].state


@dataclass
class Env:
    """Everything RiskManager reads, wired together."""

    clock: ManualClock
    market: StaticMarket
    fx: FxTable
    positions: PositionBook
    orders: OrderBookkeeping
    kill_switch: KillSwitch
    portfolio: PortfolioRisk
    rm: RiskManager
    control: RecordingControl
    _fills: int = field(default=0)

    def fill(
        self, side: OrderSide, size: str, price: str, *, bot: str = "bot-1", inst: Instrument = SPOT
    ) -> None:
        """Book a fill for `bot` (spot unless `inst` says otherwise)."""
        self._fills += 1
        f = fill(side, size, price, bot_id=bot, symbol=inst.symbol, fid=f"f{self._fills}")
        self.positions.apply_fill(f, inst)

    def mid(self, price: str, inst: Instrument = SPOT) -> None:
        """Set the book mid of an instrument."""
        self.market.set_mid("okx", inst.symbol, D(price))


EnvFactory = Callable[..., Env]


@pytest.fixture
def make_env() -> EnvFactory:
    """Build an Env with one registered bot ('bot-1', two open orders) unless told otherwise."""

    def build(
        limits: RiskLimits | None = None,
        *,
        capital: Decimal | None = None,
        bots: dict[str, set[str]] | None = None,
        portfolio_limits: PortfolioLimits | None = None,
        soft_rules: frozenset[str] = frozenset(),
        failing_cancel: frozenset[str] = frozenset(),
    ) -> Env:
        clock = ManualClock(T0)
        market = StaticMarket()
        for ins in (SPOT, PERP):
            market.add_instrument(ins)
        market.set_mid("okx", SPOT.symbol, D(1000))
        market.set_mid("okx", PERP.symbol, D(60000))
        fx = FxTable()
        positions = PositionBook()
        orders = OrderBookkeeping()
        kill = KillSwitch(clock)
        portfolio = PortfolioRisk(
            positions=positions, market=market, fx=fx, clock=clock, limits=portfolio_limits
        )
        rm = RiskManager(
            positions=positions,
            orders=orders,
            market=market,
            fx=fx,
            clock=clock,
            kill_switch=kill,
            portfolio=portfolio,
            soft_rules=soft_rules,
        )
        bots = bots if bots is not None else {"bot-1": {"o-1", "o-2"}}
        for bot_id in bots:
            rm.register_bot(bot_id, limits or RiskLimits(), capital_usd=capital)
        control = RecordingControl(bots, failing_cancel=failing_cancel)
        return Env(clock, market, fx, positions, orders, kill, portfolio, rm, control)

    return build
