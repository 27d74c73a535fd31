"""Wire one simulator together from its config: clock, instruments, market, exchange, WS hub."""

from __future__ import annotations

from dataclasses import dataclass

from services.sim.okx.auth import Credentials
from services.sim.okx.clock import SimClock
from services.sim.okx.config import SimConfig
from services.sim.okx.exchange import Exchange
from services.sim.okx.instruments import default_instruments
from services.sim.okx.market import MarketModel
from services.sim.okx.ws import WsHub

# The market never jumps by more than this much simulated time in one step, so a large
# /sim/time/advance or time scale moves prices like many small steps would, not one huge gap.
MAX_STEP_SECS = 60.0


@dataclass(eq=False)
class Simulator:
    """The state of one running OKX simulator, independent of any transport."""

    config: SimConfig
    clock: SimClock
    credentials: Credentials
    market: MarketModel
    exchange: Exchange
    hub: WsHub
    _last_step_ms: int = 0

    def step(self) -> None:
        """One tick: move the market by the simulated time elapsed, run timers, publish."""
        now = self.clock.now_ms()
        dt_secs = min(max(now - self._last_step_ms, 0) / 1000, MAX_STEP_SECS)
        self._last_step_ms = now
        self.exchange.step_market(dt_secs)
        self.exchange.tick()
        self.hub.tick()

    def advance(self, seconds: float) -> int:
        """Move simulated time forward and run what became due (funding, cancel-all-after)."""
        now = self.clock.advance(seconds)
        self.exchange.tick()
        self.hub.tick()
        return now


def build_simulator(config: SimConfig) -> Simulator:
    """Create a simulator in its initial state (books seeded, nothing listening yet)."""
    clock = SimClock(time_scale=config.time_scale, start_ms=config.start_time_ms)
    instruments = default_instruments(clock.now_ms())
    market = MarketModel(instruments, config.seed)
    market.paused = config.market_paused
    exchange = Exchange(
        instruments=instruments,
        clock=clock,
        market=market,
        balances=dict(config.balances),
        seed=config.seed,
    )
    credentials = Credentials(config.api_key, config.secret_key, config.passphrase)
    hub = WsHub(
        exchange,
        credentials,
        seed=config.seed,
        checksum_mode=config.checksum_mode,
        idle_timeout_secs=config.ws_idle_timeout_secs,
        auth_window_secs=config.auth_window_secs,
    )
    exchange.sink = hub
    return Simulator(
        config=config,
        clock=clock,
        credentials=credentials,
        market=market,
        exchange=exchange,
        hub=hub,
        _last_step_ms=clock.now_ms(),
    )
