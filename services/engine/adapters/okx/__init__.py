"""OKX V5 venue adapter; importing it registers the venue (`trading.venues` entry point).

Modules: config, constants, schemas (wire structs), parse (pure), auth (pure
signing), errors, ratelimit, http / ws (transport only), providers
(instruments), feed, executor, account, factory.
"""

from __future__ import annotations

from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.factory import build_adapter, okx_factory
from services.engine.adapters.registry import register_venue
from services.shared.generated.enums import Exchange

register_venue(Exchange.OKX, okx_factory)

__all__ = ["OkxConfig", "build_adapter", "okx_factory"]
