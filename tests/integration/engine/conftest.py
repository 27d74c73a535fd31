"""Fixtures of the engine integration tests: a fake venue behind the real venue registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.shared.generated.enums import Exchange
from tests.support.fake_venue import FakeVenue, registered


@pytest.fixture
def venue() -> Iterator[FakeVenue]:
    """A fake Kalshi registered for the test's duration."""
    with registered(FakeVenue(Exchange.KALSHI)) as fake:
        yield fake
