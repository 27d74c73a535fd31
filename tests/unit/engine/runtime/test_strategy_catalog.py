"""Strategy catalog, params schema and the built-in quoter."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.engine.strategies.base import Strategy, StrategyParams
from services.engine.strategies.quoter import QuoterParams, QuoterStrategy
from services.engine.strategies.registry import (
    InvalidStrategy,
    StrategyCatalog,
    UnknownStrategy,
    check_strategy_class,
    default_catalog,
)
from services.shared.generated.enums import Exchange


def test_builtins_are_installed_with_their_schemas() -> None:
    catalog = default_catalog()
    assert {"noop", "quoter"} <= set(catalog.names())
    quoter = next(t for t in catalog.templates() if t.name == "quoter")
    assert quoter.source == "builtin"
    assert set(quoter.params_schema["properties"]) == {
        "size",
        "spread_bps",
        "requote_bps",
        "max_position",
    }
    assert quoter.exchanges == ["kalshi", "okx", "polymarket"]


def test_unknown_strategy_names_what_is_installed() -> None:
    with pytest.raises(UnknownStrategy, match="installed: noop"):
        catalog = StrategyCatalog()
        catalog.register(default_catalog().get("noop"))
        catalog.get("grid")


def test_params_are_validated_and_unknown_fields_refused() -> None:
    assert QuoterStrategy.parse_params({"size": "2"}) == QuoterParams(size=Decimal(2))
    with pytest.raises(ValidationError, match="size"):
        QuoterStrategy.parse_params({"size": "0"})
    with pytest.raises(ValidationError, match="extra"):
        QuoterStrategy.parse_params({"sizes": "1"})


def test_only_named_strategy_subclasses_are_accepted() -> None:
    class Nameless(Strategy[StrategyParams]):
        pass

    class Okx(Strategy[StrategyParams]):
        name = "okx_only"
        supported_exchanges = frozenset({Exchange.OKX})

    with pytest.raises(InvalidStrategy, match="no name"):
        check_strategy_class(Nameless)
    with pytest.raises(InvalidStrategy, match="not a Strategy"):
        check_strategy_class(dict)
    with pytest.raises(InvalidStrategy, match="names a strategy called 'okx_only'"):
        check_strategy_class(Okx, "other")
    assert Okx.supports(Exchange.OKX) and not Okx.supports(Exchange.KALSHI)
