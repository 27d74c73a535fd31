"""Envelope codec keeps decimals exact; the sequencer never repeats a number."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.shared.codec import CodecError, decode_command, decode_event, dumps
from services.shared.envelope import EventBuilder
from services.shared.generated.entities import Fill
from services.shared.generated.events import EventType
from services.shared.sequencer import Sequencer


def _fill(price: Decimal, size: Decimal) -> Fill:
    return Fill(
        id="t1", exchange="okx", orderId="o1", instrument="BTC-USDT", side="buy",
        price=price, size=size, fee=Decimal("-0.00000001"), paper=True, ts=1,
    )  # fmt: skip


@given(
    st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=12, allow_nan=False),
)
def test_decimals_survive_the_wire_exactly(value: Decimal) -> None:
    builder = EventBuilder("eng", _MemorySequencer())
    event = builder.build(EventType.FILL, _fill(value, abs(value)), exchange="okx")
    back = decode_event(dumps(event))
    assert Decimal(back.payload["price"]) == value
    assert "E" not in back.payload["price"] and "e" not in back.payload["price"]
    assert back.payload["fee"] == "-0.00000001"


def test_envelope_carries_identity_and_increasing_seq() -> None:
    builder = EventBuilder("eng-7", _MemorySequencer(), clock=lambda: 1234)
    a = builder.build(EventType.FILL, _fill(Decimal("1"), Decimal("2")), exchange="okx", bot_id="b")
    b = builder.build(EventType.ENGINE_HEARTBEAT, {"x": 1})
    assert (a.engineId, a.exchange.value, a.botId, a.ts, a.seq) == ("eng-7", "okx", "b", 1234, 1)
    assert (b.exchange.value, b.seq) == ("all", 2)


def test_malformed_messages_raise_codec_error() -> None:
    with pytest.raises(CodecError):
        decode_event(b"{nope")
    with pytest.raises(CodecError):
        decode_event(b'{"type": "fill"}')
    with pytest.raises(CodecError):
        decode_command(b'{"id": "x", "type": "launch_missiles", "ts": 1}')


def test_sequencer_continues_past_reserved_block_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "seq"
    first = Sequencer(path, block=10)
    issued = [first.next() for _ in range(13)]
    assert issued == list(range(1, 14))
    # A crash now loses the in-memory counter; the file says 20 were reserved.
    second = Sequencer(path, block=10)
    assert second.next() == 21
    assert second.next() == 22


def test_sequencer_refuses_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "seq"
    path.write_text("twelve")
    with pytest.raises(ValueError, match="corrupt"):
        Sequencer(path)


class _MemorySequencer(Sequencer):
    def __init__(self) -> None:
        self._n = 0

    def next(self) -> int:
        self._n += 1
        return self._n
