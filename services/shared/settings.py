"""Settings read from the environment, shared by every service.

Every variable is documented in README.md (Configuration); defaults suit a
single development machine and the real venues' public endpoints.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process configuration; one instance per process via `get_settings()`."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    trading_env: Literal["dev", "prod", "test"] = Field("dev", alias="TRADING_ENV")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    data_dir: Path = Field(Path(".run/data"), alias="TRADING_DATA_DIR")

    redis_url: str = Field("redis://localhost:6379/0", alias="REDIS_URL")
    redis_sentinels: str = Field("", alias="REDIS_SENTINELS")
    redis_sentinel_master: str = Field("mymaster", alias="REDIS_SENTINEL_MASTER")
    redis_socket_timeout_secs: float = Field(2.0, alias="REDIS_SOCKET_TIMEOUT_SECS")

    mongo_url: str = Field("mongodb://localhost:27017", alias="MONGO_URL")
    mongo_db: str = Field("trading", alias="MONGO_DB")

    engine_id: str = Field("engine-1", alias="ENGINE_ID")
    engine_exchanges: str = Field("okx,polymarket,kalshi", alias="ENGINE_EXCHANGES")
    engine_metrics_port: int = Field(9101, alias="ENGINE_METRICS_PORT")

    api_host: str = Field("127.0.0.1", alias="API_HOST")
    api_port: int = Field(8000, alias="API_PORT")
    cors_origins: str = Field("http://localhost:3000,http://127.0.0.1:3000", alias="CORS_ORIGINS")

    polymarket_clob_url: str = Field("https://clob.polymarket.com", alias="POLYMARKET_CLOB_URL")
    polymarket_ws_url: str = Field(
        "wss://ws-subscriptions-clob.polymarket.com/ws", alias="POLYMARKET_WS_URL"
    )
    polymarket_gamma_url: str = Field(
        "https://gamma-api.polymarket.com", alias="POLYMARKET_GAMMA_URL"
    )
    okx_rest_url: str = Field("https://www.okx.com", alias="OKX_REST_URL")
    okx_ws_public_url: str = Field("wss://ws.okx.com:8443/ws/v5/public", alias="OKX_WS_PUBLIC_URL")
    okx_ws_private_url: str = Field(
        "wss://ws.okx.com:8443/ws/v5/private", alias="OKX_WS_PRIVATE_URL"
    )
    kalshi_rest_url: str = Field(
        "https://api.elections.kalshi.com/trade-api/v2", alias="KALSHI_REST_URL"
    )
    kalshi_ws_url: str = Field(
        "wss://api.elections.kalshi.com/trade-api/ws/v2", alias="KALSHI_WS_URL"
    )

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinels_are_host_port(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            host, _, port = item.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"REDIS_SENTINELS entry {item!r} is not host:port")
        return value

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        """Parsed `REDIS_SENTINELS`; empty when Sentinel is not used."""
        out: list[tuple[str, int]] = []
        for item in filter(None, (part.strip() for part in self.redis_sentinels.split(","))):
            host, _, port = item.rpartition(":")
            out.append((host, int(port)))
        return out

    @property
    def exchanges(self) -> list[str]:
        """Parsed `ENGINE_EXCHANGES`."""
        return [e.strip() for e in self.engine_exchanges.split(",") if e.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings()
