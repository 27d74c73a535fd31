"""GET /api/engines lists the live registry."""

from __future__ import annotations

from redis.asyncio import Redis

from services.shared import names
from services.shared.codec import dumps
from services.shared.generated.entities import EngineInfo
from tests.integration.cms_api.conftest import RunningApi


def _info(engine_id: str, exchanges: list[str]) -> EngineInfo:
    return EngineInfo.model_validate(
        {
            "engineId": engine_id,
            "exchanges": exchanges,
            "status": "running",
            "version": "0.1.0",
            "activeBots": 3,
            "host": "vps1",
            "pid": 4242,
            "startedAt": 1_700_000_000_000,
            "lastHeartbeat": 1_700_000_005_000,
            "cpuPct": 12.5,
        }
    )


async def test_registered_engines_are_listed_and_bad_records_skipped(
    api: RunningApi, redis: Redis
) -> None:
    okx = _info("eng-b", ["okx"])
    both = _info("eng-a", ["polymarket", "kalshi"])
    await redis.set(names.engine_key(okx.engineId), dumps(okx), px=5_000)
    await redis.set(names.engine_key(both.engineId), dumps(both), px=5_000)
    await redis.set(names.engine_key("eng-broken"), b'{"engineId": "eng-broken"}')
    await redis.set("unrelated:key", b"x")

    response = await api.client.get("/api/engines")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "items": [both.model_dump(mode="json"), okx.model_dump(mode="json")],
        "next_cursor": None,
    }

    only_okx = (await api.client.get("/api/engines", params={"exchange": "okx"})).json()
    assert [e["engineId"] for e in only_okx["items"]] == ["eng-b"]


async def test_unknown_exchange_is_a_422_naming_the_field(api: RunningApi) -> None:
    response = await api.client.get("/api/engines", params={"exchange": "nasdaq"})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["error"]["fields"]] == ["exchange"]


async def test_cors_allows_only_configured_origins(api: RunningApi) -> None:
    allowed = api.runtime.settings.cors_origins.split(",")[0]
    preflight = {"Access-Control-Request-Method": "GET"}
    ok = await api.client.options("/api/engines", headers={"Origin": allowed, **preflight})
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == allowed
    evil = await api.client.options(
        "/api/engines", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in evil.headers
