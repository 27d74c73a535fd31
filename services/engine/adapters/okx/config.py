"""OKX adapter configuration: frozen, typed, units in names, unknown fields refused."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from services.engine.adapters.base import VenueEndpoints
from services.engine.adapters.okx import constants as c
from services.shared.settings import Settings

DEFAULT_REST_URL = "https://www.okx.com"
DEFAULT_WS_PUBLIC_URL = "wss://ws.okx.com:8443/ws/v5/public"
DEFAULT_WS_PRIVATE_URL = "wss://ws.okx.com:8443/ws/v5/private"
_TD_MODES = frozenset({"cross", "isolated"})
_INST_TYPES = frozenset({"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"})


@dataclass(frozen=True, kw_only=True, slots=True)
class OkxConfig:
    """Everything the OKX adapter can be told; defaults suit the real venue."""

    rest_url: str = DEFAULT_REST_URL
    ws_public_url: str = DEFAULT_WS_PUBLIC_URL
    ws_private_url: str = DEFAULT_WS_PRIVATE_URL
    # Demo trading: sends `x-simulated-trading: 1` (demo keys only work there).
    demo: bool = False
    # Which OKX channel serves FeedChannel.BOOK.
    book_channel: str = c.CH_BOOKS
    # Verify the CRC32 checksum when the venue sends a non-zero one.
    verify_checksum: bool = True
    # Send a text `ping` after this much silence (docs: under 30 s).
    ws_ping_interval_secs: float = 20.0
    # Reconnect when nothing (not even `pong`) arrives this long after a ping.
    ws_pong_timeout_secs: float = 10.0
    ws_open_timeout_secs: float = 10.0
    ws_max_message_bytes: int = 8 * 1024 * 1024
    # Split subscriptions over several public connections past this many.
    ws_max_subscriptions_per_connection: int = 400
    reconnect_initial_delay_secs: float = 0.25
    reconnect_max_delay_secs: float = 30.0
    reconnect_jitter_ratio: float = 0.5
    # Resend unsubscribe + subscribe when a resync's snapshot takes longer.
    resync_timeout_secs: float = 10.0
    login_timeout_secs: float = 10.0
    http_timeout_secs: float = 10.0
    http_max_attempts: int = 3
    http_retry_initial_delay_secs: float = 0.2
    http_retry_max_delay_secs: float = 2.0
    # Margin mode of derivative orders when the intent does not say.
    default_td_mode: str = "cross"
    # Instrument types loaded by `instruments()`.
    inst_types: tuple[str, ...] = ("SPOT", "SWAP", "FUTURES")
    # `fills_since(None)` pages back at most this far (100 fills per page).
    fills_max_pages: int = 10
    # Bounded memory of delivered fill ids (reconciliation dedup).
    seen_fills_max: int = 100_000
    # Price/size strings -> Decimal memo of the book hot path.
    decimal_cache_max: int = 200_000

    def __post_init__(self) -> None:
        if self.book_channel not in c.BOOK_CHANNELS:
            raise ValueError(f"book_channel must be one of {sorted(c.BOOK_CHANNELS)}")
        if self.default_td_mode not in _TD_MODES:
            raise ValueError(f"default_td_mode must be one of {sorted(_TD_MODES)}")
        if not set(self.inst_types) <= _INST_TYPES:
            raise ValueError(f"inst_types must be among {sorted(_INST_TYPES)}")
        if not 0 < self.ws_ping_interval_secs < c.WS_MAX_SILENCE_SECS:
            raise ValueError("ws_ping_interval_secs must be in (0, 30)")
        if self.http_max_attempts < 1 or self.fills_max_pages < 1:
            raise ValueError("http_max_attempts and fills_max_pages must be >= 1")
        if not 0 <= self.reconnect_jitter_ratio <= 1:
            raise ValueError("reconnect_jitter_ratio must be in [0, 1]")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> OkxConfig:
        """Endpoints from Settings (OKX_REST_URL, OKX_WS_PUBLIC_URL, OKX_WS_PRIVATE_URL)."""
        return cls(
            rest_url=settings.okx_rest_url.rstrip("/"),
            ws_public_url=settings.okx_ws_public_url,
            ws_private_url=settings.okx_ws_private_url,
            **overrides,
        )

    @classmethod
    def from_endpoints(cls, endpoints: VenueEndpoints) -> OkxConfig:
        """Build from engine endpoints; `extra` may set any field by name (as text)."""
        base = cls(
            rest_url=endpoints.rest_url.rstrip("/"),
            ws_public_url=endpoints.ws_public_url,
            ws_private_url=endpoints.ws_private_url or DEFAULT_WS_PRIVATE_URL,
        )
        return base.with_text_overrides(endpoints.extra)

    def with_text_overrides(self, values: dict[str, str]) -> OkxConfig:
        """Copy with fields set from strings; refuse unknown names and bad values."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, text in values.items():
            if name not in known:
                raise ValueError(f"unknown OKX config field {name!r}")
            current = getattr(self, name)
            changes[name] = _coerce(name, text, current)
        return replace(self, **changes)


def _coerce(name: str, text: str, current: object) -> object:
    if isinstance(current, bool):
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name}: expected a boolean, got {text!r}")
    if isinstance(current, int):
        return int(text)
    if isinstance(current, float):
        return float(text)
    if isinstance(current, tuple):
        return tuple(part.strip() for part in text.split(",") if part.strip())
    return text
