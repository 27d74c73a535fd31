"""Config refuses what it does not understand; the factory registers and builds the venue."""

from __future__ import annotations

import dataclasses

import pytest
from pydantic import SecretStr

import services.engine.adapters.okx  # noqa: F401  (registers the venue)
from services.engine.adapters.base import VenueCredentials, VenueEndpoints
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.executor import OkxExecutor
from services.engine.adapters.okx.feed import OkxFeed
from services.engine.adapters.registry import venue_factory
from services.shared.generated.enums import Exchange
from services.shared.settings import Settings

ENDPOINTS = VenueEndpoints(
    rest_url="http://127.0.0.1:8600/",
    ws_public_url="ws://127.0.0.1:8600/ws/v5/public",
    ws_private_url="ws://127.0.0.1:8600/ws/v5/private",
)


def test_endpoints_and_text_overrides_build_a_config() -> None:
    endpoints = dataclasses.replace(
        ENDPOINTS, extra={"demo": "1", "book_channel": "books5", "inst_types": "SPOT,SWAP"}
    )
    config = OkxConfig.from_endpoints(endpoints)
    assert config.rest_url == "http://127.0.0.1:8600"
    assert (config.demo, config.book_channel, config.inst_types) == (
        True,
        "books5",
        ("SPOT", "SWAP"),
    )


@pytest.mark.parametrize(
    "extra",
    [
        {"no_such_field": "1"},
        {"book_channel": "books-fast"},
        {"demo": "maybe"},
        {"ws_ping_interval_secs": "45"},
    ],
)
def test_unknown_fields_and_bad_values_are_refused(extra: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        OkxConfig.from_endpoints(dataclasses.replace(ENDPOINTS, extra=extra))


def test_config_is_frozen_and_keyword_only() -> None:
    config = OkxConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.demo = True  # type: ignore[misc]
    with pytest.raises(TypeError):
        OkxConfig("https://example.com")  # type: ignore[misc]


def test_settings_supply_the_endpoints() -> None:
    settings = Settings(
        OKX_REST_URL="http://sim:1/",
        OKX_WS_PUBLIC_URL="ws://sim:1/p",
        OKX_WS_PRIVATE_URL="ws://sim:1/q",
    )  # type: ignore[call-arg]
    config = OkxConfig.from_settings(settings)
    assert (config.rest_url, config.ws_public_url, config.ws_private_url) == (
        "http://sim:1",
        "ws://sim:1/p",
        "ws://sim:1/q",
    )


def test_registered_factory_builds_public_only_without_keys_and_all_roles_with() -> None:
    factory = venue_factory(Exchange.OKX)
    public = factory(ENDPOINTS, None)
    assert isinstance(public.feed, OkxFeed) and public.executor is None and public.account is None
    creds = VenueCredentials(
        api_key=SecretStr("k"), secret_key=SecretStr("s"), passphrase=SecretStr("p")
    )
    full = factory(ENDPOINTS, creds)
    assert isinstance(full.executor, OkxExecutor) and full.account is not None
