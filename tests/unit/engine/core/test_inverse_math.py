"""InverseContractMath: coin-margined value, PnL and harmonic-mean entry; per-instrument choice."""

from __future__ import annotations

from decimal import Decimal

from services.engine.core.positions import (
    INVERSE,
    LINEAR,
    InverseContractMath,
    PositionBook,
    contract_math_for,
    is_inverse,
    reported,
)
from services.shared.generated.enums import InstrumentKind, OrderSide
from tests.unit.engine.factories import fill, instrument, swap

D = Decimal
BUY, SELL = OrderSide.BUY, OrderSide.SELL
# ctVal 100 USD per contract, settled in BTC (OKX BTC-USD-SWAP / BTC-USD futures).
INV = instrument(
    "BTC-USD-SWAP",
    kind=InstrumentKind.SWAP,
    base="BTC",
    quote="USD",
    settle="BTC",
    lot="1",
    min_size="1",
    contract_value="100",
)


def test_value_pnl_and_average_entry() -> None:
    m = InverseContractMath()
    # 10 contracts x 100 USD / 60,000 = 0.0166666... BTC.
    assert m.notional(D(10), D(60000), D(100)) == D(1000) / D(60000)
    assert reported(m.notional(D(10), D(60000), D(100))) == D("0.01666667")
    # Long 10 from 60,000 to 66,000: 1,000 x (1/60,000 - 1/66,000) = 0.00151515... BTC.
    long = m.pnl(D(10), D(60000), D(66000), D(100))
    assert reported(long) == D("0.00151515")
    # A short of the same size loses exactly that.
    assert m.pnl(D(-10), D(60000), D(66000), D(100)) == -long
    # Harmonic mean: (10 + 5) / (10/60,000 + 5/50,000) = 56,250.
    assert reported(m.average_entry(D(10), D(60000), D(5), D(50000))) == D(56250)
    assert reported(m.average_entry(D(-10), D(60000), D(5), D(50000))) == D(56250)
    assert m.average_entry(D(0), D(0), D(5), D(50000)) == D(50000)
    # Degenerate prices value at 0 rather than dividing by zero.
    assert m.notional(D(1), D(0), D(100)) == 0 and m.pnl(D(1), D(0), D(1), D(100)) == 0


def test_inverse_is_chosen_by_settle_equals_base_for_derivatives_only() -> None:
    assert is_inverse(INV) and contract_math_for(INV) is INVERSE
    linear = swap()
    assert not is_inverse(linear) and contract_math_for(linear) is LINEAR
    # Spot whose "settle" were the base is still not a contract.
    spot = instrument("BTC-USD", base="BTC", quote="USD", settle="BTC")
    assert not is_inverse(spot) and contract_math_for(spot) is LINEAR


def test_position_book_uses_inverse_math_for_coin_margined_fills() -> None:
    pb = PositionBook()
    pb.apply_fill(fill(BUY, "10", "60000", fid="1", symbol="BTC-USD-SWAP"), INV)
    effect = pb.apply_fill(fill(SELL, "10", "66000", fid="2", symbol="BTC-USD-SWAP"), INV)
    pos = effect.position
    assert pos.currency == "BTC" and pos.math is INVERSE
    assert reported(effect.realized_pnl) == D("0.00151515")
    # Volume in coin: 1,000/60,000 + 1,000/66,000 = 0.03181818... BTC.
    assert reported(pos.volume) == D("0.03181818")
