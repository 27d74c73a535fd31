"""Every path, limit and magic number of the OKX simulator, each with the reason for its value."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

# -- paths (PROTOCOLS §B.1, §B.4) -----------------------------------------------------------------
API_PREFIX: Final = "/api/v5"
WS_PUBLIC_PATH: Final = "/ws/v5/public"
WS_PRIVATE_PATH: Final = "/ws/v5/private"
# Simulator-only control surface; deliberately outside OKX's namespace so no client mistakes it
# for a venue endpoint.
CONTROL_PREFIX: Final = "/sim"
WS_LOGIN_PATH: Final = (
    "/users/self/verify"  # the fixed requestPath of the WS login prehash (§B.2.2)
)

# -- defaults of `trading sim okx` (documented in services/sim/okx/README.md) ---------------------
DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8600
DEFAULT_SEED: Final = 7
DEFAULT_TIME_SCALE: Final = 1.0
# Demo-looking credentials: a UUID key and a 32-hex secret like the docs' example key.
DEFAULT_API_KEY: Final = "5b0a3c4e-7f1d-4a2b-9c8e-0d1f2a3b4c5d"
DEFAULT_SECRET_KEY: Final = "9C3E1A7F5B2D4A6C8E0F1A3B5C7D9E1F"
DEFAULT_PASSPHRASE: Final = "Sim-Passphrase-1"
# Starting balances of the simulated account, per currency (a demo account starts similarly rich).
DEFAULT_BALANCES: Final = {"USDT": Decimal("100000"), "BTC": Decimal("1"), "ETH": Decimal("10")}

# -- auth (§B.2) ----------------------------------------------------------------------------------
# OKX refuses REST requests whose OK-ACCESS-TIMESTAMP differs from server time by more than 30 s
# (docs "Making Requests", 50102) and WS logins 30 s after their timestamp (docs "Login").
AUTH_WINDOW_SECS: Final = 30

# -- WebSocket (§B.5) -----------------------------------------------------------------------------
# OKX closes a connection (code 4004) when nothing has been pushed to it for 30 s.
WS_IDLE_TIMEOUT_SECS: Final = 30.0
WS_IDLE_CLOSE_CODE: Final = 4004
WS_IDLE_CLOSE_REASON: Final = "No data received in 30s"
# What `/sim/ws/drop` sends by default: 1012 "service restart" is what a venue restart looks like.
WS_DROP_CLOSE_CODE: Final = 1012
# Bound per connection so one stuck client cannot grow the simulator's memory without limit.
WS_SEND_QUEUE_MAX: Final = 20_000
# OKX closes with 4005 "Buffer is full, cannot write data" when a client does not keep up.
WS_BUFFER_FULL_CLOSE_CODE: Final = 4005

# -- order books (§B.5.3) -------------------------------------------------------------------------
BOOK_PUSH_INTERVAL_SECS: Final = 0.1  # `books` pushes incremental data every 100 ms
BOOK_HEARTBEAT_SECS: Final = 60.0  # an empty update after ~60 s without a depth change
BOOKS_DEPTH: Final = 400  # `books` carries 400 levels
BOOKS5_DEPTH: Final = 5
CHECKSUM_DEPTH: Final = 25  # checksum covers the first 25 bids and asks
REST_BOOK_DEFAULT_SZ: Final = 1  # GET /market/books returns 1 level when sz is omitted
REST_BOOK_MAX_SZ: Final = 400

# -- trading (§B.4, §B.6) -------------------------------------------------------------------------
MAX_BATCH_ORDERS: Final = 20  # batch place/cancel/amend take at most 20 orders
MAX_PAGE_LIMIT: Final = 100  # list endpoints return at most 100 rows
CL_ORD_ID_MAX_LEN: Final = 32
TAG_MAX_LEN: Final = 16
CAA_MIN_SECS: Final = 10  # cancel-all-after timeOut is 0 or within [10, 120]
CAA_MAX_SECS: Final = 120
DEFAULT_LEVER: Final = Decimal("3")  # the leverage OKX reports for instruments never configured
MAX_FILLS_KEPT: Final = 10_000  # /trade/fills covers 3 days; the simulator keeps the last N
MAX_PUBLIC_TRADES_KEPT: Final = 500  # /market/trades returns at most 500
# Spot market orders reserve an extra 5 % of their notional for the risk check (§B.6).
SPOT_MARKET_BUFFER: Final = Decimal("0.05")

# Fee rates at VIP0 (§B.7, ⚠ unverified there; the simulator makes them its own truth).
SPOT_MAKER_FEE: Final = Decimal("0.0008")
SPOT_TAKER_FEE: Final = Decimal("0.001")
DERIV_MAKER_FEE: Final = Decimal("0.0002")
DERIV_TAKER_FEE: Final = Decimal("0.0005")

# -- funding (§B.4.7, §B.8) -----------------------------------------------------------------------
FUNDING_INTERVAL_MS: Final = 8 * 3600 * 1000  # settled at 00:00, 08:00 and 16:00 UTC
FUNDING_RATE_CAP: Final = Decimal("0.00375")  # min/maxFundingRate of BTC-USDT-SWAP
FUNDING_INTEREST_RATE: Final = Decimal("0.0001")  # 0.01 % per period, OKX's interest component
FUNDING_INTEREST_CLAMP: Final = Decimal("0.0005")  # clamp(interest - premium, ±0.05 %)
FUNDING_PUSH_INTERVAL_SECS: Final = 30.0  # `funding-rate` pushes every 30-90 s

# -- cancel sources of the order object (docs WS order channel, `cancelSource`) -------------------
CANCEL_SOURCE_SYSTEM: Final = "0"
CANCEL_SOURCE_USER: Final = "1"
CANCEL_SOURCE_RISK: Final = "3"
CANCEL_SOURCE_FOK: Final = "13"
CANCEL_SOURCE_IOC: Final = "14"
CANCEL_SOURCE_CAA: Final = "20"
CANCEL_SOURCE_POST_ONLY: Final = "31"
CANCEL_SOURCE_STP: Final = "32"

# -- account --------------------------------------------------------------------------------------
# "Futures mode" (acctLv 2) in net position mode: spot trades in cash, derivatives cross/isolated.
ACCOUNT_LEVEL: Final = "2"
POSITION_MODE: Final = "net_mode"
