"""OKX's books checksum against the docs' examples (PROTOCOLS §B.5.3)."""

from __future__ import annotations

import zlib

from services.sim.okx.checksum import book_checksum


def test_both_sides_deep_enough() -> None:
    bids = [["3366.1", "7", "0", "3"], ["3366", "6", "3", "4"]]
    asks = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"]]
    assert book_checksum(bids, asks) == -1881014294


def test_shorter_side_is_skipped() -> None:
    bids = [["3366.1", "7", "0", "3"]]
    asks = [["3366.8", "9", "10", "3"], ["3368", "8", "3", "4"], ["3372", "8", "3", "4"]]
    assert book_checksum(bids, asks) == 831078360


def test_only_the_top_25_levels_count() -> None:
    bids = [[str(100 - i), "1"] for i in range(30)]
    asks = [[str(200 + i), "1"] for i in range(30)]
    assert book_checksum(bids, asks) == book_checksum(bids[:25], asks[:25])
    assert book_checksum(bids, asks) != book_checksum(bids[:24], asks[:25])


def test_value_is_a_signed_32_bit_crc() -> None:
    bids, asks = [["1", "1"]], [["2", "2"]]
    raw = zlib.crc32(b"1:1:2:2")
    expected = raw - (1 << 32) if raw >= 1 << 31 else raw
    assert book_checksum(bids, asks) == expected
    assert -(1 << 31) <= expected < (1 << 31)


def test_strings_are_used_as_received() -> None:
    assert book_checksum([["1.0", "1"]], [["2", "2"]]) != book_checksum([["1", "1"]], [["2", "2"]])
