"""FxTable: configured rates only."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.engine.risk.fx import FxTable, UnknownCurrency

D = Decimal


def test_dollar_stablecoins_default_to_par_and_lookups_ignore_case() -> None:
    fx = FxTable()
    assert fx.to_usd(D("12.5"), "usdc") == D("12.5")
    assert fx.rate("USDT") == 1 and fx.rate("USD") == 1


def test_unknown_currencies_raise_rather_than_guess() -> None:
    fx = FxTable()
    assert fx.get("BTC") is None
    with pytest.raises(UnknownCurrency, match="no USD rate configured for BTC"):
        fx.to_usd(D(1), "btc")


def test_configured_rates_override_defaults_and_must_be_positive_decimals() -> None:
    fx = FxTable({"USDT": D("0.9990"), "BTC": D(65000)})
    assert fx.to_usd(D(2), "USDT") == D("1.9980")
    assert fx.to_usd(D("0.1"), "BTC") == D(6500)
    for bad in (D(0), D(-1), D("NaN")):
        with pytest.raises(ValueError):
            fx.set_rate("EUR", bad)
    with pytest.raises(ValueError):
        fx.set_rate("EUR", 1.1)  # type: ignore[arg-type]
    assert FxTable(include_defaults=False).get("USDC") is None
