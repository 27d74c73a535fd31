"""OKX order-book checksum: the docs' own examples, and books built from wire strings."""

from __future__ import annotations

import zlib
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.engine.adapters.okx.parse import DecimalCache, book_checksum, checksum_of_strings
from services.engine.core.book import L2Book


def test_docs_example_with_two_levels_each_side() -> None:
    bids = [("3366.1", "7"), ("3366", "6")]
    asks = [("3366.8", "9"), ("3368", "8")]
    assert checksum_of_strings(bids, asks) == -1881014294


def test_docs_example_where_the_longer_side_continues_alone() -> None:
    bids = [("3366.1", "7")]
    asks = [("3366.8", "9"), ("3368", "8"), ("3372", "8")]
    assert checksum_of_strings(bids, asks) == 831078360


def test_only_the_first_25_levels_of_each_side_count() -> None:
    bids = [(str(100 - i), "1") for i in range(30)]
    asks = [(str(200 + i), "1") for i in range(30)]
    assert checksum_of_strings(bids, asks) == checksum_of_strings(bids[:25], asks[:25])


def _book(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> L2Book:
    to_dec = DecimalCache()
    book = L2Book("okx", "BTC-USDT")
    book.apply_snapshot(
        to_dec.levels([list(b) for b in bids]), to_dec.levels([list(a) for a in asks]), seq=1
    )
    return book


def test_book_checksum_uses_the_strings_as_received() -> None:
    # Trailing zeros and tiny sizes must not be reformatted ("0.10", not "0.1";
    # "0.00000001", not "1E-8").
    bids = [("8476.90", "0.10"), ("8476.5", "0.00000001")]
    asks = [("8477.00", "415"), ("8477.1", "2")]
    expected = zlib.crc32(b"8476.90:0.10:8477.00:415:8476.5:0.00000001:8477.1:2")
    assert book_checksum(_book(bids, asks)) == expected - (1 << 32 if expected >= 1 << 31 else 0)


prices = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("99999"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
sizes = st.decimals(
    min_value=Decimal("0.00000001"),
    max_value=Decimal("1000"),
    places=8,
    allow_nan=False,
    allow_infinity=False,
).filter(lambda d: d > 0)


@given(st.dictionaries(prices, sizes, max_size=40), st.dictionaries(prices, sizes, max_size=40))
def test_book_checksum_equals_checksum_of_best_first_wire_strings(
    bid_map: dict[Decimal, Decimal], ask_map: dict[Decimal, Decimal]
) -> None:
    bids = [(format(p, "f"), format(s, "f")) for p, s in sorted(bid_map.items(), reverse=True)]
    asks = [(format(p, "f"), format(s, "f")) for p, s in sorted(ask_map.items())]
    assert book_checksum(_book(bids, asks)) == checksum_of_strings(bids, asks)
