"""OKX V5 names and numbers, each with where it comes from.

Paths and limits follow the OKX V5 docs (https://www.okx.com/docs-v5/en/);
request paths are taken from python-okx's `okx.consts` where the SDK has
them, so a typo cannot make the two disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from okx import consts as sdk

from services.engine.core.types import FeedChannel

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
