"""Fixtures for the platform adapter tests: fixture files and a loopback fake web."""

import asyncio
import json
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from collector.platforms.config import PlatformConfig
from tests.platforms.fakeweb import FakeWeb

T = TypeVar("T")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# The shared fixture folder sits beside the repository (also in CI).
SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def fixture_path(subfolder: str, name: str) -> Path:
    """A fixture copied into tests/fixtures (redistributable)."""
    return FIXTURES / subfolder / name


def load_json(subfolder: str, name: str) -> Any:
    return json.loads(fixture_path(subfolder, name).read_text(encoding="utf-8"))


def shared_json(subfolder: str, name: str) -> Any:
    """A fixture that may not be redistributed: read from shared/, skip when it is absent."""
    path = SHARED / subfolder / name
    if not path.exists():
        pytest.skip(f"{subfolder}/{name} has no licence to redistribute and {SHARED} is absent")
    return json.loads(path.read_text(encoding="utf-8"))


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion (each test gets its own event loop)."""
    return asyncio.run(coro)


@pytest.fixture
def web() -> Iterator[FakeWeb]:
    server = FakeWeb().start()
    yield server
    server.stop()


@pytest.fixture
def config() -> PlatformConfig:
    """Defaults (real hostnames, routed to the fake web by its transport), no environment."""
    return PlatformConfig.load({}, env={})
