"""OKX account: balances, positions (leverage, margin mode, liquidation price,
margin ratio) and leverage, over signed REST."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from services.engine.adapters.base import AccountAdapter, NotSupported
from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.constants import PATH_BALANCE, PATH_POSITIONS, PATH_SET_LEVERAGE
from services.engine.adapters.okx.http import OkxHttpClient, decode_data
from services.engine.adapters.okx.parse import decimal_text, parse_balances, parse_position
from services.shared.generated.entities import Balance, Position
from services.shared.generated.enums import Exchange, MarginMode


def _now_ms() -> int:
    return int(time.time() * 1000)


async def set_leverage(
    http: OkxHttpClient, instrument: str, leverage: Decimal, margin_mode: MarginMode
) -> w.LeverageInfo:
    """POST /api/v5/account/set-leverage for one instrument (net position mode)."""
    if margin_mode is MarginMode.CASH:
        raise NotSupported("okx: cash (spot) trading has no leverage")
    envelope = await http.post(
        PATH_SET_LEVERAGE,
        {"instId": instrument, "lever": decimal_text(leverage), "mgnMode": margin_mode.value},
    )
    items = decode_data(envelope, w.LeverageInfo)
    return items[0] if items else w.LeverageInfo()


class OkxAccount(AccountAdapter):
    """AccountAdapter for one OKX (sub-)account."""

    exchange = Exchange.OKX

    def __init__(self, http: OkxHttpClient, *, now_ms: Callable[[], int] = _now_ms) -> None:
        self._http = http
        self._now_ms = now_ms

    async def balances(self) -> list[Balance]:
        """Balances per currency (equity, available, frozen, USD value)."""
        envelope = await self._http.get(PATH_BALANCE, signed=True)
        out: list[Balance] = []
        now = self._now_ms()
        for item in decode_data(envelope, w.Balance):
            out.extend(parse_balances(item, now_ms=now))
        return out

    async def positions(self) -> list[Position]:
        """Open positions (flat entries are left out)."""
        envelope = await self._http.get(PATH_POSITIONS, signed=True)
        now = self._now_ms()
        out = []
        for item in decode_data(envelope, w.Position):
            position = parse_position(item, now_ms=now)
            if position is not None:
                out.append(position)
        return out

    async def set_leverage(
        self, instrument: str, leverage: Decimal, margin_mode: MarginMode
    ) -> None:
        """Set the instrument's leverage for `margin_mode` (cross or isolated)."""
        await set_leverage(self._http, instrument, leverage, margin_mode)
