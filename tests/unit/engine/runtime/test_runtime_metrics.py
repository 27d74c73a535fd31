"""Runtime metrics: label children on per-order paths are looked up once."""

from __future__ import annotations

from services.engine.runtime import runtime_metrics as rm


def test_a_child_is_looked_up_once_and_counts_like_labels() -> None:
    child = rm.child(rm.RISK_REJECTIONS, "kalshi", "testRule")
    assert child is rm.child(rm.RISK_REJECTIONS, "kalshi", "testRule")
    before = rm.RISK_REJECTIONS.labels("kalshi", "testRule")._value.get()
    child.inc()
    assert rm.RISK_REJECTIONS.labels("kalshi", "testRule")._value.get() == before + 1
    assert rm.child(rm.RISK_REJECTIONS, "kalshi", "otherRule") is not child
