"""Build the OKX adapter (feed, executor, account) from endpoints and credentials."""

from __future__ import annotations

from services.engine.adapters.base import VenueAdapter, VenueCredentials, VenueEndpoints
from services.engine.adapters.okx.account import OkxAccount
from services.engine.adapters.okx.auth import OkxCredentials
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.executor import OkxExecutor
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.okx.http import OkxHttpClient
from services.engine.adapters.okx.providers import OkxInstrumentProvider
from services.engine.adapters.okx.ratelimit import RateLimiter


def build_adapter(config: OkxConfig, credentials: VenueCredentials | None = None) -> VenueAdapter:
    """The three roles over one rate-limit budget; no executor/account without keys."""
    limiter = RateLimiter()
    okx_creds = OkxCredentials.from_venue(credentials)
    public_http = OkxHttpClient(config, None, limiter=limiter)
    feed = OkxFeed(config, OkxInstrumentProvider(public_http, config))
    if okx_creds is None:
        return VenueAdapter(feed=feed, executor=None, account=None)
    private_http = OkxHttpClient(config, okx_creds, limiter=limiter)
    return VenueAdapter(
        feed=feed,
        executor=OkxExecutor(config, private_http, okx_creds),
        account=OkxAccount(private_http),
    )


def okx_factory(endpoints: VenueEndpoints, credentials: VenueCredentials | None) -> VenueAdapter:
    """The `VenueFactory` registered for Exchange.OKX."""
    return build_adapter(OkxConfig.from_endpoints(endpoints), credentials)
