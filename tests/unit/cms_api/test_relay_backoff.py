"""Relay reconnect backoff: bounded, growing, jittered."""

from __future__ import annotations

from services.cms_api.relay import RECONNECT_CAP_SECS, reconnect_delay_secs


def test_reconnect_delay_is_full_jitter_under_a_cap() -> None:
    assert reconnect_delay_secs(1, rand=lambda: 1.0) == 0.1
    assert reconnect_delay_secs(3, rand=lambda: 1.0) == 0.4
    assert reconnect_delay_secs(30, rand=lambda: 1.0) == RECONNECT_CAP_SECS
    assert reconnect_delay_secs(30, rand=lambda: 0.0) == 0.0
