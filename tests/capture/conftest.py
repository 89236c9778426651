"""Fixtures for capture tests: a real Chromium engine on its own event loop thread."""

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from archive.archive import Archive
from collector.capture.engine import CaptureEngine
from collector.capture.result import CaptureResult
from collector.capture.settings import CaptureSettings
from tests.world.server import World


class EngineRunner:
    """A CaptureEngine kept open on a background event loop, called synchronously."""

    def __init__(self, settings: CaptureSettings) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.engine = CaptureEngine(settings)
        self.call(self.engine.__aenter__())

    def call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 180) -> Any:
        """Run `coroutine` on the engine's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def capture(self, url: str) -> CaptureResult:
        """Capture one URL."""
        return self.call(self.engine.capture(url))

    def close(self) -> None:
        """Close the engine and stop the loop."""
        self.call(self.engine.__aexit__())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def world_settings(world: World, **overrides: Any) -> CaptureSettings:
    """Settings that reach the test world: loopback allowed, its hostnames and CA."""
    values: dict[str, Any] = {
        "allow_private": True,
        "host_resolver_rules": world.resolver_rules,
        "extra_ca_file": str(world.ca_file),
        "timeout_s": 20.0,
        "concurrency": 2,
    }
    values.update(overrides)
    return CaptureSettings(**values)


@pytest.fixture(scope="session")
def engine(test_world: World) -> Iterator[EngineRunner]:
    """One engine for the capture tests (launching Chromium once)."""
    runner = EngineRunner(world_settings(test_world))
    yield runner
    runner.close()


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """A fresh archive home."""
    opened = Archive.open(tmp_path / "home")
    yield opened
    opened.close()
