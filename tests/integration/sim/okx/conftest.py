"""An OKX simulator per test session, and python-okx clients pointed at it.

The simulator runs in a background thread with its own event loop, so the SDK's synchronous
REST clients can be called from tests directly and its async WS clients from async tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import okx.Account as Account
import okx.MarketData as MarketData
import okx.PublicData as PublicData
import okx.Trade as Trade
import pytest

from services.sim.okx import constants as c
from services.sim.okx.config import SimConfig
from services.sim.okx.server import Endpoints, SimThread

# python-okx 0.4.4 posts its JSON body with httpx's deprecated `data=<str>`; that warning is the
# SDK's, not the simulator's, so it is ignored for these conformance tests only.
SDK_POST_WARNING = "ignore:Use 'content=<...>' to upload raw bytes/text content.:DeprecationWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Apply SDK_POST_WARNING to every test of this package."""
    here = __name__.rsplit(".", 1)[0]
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.startswith(here):
            item.add_marker(pytest.mark.filterwarnings(SDK_POST_WARNING))


@dataclass
class SimHandle:
    """Endpoints plus a client for the /sim control surface."""

    endpoints: Endpoints
    http: httpx.Client
    thread: SimThread

    def control(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST to /sim/<path> and return the JSON answer (which must be a 200)."""
        response = self.http.post(f"/sim/{path}", json=body or {})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def get(self, path: str) -> dict[str, Any]:
        """GET /sim/<path>."""
        response = self.http.get(f"/sim/{path}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture(scope="session")
def okx_sim_session() -> Iterator[SimHandle]:
    """One simulator (plain + TLS listeners) for the whole session, market frozen."""
    thread = SimThread(SimConfig(port=0, tls_port=0, seed=7, market_paused=True))
    endpoints = thread.start()
    with httpx.Client(base_url=endpoints.rest_url, timeout=10) as http:
        yield SimHandle(endpoints=endpoints, http=http, thread=thread)
    thread.stop()


@pytest.fixture
def okx_sim(okx_sim_session: SimHandle) -> SimHandle:
    """The session simulator with a fresh account and a frozen market."""
    okx_sim_session.control("reset")
    okx_sim_session.control("market/pause")
    return okx_sim_session


def _sdk_kwargs(sim: SimHandle, **overrides: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "api_key": c.DEFAULT_API_KEY,
        "api_secret_key": c.DEFAULT_SECRET_KEY,
        "passphrase": c.DEFAULT_PASSPHRASE,
        "flag": "1",
        "domain": sim.endpoints.rest_url,
        "debug": False,
    }
    kwargs.update(overrides)
    return kwargs


@pytest.fixture
def sdk_factory(okx_sim: SimHandle) -> Iterator[Callable[..., Any]]:
    """Build python-okx clients the way a user would (domain = simulator, flag "1")."""
    made: list[Any] = []

    def make(cls: type[Any], **overrides: str) -> Any:
        client = cls(**_sdk_kwargs(okx_sim, **overrides))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def trade(sdk_factory: Callable[..., Any]) -> Any:
    """okx.Trade.TradeAPI on the simulator."""
    return sdk_factory(Trade.TradeAPI)


@pytest.fixture
def account(sdk_factory: Callable[..., Any]) -> Any:
    """okx.Account.AccountAPI on the simulator."""
    return sdk_factory(Account.AccountAPI)


@pytest.fixture
def market(sdk_factory: Callable[..., Any]) -> Any:
    """okx.MarketData.MarketAPI on the simulator."""
    return sdk_factory(MarketData.MarketAPI)


@pytest.fixture
def public(sdk_factory: Callable[..., Any]) -> Any:
    """okx.PublicData.PublicAPI on the simulator."""
    return sdk_factory(PublicData.PublicAPI)


@pytest.fixture
def trusted_tls(okx_sim: SimHandle, monkeypatch: pytest.MonkeyPatch) -> SimHandle:
    """Trust the simulator's self-signed certificate, as a user would with SSL_CERT_FILE.

    python-okx's WebSocket classes always pass an SSL context, which websockets refuses for
    ws:// URLs, so they can only reach the simulator over its TLS listener.
    """
    monkeypatch.setenv("SSL_CERT_FILE", str(okx_sim.endpoints.tls_cert_file))
    return okx_sim


class Inbox:
    """Collects WS messages from an SDK callback and waits for one that matches."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.seen: list[dict[str, Any]] = []

    def __call__(self, message: str) -> None:
        self.queue.put_nowait(json.loads(message))

    async def expect(
        self, predicate: Callable[[dict[str, Any]], bool], timeout_secs: float = 10.0
    ) -> dict[str, Any]:
        """Return the first message (in arrival order) matching `predicate`."""
        async with asyncio.timeout(timeout_secs):
            while True:
                message = await self.queue.get()
                self.seen.append(message)
                if predicate(message):
                    return message


def is_push(channel: str, **fields: str) -> Callable[[dict[str, Any]], bool]:
    """Predicate: a data push on `channel` (optionally with `arg` fields)."""

    def check(message: dict[str, Any]) -> bool:
        arg = message.get("arg", {})
        return (
            "data" in message
            and arg.get("channel") == channel
            and all(arg.get(k) == v for k, v in fields.items())
        )

    return check


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking SDK call off the test's event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)
