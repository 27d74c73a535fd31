"""OKX V5 names and numbers, each with where it comes from.

Paths and limits follow the OKX V5 docs (https://www.okx.com/docs-v5/en/);
request paths are taken from python-okx's `okx.consts` where the SDK has
them, so a typo cannot make the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from okx import consts as sdk

from services.engine.core.types import FeedChannel
from services.shared.generated.enums import InstrumentKind

VENUE: Final = "okx"

# -- REST paths --------------------------------------------------------------
PATH_SERVER_TIME: Final[str] = sdk.SERVER_TIMESTAMP_URL
PATH_INSTRUMENTS: Final[str] = sdk.INSTRUMENT_INFO
PATH_BOOKS: Final[str] = sdk.ORDER_BOOKS
PATH_PLACE_ORDER: Final[str] = sdk.PLACR_ORDER  # (sic) the SDK's spelling
PATH_BATCH_ORDERS: Final[str] = sdk.BATCH_ORDERS
PATH_CANCEL_ORDER: Final[str] = sdk.CANCEL_ORDER
PATH_CANCEL_BATCH: Final[str] = sdk.CANCEL_BATCH_ORDERS
PATH_AMEND_ORDER: Final[str] = sdk.AMEND_ORDER
PATH_ORDER_DETAILS: Final[str] = sdk.ORDER_INFO
PATH_ORDERS_PENDING: Final[str] = sdk.ORDERS_PENDING
PATH_FILLS: Final[str] = sdk.ORDER_FILLS
PATH_BALANCE: Final[str] = sdk.ACCOUNT_INFO
PATH_POSITIONS: Final[str] = sdk.POSITION_INFO
PATH_SET_LEVERAGE: Final[str] = sdk.SET_LEVERAGE
# python-okx 0.4.4 has no constant (and no method) for the dead-man switch.
PATH_CANCEL_ALL_AFTER: Final = "/api/v5/trade/cancel-all-after"

# Signed prehash path of the WS login (docs: "WebSocket / Login").
WS_LOGIN_PATH: Final = "/users/self/verify"

# -- WS channels ---------------------------------------------------------------
CH_BOOKS: Final = "books"  # 400 levels, snapshot + 100 ms increments, seqId/checksum
CH_BOOKS5: Final = "books5"  # 5-level snapshots every 100 ms
CH_BBO_TBT: Final = "bbo-tbt"  # top-of-book snapshots every 10 ms
CH_BOOKS50_TBT: Final = "books50-l2-tbt"  # VIP4+ (60030 otherwise)
CH_BOOKS_TBT: Final = "books-l2-tbt"  # VIP5+ (60029 otherwise)
CH_TRADES: Final = "trades"
CH_TICKERS: Final = "tickers"
CH_FUNDING: Final = "funding-rate"
CH_MARK: Final = "mark-price"
CH_ORDERS: Final = "orders"

# Book channels that send a snapshot, then increments chained by seqId/prevSeqId.
INCREMENTAL_BOOK_CHANNELS: Final = frozenset({CH_BOOKS, CH_BOOKS50_TBT, CH_BOOKS_TBT})
# Book channels where every push is a full snapshot.
SNAPSHOT_BOOK_CHANNELS: Final = frozenset({CH_BOOKS5, CH_BBO_TBT})
BOOK_CHANNELS: Final = INCREMENTAL_BOOK_CHANNELS | SNAPSHOT_BOOK_CHANNELS

# FeedChannel -> OKX channel; BOOK is resolved from config (`book_channel`).
FEED_CHANNELS: Final[dict[FeedChannel, str]] = {
    FeedChannel.TRADES: CH_TRADES,
    FeedChannel.TICKER: CH_TICKERS,
    FeedChannel.FUNDING: CH_FUNDING,
    FeedChannel.MARK: CH_MARK,
}

# Checksum covers the first 25 levels per side of the merged book (docs).
CHECKSUM_DEPTH: Final = 25

# -- WS connection rules (docs: "WebSocket / Overview") ------------------------
# The server drops a connection silent for 30 s; ping well before that.
WS_MAX_SILENCE_SECS: Final = 30.0
# 480 subscribe/unsubscribe/login ops per connection per hour; the total
# length of `args` in one request must stay under 64 KB.
WS_MAX_OPS_PER_HOUR: Final = 480
WS_MAX_ARGS_BYTES: Final = 64 * 1024
# Our own chunking of a resubscribe, well inside the 64 KB args limit.
WS_ARGS_PER_REQUEST: Final = 100
# Op ids are echoed back; docs allow up to 32 alphanumeric characters.
WS_OP_ID_MAX_LEN: Final = 32

# -- Orders --------------------------------------------------------------------
# clOrdId: case-sensitive alphanumerics, at most 32 characters (place-order docs).
CL_ORD_ID_MAX_LEN: Final = 32
# Batch place / cancel / amend take at most 20 orders per request.
BATCH_MAX_ORDERS: Final = 20
# Pagination limit of orders-pending and fills.
PAGE_LIMIT: Final = 100
# cancel-all-after accepts 0 (disarm) or 10..120 seconds.
CANCEL_ALL_AFTER_MIN_SECS: Final = 10
CANCEL_ALL_AFTER_MAX_SECS: Final = 120

# -- Rate limits (per endpoint, from each endpoint's docs page) ---------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`requests` per `per_secs`; `per_instrument`: counted per User ID + instId."""

    requests: int
    per_secs: float
    per_instrument: bool = False


