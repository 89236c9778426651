"""Fixtures of the witness tests: the fake services, started and stopped per test."""

from collections.abc import Iterator

import pytest

from tests.witnesses.services import WitnessServices


@pytest.fixture
def services() -> Iterator[WitnessServices]:
    """Loopback witness services, stopped at the end of the test."""
    running = WitnessServices().start()
    yield running
    running.stop()
