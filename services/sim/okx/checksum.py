"""The CRC32 checksum of OKX's `books` channels (§B.5.3, docs "Checksum")."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from services.sim.okx.constants import CHECKSUM_DEPTH


def book_checksum(
    bids: Sequence[Sequence[str]],
    asks: Sequence[Sequence[str]],
    depth: int = CHECKSUM_DEPTH,
) -> int:
    """Return OKX's signed 32-bit CRC32 over the top `depth` bids and asks, best first.

    The string alternates `bid_px:bid_sz:ask_px:ask_sz` level by level; a side that runs out
    simply stops contributing. Prices and sizes are used exactly as rendered on the wire.
    """
    parts: list[str] = []
    for i in range(depth):
        if i < len(bids):
            parts.append(bids[i][0])
            parts.append(bids[i][1])
        if i < len(asks):
            parts.append(asks[i][0])
            parts.append(asks[i][1])
    value = zlib.crc32(":".join(parts).encode("utf-8")) & 0xFFFFFFFF
    return value - (1 << 32) if value >= (1 << 31) else value
