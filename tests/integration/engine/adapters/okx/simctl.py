"""The simulator's `/sim` control surface (services/sim/okx/README.md), as the tests use it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx


class SimControl:
    def __init__(self, rest_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=rest_url, timeout=30)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self._http.post(path, json=body or {})
        response.raise_for_status()
        return response.json()

    async def book(self, inst_id: str) -> dict[str, Any]:
        """`{"instId","seqId","ts","checksum","bids","asks"}`: what `books` subscribers hold."""
        response = await self._http.get(f"/sim/book/{inst_id}")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def books_fault(self, inst_id: str, kind: str) -> None:
        """Make the next `books` update faulty: `checksum`, `gap` or `reset`."""
        await self._post("/sim/ws/books-fault", {"instId": inst_id, "kind": kind})

    async def drop_ws(self) -> None:
        """Close every WebSocket connection."""
        await self._post("/sim/ws/drop", {"code": 1012, "reason": "test drop"})

    async def pause(self) -> None:
        await self._post("/sim/market/pause")

    async def resume(self) -> None:
        await self._post("/sim/market/resume")

    async def step(self, steps: int, dt_secs: float = 0.1) -> None:
        await self._post("/sim/market/step", {"steps": steps, "dtSecs": dt_secs})

    async def trade(self, inst_id: str, side: str, sz: str, px: str | None = None) -> None:
        """A synthetic taker: fills resting orders (ours included) by price-time priority."""
        body = {"instId": inst_id, "side": side, "sz": sz}
        if px is not None:
            body["px"] = px
        await self._post("/sim/trade", body)

    async def reset(self) -> None:
        await self._post("/sim/reset")

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """The market model frozen for the block (always released)."""
        await self.pause()
        try:
            yield
        finally:
            await self.resume()
