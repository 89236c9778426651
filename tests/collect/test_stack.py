"""The capture stack every capturing command opens: what it holds, and that it closes."""

import asyncio

import pytest

from collector.capture.settings import CaptureSettings
from collector.collect.stack import capture_stack
from collector.platforms.config import PlatformConfig


def _open(settings: CaptureSettings, **options: object) -> dict[str, object]:
    async def run() -> dict[str, object]:
        async with capture_stack(settings, PlatformConfig.load(env={}), **options) as stack:  # type: ignore[arg-type]
            seen = {"engine": stack.acquirer.engine, "client": stack.acquirer.client,
                    "slots": stack.browser_slots._value}  # fmt: skip
            try:
                _ = stack.engine
                seen["engine_error"] = None
            except RuntimeError as exc:
                seen["engine_error"] = str(exc)
        seen["client_closed"] = stack.acquirer.client.is_closed
        return seen

    return asyncio.run(run())


def test_without_a_browser_only_the_client_opens_and_closes() -> None:
    seen = _open(CaptureSettings(concurrency=3), browser=False)
    assert seen["engine"] is None
    assert seen["engine_error"] == "this capture stack was opened without a browser"
    assert seen["slots"] == 3
    assert seen["client_closed"] is True


def test_slots_override_the_capture_concurrency() -> None:
    assert _open(CaptureSettings(concurrency=3), browser=False, slots=5)["slots"] == 5


@pytest.mark.browser
def test_with_a_browser_the_engine_is_open_inside_and_closed_after() -> None:
    async def run() -> tuple[bool, bool]:
        settings = CaptureSettings(concurrency=1)
        async with capture_stack(settings, PlatformConfig.load(env={})) as stack:
            browser = await stack.engine.browser()
            inside = browser.is_connected()
        return inside, browser.is_connected()

    assert asyncio.run(run()) == (True, False)
