"""Build the OKX adapter (feed, executor, account, paper kit) from endpoints and credentials."""

from __future__ import annotations

from functools import partial

from services.engine.adapters.base import VenueAdapter, VenueCredentials, VenueEndpoints
from services.engine.adapters.okx.account import OkxAccount
from services.engine.adapters.okx.auth import OkxCredentials
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.executor import OkxExecutor
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.okx.http import OkxHttpClient
from services.engine.adapters.okx.paper import okx_paper_kit
from services.engine.adapters.okx.providers import OkxInstrumentProvider
from services.engine.adapters.okx.ratelimit import RateLimiter
from services.shared.generated.enums import MarginMode


def build_adapter(config: OkxConfig, credentials: VenueCredentials | None = None) -> VenueAdapter:
    """The three roles over one rate-limit budget; no executor/account without keys.

    Paper accounts get OKX's rules, margin, funding and liquidation, their
    derivatives margined in `default_td_mode` unless an order says otherwise.
    """
    limiter = RateLimiter()
    okx_creds = OkxCredentials.from_venue(credentials)
    public_http = OkxHttpClient(config, None, limiter=limiter)
    feed = OkxFeed(config, OkxInstrumentProvider(public_http, config))
    paper = partial(okx_paper_kit, MarginMode(config.default_td_mode))
    if okx_creds is None:
        return VenueAdapter(feed=feed, executor=None, account=None, paper=paper)
    private_http = OkxHttpClient(config, okx_creds, limiter=limiter)
    return VenueAdapter(
        feed=feed,
        executor=OkxExecutor(config, private_http, okx_creds),
        account=OkxAccount(private_http),
        paper=paper,
    )


def okx_factory(endpoints: VenueEndpoints, credentials: VenueCredentials | None) -> VenueAdapter:
    """The `VenueFactory` registered for Exchange.OKX."""
    return build_adapter(OkxConfig.from_endpoints(endpoints), credentials)
