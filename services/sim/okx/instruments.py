"""The simulator's instrument catalogue (the "providers" module): BTC and ETH spot, USDT-margined
perpetual swaps and one dated coin-margined (inverse) future each, specified as fully as
GET /api/v5/public/instruments describes them (§B.4.1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

InstType = Literal["SPOT", "SWAP", "FUTURES"]


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument with OKX's contract terms."""

    inst_type: InstType
    inst_id: str
    underlying: str  # index currency ("BTC"); the random walk the instrument follows
    base_ccy: str  # spot only
    quote_ccy: str  # spot only
    settle_ccy: str  # derivatives: the margin / settlement currency
    ct_val: Decimal  # derivatives: contract value; 1 for spot (sizes are base currency)
    ct_mult: Decimal
    ct_val_ccy: str
    ct_type: Literal["linear", "inverse", ""]
    tick_sz: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    max_lmt_sz: Decimal
    max_mkt_sz: Decimal
    max_lever: Decimal
    mmr_rate: Decimal  # tier-1 maintenance margin rate (position-tiers)
    list_time_ms: int
    exp_time_ms: int | None
    alias: str
    inst_id_code: int

    @property
    def is_derivative(self) -> bool:
        """True for swaps and futures (sizes in contracts, margin in `settle_ccy`)."""
        return self.inst_type != "SPOT"

    @property
    def is_inverse(self) -> bool:
        """True for coin-margined contracts whose value is `ct_val` USD."""
        return self.ct_type == "inverse"

    @property
    def inst_family(self) -> str:
        """`BTC-USDT` for BTC-USDT-SWAP, `BTC-USD` for BTC-USD-250926, "" for spot."""
        if not self.is_derivative:
            return ""
        return "-".join(self.inst_id.split("-")[:2])

    @property
    def margin_ccy(self) -> str:
        """Currency in which the instrument's orders are margined or paid for."""
        return self.settle_ccy if self.is_derivative else self.quote_ccy


def quarterly_expiry_ms(now_ms: int) -> int:
    """Return the delivery time of the current quarterly future: the last Friday of the quarter's
    last month at 08:00 UTC, rolling to the next quarter when fewer than 14 days remain."""
    now = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    year, month = now.year, now.month
    quarter_end = ((month - 1) // 3 + 1) * 3
    for _ in range(3):
        expiry = _last_friday_0800(year, quarter_end)
        if expiry - now >= timedelta(days=14):
            return int(expiry.timestamp() * 1000)
        quarter_end += 3
        if quarter_end > 12:
            quarter_end -= 12
            year += 1
    return int(expiry.timestamp() * 1000)  # pragma: no cover - the loop always returns


def _last_friday_0800(year: int, month: int) -> datetime:
    first_next = datetime(year + (month // 12), month % 12 + 1, 1, 8, tzinfo=UTC)
    day = first_next - timedelta(days=1)
    while day.weekday() != 4:  # Friday
        day -= timedelta(days=1)
    return day


def default_instruments(now_ms: int) -> tuple[Instrument, ...]:
    """Build the catalogue; dated futures are named after the quarter that contains `now_ms`."""
    listed = now_ms - 30 * 24 * 3600 * 1000
    expiry = quarterly_expiry_ms(now_ms)
    suffix = datetime.fromtimestamp(expiry / 1000, tz=UTC).strftime("%y%m%d")
    d = Decimal
    spot = [
        ("BTC", d("0.1"), d("0.00000001"), d("0.00001"), 1001),
        ("ETH", d("0.01"), d("0.000001"), d("0.0001"), 1002),
    ]
    out: list[Instrument] = []
    for ccy, tick, lot, min_sz, code in spot:
        out.append(
            Instrument(
                inst_type="SPOT",
                inst_id=f"{ccy}-USDT",
                underlying=ccy,
                base_ccy=ccy,
                quote_ccy="USDT",
                settle_ccy="",
                ct_val=d(1),
                ct_mult=d(1),
                ct_val_ccy="",
                ct_type="",
                tick_sz=tick,
                lot_sz=lot,
                min_sz=min_sz,
                max_lmt_sz=d("9999999999"),
                max_mkt_sz=d("1000000"),
                max_lever=d(10),
                mmr_rate=d("0.1"),
                list_time_ms=listed,
                exp_time_ms=None,
                alias="",
                inst_id_code=code,
            )
        )
    swaps = [
        ("BTC", d("0.01"), d("0.1"), d("0.004"), 2001),
        ("ETH", d("0.1"), d("0.01"), d("0.005"), 2002),
    ]
    for ccy, ct_val, tick, mmr, code in swaps:
        out.append(
            Instrument(
                inst_type="SWAP",
                inst_id=f"{ccy}-USDT-SWAP",
                underlying=ccy,
                base_ccy="",
                quote_ccy="",
                settle_ccy="USDT",
                ct_val=ct_val,
                ct_mult=d(1),
                ct_val_ccy=ccy,
                ct_type="linear",
                tick_sz=tick,
                lot_sz=d("0.01"),
                min_sz=d("0.01"),
                max_lmt_sz=d("100000000"),
                max_mkt_sz=d("12000"),
                max_lever=d(100),
                mmr_rate=mmr,
                list_time_ms=listed,
                exp_time_ms=None,
                alias="",
                inst_id_code=code,
            )
        )
    futures = [
        ("BTC", d(100), d("0.1"), d("0.005"), 3001),
        ("ETH", d(10), d("0.01"), d("0.006"), 3002),
    ]
    for ccy, ct_val, tick, mmr, code in futures:
        out.append(
            Instrument(
                inst_type="FUTURES",
                inst_id=f"{ccy}-USD-{suffix}",
                underlying=ccy,
                base_ccy="",
                quote_ccy="",
                settle_ccy=ccy,
                ct_val=ct_val,
                ct_mult=d(1),
                ct_val_ccy="USD",
                ct_type="inverse",
                tick_sz=tick,
                lot_sz=d(1),
                min_sz=d(1),
                max_lmt_sz=d("1000000"),
                max_mkt_sz=d("10000"),
                max_lever=d(100),
                mmr_rate=mmr,
                list_time_ms=listed,
                exp_time_ms=expiry,
                alias="quarter",
                inst_id_code=code,
            )
        )
    return tuple(out)
