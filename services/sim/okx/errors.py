"""OKX's error codes that the simulator models, and the exception that carries one.

Messages follow OKX's error-code tables (docs "Error Code", REST public and WebSocket public);
where real responses were seen to differ from the table, the real text is used and says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One row of OKX's error table: code, message template and HTTP status."""

    code: str
    msg: str
    http_status: int = 200

    def format(self, *params: object) -> str:
        """Fill the message's `{0}`, `{1}`… placeholders."""
        return self.msg.format(*params) if params else self.msg


class OkxError(Exception):
    """A request failed with an OKX error code; rendered as `{"code","msg","data":[]}`."""

    def __init__(self, spec: ErrorSpec, *params: object) -> None:
        self.spec = spec
        self.code = spec.code
        self.msg = spec.format(*params)
        self.http_status = spec.http_status
        super().__init__(f"{self.code} {self.msg}")


# -- general class --------------------------------------------------------------------------------
OK = ErrorSpec("0", "")
ALL_FAILED = ErrorSpec("1", "All operations failed")  # seen in real batch/single failures (§B.3)
PARTIAL = ErrorSpec("2", "Bulk operation partially succeeded.")
BODY_EMPTY = ErrorSpec("50000", "Body for POST request cannot be empty.", 400)
JSON_SYNTAX = ErrorSpec("50002", "JSON syntax error", 400)
# OKX's table has no row for an unknown path; the simulator answers 404 with the code OKX uses
# for an endpoint it does not serve.
ENDPOINT_UNAVAILABLE = ErrorSpec("50005", "API endpoint is inactive or unavailable.", 404)
PARAM_EMPTY = ErrorSpec("50014", "Parameter {0} can not be empty.", 400)
PARAM_COUNT = ErrorSpec("50025", "Parameter {0} count exceeds the limit {1}.")
SYSTEM_ERROR = ErrorSpec("50026", "System error. Try again later", 500)

# -- API class (authentication) -------------------------------------------------------------------
KEY_ENVIRONMENT = ErrorSpec("50101", "APIKey does not match current environment.", 401)
TIMESTAMP_EXPIRED = ErrorSpec("50102", "Timestamp request expired.", 401)
KEY_EMPTY = ErrorSpec("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.', 401)
PASSPHRASE_EMPTY = ErrorSpec("50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.', 401)
PASSPHRASE_WRONG = ErrorSpec("50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.', 401)
SIGN_EMPTY = ErrorSpec("50106", 'Request header "OK-ACCESS-SIGN" cannot be empty.', 401)
TIMESTAMP_EMPTY = ErrorSpec("50107", 'Request header "OK-ACCESS-TIMESTAMP" cannot be empty.', 401)
KEY_INVALID = ErrorSpec("50111", "Invalid OK-ACCESS-KEY.", 401)
TIMESTAMP_INVALID = ErrorSpec("50112", "Invalid OK-ACCESS-TIMESTAMP.", 401)
# The table says "Invalid signature."; real responses captured in the wild say "Invalid Sign".
SIGN_INVALID = ErrorSpec("50113", "Invalid Sign", 401)
METHOD_INVALID = ErrorSpec("50115", "Invalid request method.", 405)

# -- trade class ----------------------------------------------------------------------------------
PARAM_ERROR = ErrorSpec("51000", "Parameter {0} error", 400)
INSTRUMENT_UNKNOWN = ErrorSpec("51001", "Instrument ID or Spread ID doesn't exist.")
ORDER_ID_REQUIRED = ErrorSpec("51003", "Either client order ID or order ID is required.")
INSUFFICIENT_BALANCE = ErrorSpec("51008", "Order failed. Insufficient {0} balance in account")
INSUFFICIENT_MARGIN = ErrorSpec("51008", "Order failed. Insufficient {0} margin in account")
CL_ORD_ID_EXISTS = ErrorSpec("51016", "Client order ID already exists.")
BELOW_MIN_SIZE = ErrorSpec("51020", "Your order should meet or exceed the minimum order amount.")
MAX_BATCH = ErrorSpec("51111", "Maximum {0} orders can be placed in bulk.")
NOT_LOT_MULTIPLE = ErrorSpec("51121", "Order quantity must be a multiple of the lot size.")
NO_LIQUIDITY = ErrorSpec("51109", "No available offers.")
REDUCE_ONLY_NO_POSITION = ErrorSpec(
    "51169",
    "Order failed because you don't have any positions in this direction for this contract "
    "to reduce or close.",
)
REDUCE_ONLY_SAME_SIDE = ErrorSpec(
    "51170",
    "Failed to place order. A reduce-only order can't be the same trading direction as your "
    "existing positions.",
)
CANCEL_FAILED = ErrorSpec(
    "51400", "Order cancellation failed as the order has been filled, canceled or does not exist."
)
CANCEL_ID_REQUIRED = ErrorSpec("51407", "Either order ID or client order ID is required.")
AMEND_NOTHING = ErrorSpec("51500", "You must enter a price, quantity, or TP/SL")
AMEND_MAX = ErrorSpec("51501", "Maximum {0} orders can be modified.", 400)
AMEND_INSUFFICIENT = ErrorSpec("51502", "Unable to edit order: insufficient balance or margin.")
AMEND_FINISHED = ErrorSpec("51503", "Your order has already been filled or canceled.")
AMEND_TYPE = ErrorSpec("51506", "Order modification unavailable for the order type.")
AMEND_POST_ONLY = ErrorSpec(
    "51511", "Modification failed as the order price did not meet the requirement for Post Only."
)
ORDER_NOT_EXIST = ErrorSpec("51603", "Order does not exist.")
CANCEL_MAX = ErrorSpec("51406", "Canceled - order count exceeds the limit {0}.", 400)
RANGE_ERROR = ErrorSpec("54009", "The range of {0} should be [{1}, {2}].")

# -- WebSocket (docs "Error Code / WebSocket / Public") -------------------------------------------
WS_INVALID_TIMESTAMP = ErrorSpec("60004", "Invalid timestamp")
WS_INVALID_KEY = ErrorSpec("60005", "Invalid apiKey")
WS_TIMESTAMP_EXPIRED = ErrorSpec("60006", "Timestamp request expired")
WS_INVALID_SIGN = ErrorSpec("60007", "Invalid sign")
WS_LOGIN_FAILED = ErrorSpec("60009", "Login failed.")
WS_LOGIN_REQUIRED = ErrorSpec("60011", "Please log in")
WS_INVALID_REQUEST = ErrorSpec("60012", "Invalid request: {0}")
WS_INVALID_ARGS = ErrorSpec("60013", "Invalid args")
WS_CHANNEL_UNKNOWN = ErrorSpec(
    "60018",
    "Wrong URL or {0} doesn't exist. Please use the correct URL, channel and parameters "
    "referring to API document.",
)
WS_INVALID_OP = ErrorSpec("60019", "Invalid op: {0}")
WS_WRONG_PASSPHRASE = ErrorSpec("60024", "Wrong passphrase")
WS_PARAM_EMPTY = ErrorSpec("60027", "Parameter {0} can not be empty.")
WS_OP_WRONG_URL = ErrorSpec(
    "60028",
    "The current operation is not supported by this URL. Please use the correct WebSocket URL "
    "for the operation.",
)
WS_REPEATED_LOGIN = ErrorSpec(
    "60031", "The WebSocket endpoint does not allow multiple or repeated logins."
)
WS_VIP_REQUIRED = ErrorSpec(
    "64003", "Your trading fee tier doesn't meet the requirement to access this channel"
)