# Keyed by (method, path): GET and POST /api/v5/trade/order have separate budgets.
RATE_LIMITS: Final[dict[tuple[str, str], RateLimit]] = {
    ("GET", PATH_SERVER_TIME): RateLimit(10, 2.0),
    ("GET", PATH_INSTRUMENTS): RateLimit(20, 2.0),
    ("GET", PATH_BOOKS): RateLimit(40, 2.0),
    ("POST", PATH_PLACE_ORDER): RateLimit(60, 2.0, per_instrument=True),
    # Batch endpoints count orders, not requests (300 orders / 2 s).
    ("POST", PATH_BATCH_ORDERS): RateLimit(300, 2.0),
    ("POST", PATH_CANCEL_ORDER): RateLimit(60, 2.0, per_instrument=True),
    ("POST", PATH_CANCEL_BATCH): RateLimit(300, 2.0),
    ("POST", PATH_AMEND_ORDER): RateLimit(60, 2.0, per_instrument=True),
    ("GET", PATH_ORDER_DETAILS): RateLimit(60, 2.0),
    ("GET", PATH_ORDERS_PENDING): RateLimit(60, 2.0),
    ("GET", PATH_FILLS): RateLimit(60, 2.0),
    ("GET", PATH_BALANCE): RateLimit(10, 2.0),
    ("GET", PATH_POSITIONS): RateLimit(10, 2.0),
    ("POST", PATH_SET_LEVERAGE): RateLimit(20, 2.0),
    ("POST", PATH_CANCEL_ALL_AFTER): RateLimit(1, 1.0),
}
# Anything not listed: OKX's most common public budget.
DEFAULT_RATE_LIMIT: Final = RateLimit(20, 2.0)


# -- Paper trading: margin, tiers, fees, funding (PROTOCOLS.md §B.6-§B.8) ------

# Where the tier rows come from: GET /api/v5/public/position-tiers
# (https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers).
# Sizes are in contracts for SWAP/FUTURES; `mmr`/`imr` are rates.
POSITION_TIERS_DOC: Final = (
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers"
)


@dataclass(frozen=True, slots=True)
class PositionTier:
    """One position-tiers row: positions of more than `min_size` and up to `max_size` contracts.

    `max_size` None means no upper bound. The whole position uses its tier's
    maintenance rate (not a progressive sum over tiers).
    """

    tier: int
    min_size: Decimal
    max_size: Decimal | None
    mmr: Decimal
    imr: Decimal
    max_leverage: Decimal


# Keyed by (instType, instFamily). Tier 1 of the linear perpetuals as recorded
# from the live endpoint by two independent third-party clients [CAP] (imr 1 %,
# mmr 0.4 %, 100x; BTC up to 1,000 contracts, ETH up to 5,000). The dated
# futures row is tier 1 recorded for family BTC-USD_UM (imr 5 %, mmr 2 %, 20x,
# 4,000 contracts) [CAP], applied here to the linear BTC-USDT futures
# (⚠ UNVERIFIED for that family). Larger positions extrapolate, see below.
POSITION_TIERS: Final[dict[tuple[str, str], tuple[PositionTier, ...]]] = {
    ("SWAP", "BTC-USDT"): (
        PositionTier(1, Decimal(0), Decimal(1000), Decimal("0.004"), Decimal("0.01"), Decimal(100)),
    ),
    ("SWAP", "ETH-USDT"): (
        PositionTier(1, Decimal(0), Decimal(5000), Decimal("0.004"), Decimal("0.01"), Decimal(100)),
    ),
    ("FUTURES", "BTC-USDT"): (
        PositionTier(1, Decimal(0), Decimal(4000), Decimal("0.02"), Decimal("0.05"), Decimal(20)),
    ),
}
# Beyond the last listed tier, OKX's tier-adjustment announcements step every
# further tier by the same size and +0.5 percentage points of both rates, the
# tier's max leverage being 1 / imr (⚠ UNVERIFIED for BTC and ETH, whose
# higher tiers were not available to us; load the endpoint to be exact).
TIER_STEP_MMR: Final = Decimal("0.005")
TIER_STEP_IMR: Final = Decimal("0.005")
# Families without a listed table get one tier from the instrument's `lever`:
# imr = 1 / lever and mmr = 0.4 x imr, the ratio of both recorded rows above
# ([DERIVED]: 0.004 / 0.01 and 0.02 / 0.05).
FALLBACK_MMR_PER_IMR: Final = Decimal("0.4")

# Leverage OKX accepts at most on any derivative (the instrument's `lever`
# field, when known, is the real per-instrument ceiling), and at least.
MAX_LEVERAGE: Final = Decimal(125)
MIN_LEVERAGE: Final = Decimal(1)
# Leverage of a paper position whose order and account say none: 1x, the
# conservative choice (OKX keeps a per-instrument setting; strategies pass
# `leverage` or call `set_leverage`, as the live executor does).
PAPER_DEFAULT_LEVERAGE: Final = Decimal(1)

# (maker, taker) fee rates when the instrument carries none; positive = charged
# (the engine's sign, the opposite of OKX's trade-fee endpoint). VIP0 rates per
# PROTOCOLS.md §B.7 (⚠ UNVERIFIED; GET /api/v5/account/trade-fee is the authority).
PAPER_FEE_RATES: Final[dict[InstrumentKind, tuple[Decimal, Decimal]]] = {
    InstrumentKind.SPOT: (Decimal("0.0008"), Decimal("0.001")),
    InstrumentKind.SWAP: (Decimal("0.0002"), Decimal("0.0005")),
    InstrumentKind.FUTURES: (Decimal("0.0002"), Decimal("0.0005")),
}

# Funding payments are kept to 1e-8 of the settle currency: OKX reports
# balances with more digits than that, and 1e-8 is a satoshi for BTC-settled
# contracts. What is paid rounds up, what is received rounds down.
FUNDING_QUANTUM: Final = Decimal("1E-8")
