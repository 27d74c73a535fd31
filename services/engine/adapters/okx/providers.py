"""OKX instrument metadata from GET /api/v5/public/instruments, cached."""

from __future__ import annotations

from services.engine.adapters.okx import schemas as w
from services.engine.adapters.okx.config import OkxConfig
from services.engine.adapters.okx.constants import PATH_INSTRUMENTS
from services.engine.adapters.okx.errors import INSTRUMENT_UNKNOWN, OkxRequestError
from services.engine.adapters.okx.http import OkxHttpClient, decode_data
from services.engine.adapters.okx.parse import ParseError, inst_type_of, parse_instrument
from services.shared.generated.entities import Instrument
from services.shared.logs import get_logger

log = get_logger(__name__)


class OkxInstrumentProvider:
    """Loads and caches instruments; one REST call per instrument type."""

    def __init__(self, http: OkxHttpClient, config: OkxConfig) -> None:
        self._http = http
        self._config = config
        self._cache: dict[str, Instrument] = {}

    @property
    def http(self) -> OkxHttpClient:
        """The REST client instruments are loaded with."""
        return self._http

    def cached(self, symbol: str) -> Instrument | None:
        """A loaded instrument, without I/O."""
        return self._cache.get(symbol)

    async def load_all(self) -> list[Instrument]:
        """Every instrument of the configured types (unsupported ones are skipped)."""
        out: list[Instrument] = []
        for inst_type in self._config.inst_types:
            out.extend(await self._load(inst_type, None))
        return out

    async def get(self, symbol: str) -> Instrument:
        """One instrument; raises OkxRequestError (51001) when OKX does not list it."""
        found = self._cache.get(symbol)
        if found is not None:
            return found
        inst_type = inst_type_of(symbol)
        loaded = await self._load(inst_type, symbol)
        for inst in loaded:
            if inst.symbol == symbol:
                return inst
        raise OkxRequestError(INSTRUMENT_UNKNOWN, f"instrument {symbol!r} does not exist")

    async def _load(self, inst_type: str, inst_id: str | None) -> list[Instrument]:
        envelope = await self._http.get(
            PATH_INSTRUMENTS, {"instType": inst_type, "instId": inst_id}
        )
        out = []
        for wire in decode_data(envelope, w.Instrument):
            try:
                inst = parse_instrument(wire)
            except (ParseError, ValueError) as exc:
                log.debug("okx.instrument.skipped", inst_id=wire.instId, reason=str(exc))
                continue
            self._cache[inst.symbol] = inst
            out.append(inst)
        return out
