"""Configuration of one OKX simulator instance: frozen, typed, unknown fields refused."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.sim.okx import constants as c

ChecksumMode = Literal["crc32", "zero"]


class SimConfig(BaseModel):
    """Everything `trading sim okx` can set; defaults are documented in the README."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = c.DEFAULT_HOST
    port: int = Field(default=c.DEFAULT_PORT, ge=0, le=65535)  # 0 picks a free port
    # Optional second listener serving the same simulator over TLS (https/wss), for clients
    # that refuse plain ws:// URLs (python-okx's WebSocket classes do).
    tls_port: int | None = Field(default=None, ge=0, le=65535)
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_dir: Path | None = None  # where a generated self-signed certificate is written

    seed: int = c.DEFAULT_SEED
    time_scale: float = Field(default=c.DEFAULT_TIME_SCALE, gt=0, le=1_000_000)
    start_time_ms: int | None = None  # simulated clock origin; None = the wall clock at start

    api_key: str = Field(default=c.DEFAULT_API_KEY, min_length=1)
    secret_key: str = Field(default=c.DEFAULT_SECRET_KEY, min_length=1)
    passphrase: str = Field(default=c.DEFAULT_PASSPHRASE, min_length=1)
    # True: the key is a demo-trading key and requests must carry x-simulated-trading: 1,
    # as python-okx does with flag "1". False: a live key (header absent or "0").
    demo_trading: bool = True

    balances: dict[str, Decimal] = Field(default_factory=lambda: dict(c.DEFAULT_BALANCES))
    # "crc32" sends the documented checksum; "zero" mimics the 2026-06-23 change seen in
    # third-party captures where OKX sends 0 (PROTOCOLS §0.2).
    checksum_mode: ChecksumMode = "crc32"

    tick_interval_secs: float = Field(default=c.BOOK_PUSH_INTERVAL_SECS, gt=0, le=10)
    ws_idle_timeout_secs: float = Field(default=c.WS_IDLE_TIMEOUT_SECS, ge=0)  # 0 disables
    auth_window_secs: int = Field(default=c.AUTH_WINDOW_SECS, gt=0)
    market_paused: bool = False  # start with the market model frozen (tests, demos)
