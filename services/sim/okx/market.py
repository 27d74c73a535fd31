"""The seeded market model: index random walks, synthetic ladders of resting liquidity and
random taker flow, all driven through the matching engine so account orders trade against it.

Deterministic given the seed: every instrument draws from its own `random.Random`, so the
sequence of prices and flow depends only on the seed and the number of steps taken.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from services.sim.okx.book import OrderBook, Owner, Side
from services.sim.okx.decimals import ONE, ZERO, floor_to
from services.sim.okx.instruments import Instrument

# Starting index prices; the seed moves them by up to ±2 % so different seeds differ visibly.
START_INDEX = {"BTC": Decimal("65000"), "ETH": Decimal("3200")}
# Volatility of the index per sqrt(second): ~0.4 %/h for BTC, a calm but moving market.
SIGMA_PER_SQRT_SEC = {"BTC": 0.00007, "ETH": 0.00009}
# Futures trade at a contango over the index; swaps at a small mean-reverting premium.
FUTURES_BASIS = Decimal("0.004")
SWAP_PREMIUM_LIMIT = 0.0008


@dataclass(frozen=True, slots=True)
class Profile:
    """How the model quotes one instrument."""

    grid_ticks: int  # distance between synthetic levels, in ticks
    levels: int  # synthetic levels per side
    half_spread_ticks: int  # distance of the best synthetic quotes from the fair price
    size: Decimal  # typical resting size per order
    size_step: Decimal  # synthetic sizes are multiples of this (a "round" lot)
    flow_probability: float  # chance of a synthetic taker order per step
    flow_size: Decimal  # typical taker size


PROFILES = {
    "BTC-USDT": Profile(5, 40, 1, Decimal("0.4"), Decimal("0.0001"), 0.35, Decimal("0.15")),
    "ETH-USDT": Profile(5, 40, 1, Decimal("5"), Decimal("0.001"), 0.35, Decimal("2")),
    "BTC-USDT-SWAP": Profile(5, 40, 1, Decimal("60"), Decimal("1"), 0.4, Decimal("25")),
    "ETH-USDT-SWAP": Profile(5, 40, 1, Decimal("80"), Decimal("1"), 0.4, Decimal("30")),
    "BTC-USD": Profile(10, 30, 2, Decimal("200"), Decimal("1"), 0.25, Decimal("60")),
    "ETH-USD": Profile(10, 30, 2, Decimal("300"), Decimal("1"), 0.25, Decimal("80")),
}


class SyntheticVenue(Protocol):
    """What the model needs from the exchange: books, and synthetic order entry."""

    def book(self, inst_id: str) -> OrderBook:
        """The matching book of `inst_id`."""
        ...

    def add_synthetic(self, inst: Instrument, side: Side, px: Decimal, qty: Decimal) -> None:
        """Submit a synthetic limit order (trades first if it crosses, then rests)."""
        ...

    def cancel_synthetic(self, inst: Instrument, key: int) -> None:
        """Remove a synthetic resting order."""
        ...

    def synthetic_market(self, inst: Instrument, side: Side, qty: Decimal) -> None:
        """Send a synthetic taker order of `qty` at market."""
        ...


def _profile(inst: Instrument) -> Profile:
    key = inst.inst_family if inst.inst_type == "FUTURES" else inst.inst_id
    return PROFILES[key]


class MarketModel:
    """Fair prices, mark prices and the synthetic participants of every instrument."""

    def __init__(self, instruments: Iterable[Instrument], seed: int) -> None:
        self.instruments = {inst.inst_id: inst for inst in instruments}
        self._walk_rng = random.Random(f"{seed}:index")
        self._rngs = {inst_id: random.Random(f"{seed}:{inst_id}") for inst_id in self.instruments}
        self.index: dict[str, Decimal] = {}
        for ccy, start in START_INDEX.items():
            jitter = Decimal(str(round(self._walk_rng.uniform(-0.02, 0.02), 6)))
            self.index[ccy] = (start * (ONE + jitter)).quantize(Decimal("0.01"))
        self.premium: dict[str, float] = {i: 0.0 for i, inst in self.instruments.items()}
        self.pinned_mark: dict[str, Decimal] = {}
        self.paused = False
        self.steps = 0

    # -- prices -----------------------------------------------------------------------------------
    def index_price(self, underlying: str) -> Decimal:
        """Index price of `underlying` in USD."""
        return self.index[underlying]

    def basis(self, inst: Instrument) -> Decimal:
        """Relative premium of the instrument's fair price over its index."""
        if inst.inst_type == "FUTURES":
            return FUTURES_BASIS
        if inst.inst_type == "SWAP":
            return Decimal(str(round(self.premium[inst.inst_id], 8)))
        return ZERO

    def fair_price(self, inst: Instrument) -> Decimal:
        """Where the synthetic participants centre their quotes, on the tick grid."""
        raw = self.index[inst.underlying] * (ONE + self.basis(inst))
        return floor_to(raw, inst.tick_sz)

    def mark_price(self, inst: Instrument) -> Decimal:
        """Mark price: pinned by /sim/mark-price, else the fair price (index for spot)."""
        pinned = self.pinned_mark.get(inst.inst_id)
        if pinned is not None:
            return pinned
        if not inst.is_derivative:
            return self.index[inst.underlying]
        return self.fair_price(inst)

    # -- evolution --------------------------------------------------------------------------------
    def seed_books(self, venue: SyntheticVenue) -> None:
        """Fill every book with its initial synthetic ladder."""
        for inst in self.instruments.values():
            self._requote(venue, inst)

    def step(self, venue: SyntheticVenue, dt_secs: float) -> None:
        """Advance the model by `dt_secs` of simulated time: walk, requote, trade."""
        if self.paused:
            return
        self.steps += 1
        dt = max(dt_secs, 0.0)
        for ccy in sorted(self.index):
            shock = self._walk_rng.gauss(0.0, SIGMA_PER_SQRT_SEC[ccy] * math.sqrt(dt))
            factor = Decimal(str(round(math.exp(shock), 12)))
            self.index[ccy] = (self.index[ccy] * factor).quantize(Decimal("0.01"))
        for inst_id in sorted(self.instruments):
            inst = self.instruments[inst_id]
            rng = self._rngs[inst_id]
            if inst.inst_type == "SWAP":
                drift = -0.05 * self.premium[inst_id] + rng.gauss(0.0, 0.00004)
                self.premium[inst_id] = max(
                    -SWAP_PREMIUM_LIMIT, min(SWAP_PREMIUM_LIMIT, self.premium[inst_id] + drift)
                )
            self._requote(venue, inst)
            self._churn(venue, inst, rng)
            self._flow(venue, inst, rng)

    def perturb(self, venue: SyntheticVenue, inst: Instrument) -> None:
        """Change the book of `inst` deep in the ladder, so the next push has content."""
        book = venue.book(inst.inst_id)
        deepest = None
        for order in book.orders("buy"):
            if order.owner is Owner.MARKET:
                deepest = order
        profile = _profile(inst)
        if deepest is not None:
            venue.add_synthetic(inst, "buy", deepest.price, profile.size_step * 3)
        else:
            px = self.fair_price(inst) - inst.tick_sz * profile.grid_ticks * profile.levels
            venue.add_synthetic(inst, "buy", max(px, inst.tick_sz), profile.size_step * 3)

    def _size(
        self, rng: random.Random, inst: Instrument, typical: Decimal, step: Decimal
    ) -> Decimal:
        raw = typical * Decimal(str(round(rng.lognormvariate(0.0, 0.7), 6)))
        size = floor_to(raw, step)
        return max(size, step, inst.min_sz)

    def _requote(self, venue: SyntheticVenue, inst: Instrument) -> None:
        profile = _profile(inst)
        rng = self._rngs[inst.inst_id]
        book = venue.book(inst.inst_id)
        grid = inst.tick_sz * profile.grid_ticks
        fair = self.fair_price(inst)
        half = inst.tick_sz * profile.half_spread_ticks
        top_bid = ((fair - half) / grid).to_integral_value(rounding=ROUND_FLOOR) * grid
        top_ask = ((fair + half) / grid).to_integral_value(rounding=ROUND_CEILING) * grid
        low = top_bid - grid * (profile.levels - 1)
        high = top_ask + grid * (profile.levels - 1)
        present: dict[Decimal, int] = {}
        sides: tuple[tuple[Side, Decimal, Decimal], ...] = (
            ("buy", low, top_bid),
            ("sell", top_ask, high),
        )
        for side, lowest, highest in sides:
            for order in list(book.orders(side)):
                if order.owner is not Owner.MARKET:
                    continue
                if lowest <= order.price <= highest:
                    present[order.price] = present.get(order.price, 0) + 1
                else:
                    venue.cancel_synthetic(inst, order.key)
        for k in range(profile.levels):
            ladder: tuple[tuple[Side, Decimal], ...] = (
                ("buy", top_bid - grid * k),
                ("sell", top_ask + grid * k),
            )
            for side, px in ladder:
                if px > 0 and px not in present:
                    qty = self._size(rng, inst, profile.size, profile.size_step)
                    venue.add_synthetic(inst, side, px, qty)

    def _churn(self, venue: SyntheticVenue, inst: Instrument, rng: random.Random) -> None:
        """Add or pull a little liquidity at a random level: books change without trades."""
        profile = _profile(inst)
        book = venue.book(inst.inst_id)
        sides: tuple[Side, Side] = ("buy", "sell")
        for side in sides:
            if rng.random() >= 0.5:
                continue
            synthetic = [o for o in book.orders(side) if o.owner is Owner.MARKET]
            if not synthetic:
                continue
            pick = synthetic[rng.randrange(len(synthetic))]
            same_level = sum(1 for o in synthetic if o.price == pick.price)
            if same_level > 1 and rng.random() < 0.5:
                venue.cancel_synthetic(inst, pick.key)
            else:
                qty = self._size(rng, inst, profile.size / 2, profile.size_step)
                venue.add_synthetic(inst, side, pick.price, qty)

    def _flow(self, venue: SyntheticVenue, inst: Instrument, rng: random.Random) -> None:
        profile = _profile(inst)
        if rng.random() >= profile.flow_probability:
            return
        side: Side = "buy" if rng.random() < 0.5 else "sell"
        qty = self._size(rng, inst, profile.flow_size, profile.size_step)
        venue.synthetic_market(inst, side, qty)
