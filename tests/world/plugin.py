"""Pytest fixtures of the test world, imported by tests/conftest.py."""

from collections.abc import Iterator

import pytest

from tests.world.server import World


@pytest.fixture(scope="session")
def test_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The offline test world, started once per test session and stopped at its end."""
    world = World(ca_dir=tmp_path_factory.mktemp("world-ca")).start()
    yield world
    world.stop()
