"""Default venue rules: tick, lot, minimum size, post-only crossing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.engine.paper.rules import DefaultVenueRules, on_grid
from services.shared.generated.enums import OrderSide, OrderType
from tests.unit.engine.factories import book, intent
from tests.unit.engine.paper.conftest import ETH

D = Decimal
RULES = DefaultVenueRules()
BOOK = book([("100", "5")], [("101", "5")], symbol="ETH-USDT")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"price": "100.005"}, "price 100.005 is not a multiple of the tick size 0.01"),
        ({"size": "0.015"}, "size 0.015 is not a multiple of the lot size 0.01"),
        ({"size": "0.04"}, "size 0.04 is below the minimum size 0.05"),
        ({"size": "0"}, "size 0 must be positive"),
        ({"price": None}, "a limit order needs a price"),
        ({"price": "-1"}, "price -1 must be positive"),
        (
            {"price": "101", "type": OrderType.POST_ONLY},
            "post-only buy at 101 would cross the best ask 101",
        ),
        (
            {"price": "99.99", "side": OrderSide.SELL, "type": OrderType.POST_ONLY},
            "post-only sell at 99.99 would cross the best bid 100",
        ),
    ],
)
def test_orders_breaking_a_venue_rule_are_rejected_with_a_clear_reason(
    kwargs: dict[str, object], reason: str
) -> None:
    args: dict[str, object] = {"symbol": "ETH-USDT", "size": "1", "price": "100"}
    args.update(kwargs)
    assert RULES.validate(intent(**args), ETH, BOOK) == reason  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"price": "100.01", "size": "0.05"},
        {"price": "100.99", "type": OrderType.POST_ONLY},
        {"price": None, "type": OrderType.MARKET, "size": "1.23"},
        {"price": "101.5", "type": OrderType.IOC},
    ],
)
def test_valid_orders_pass(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"symbol": "ETH-USDT", "size": "1", "price": "100"}
    args.update(kwargs)
    assert RULES.validate(intent(**args), ETH, BOOK) is None  # type: ignore[arg-type]


def test_post_only_without_a_book_is_accepted() -> None:
    i = intent(price="200", type=OrderType.POST_ONLY, symbol="ETH-USDT")
    assert RULES.validate(i, ETH, None) is None


def test_grid_checks_are_exact_decimals() -> None:
    assert on_grid(D("0.3"), D("0.1"))
    assert not on_grid(D("0.35"), D("0.1"))
    assert on_grid(D("123.456"), D(0))
