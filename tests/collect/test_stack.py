"""The capture stack every capturing command opens: what it holds, and that it closes."""

import asyncio
import contextlib

import pytest

from archive.errors import EvidenceError
from collector.capture.lifecycle import Prelaunch
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


@pytest.mark.browser
def test_a_prelaunched_browser_is_the_one_the_engine_would_launch() -> None:
    """The launch begun before the stack (a cold `evidence capture`) is adopted by its engine:
    the same browser identity, flags and presentation record as a launch of its own."""
    settings = CaptureSettings(concurrency=1)

    async def identity(prelaunched: bool) -> tuple[object, bool]:
        async with contextlib.AsyncExitStack() as stack:
            prelaunch = (
                await stack.enter_async_context(Prelaunch(settings)) if prelaunched else None
            )
            opened = await stack.enter_async_context(
                capture_stack(settings, PlatformConfig.load(env={}), prelaunch=prelaunch)
            )
            browser = await opened.engine.browser()
            seen = opened.engine.identity
        return seen, browser.is_connected()

    own, own_after = asyncio.run(identity(False))
    adopted, adopted_after = asyncio.run(identity(True))
    assert (adopted_after, own_after) == (False, False)
    assert adopted.changes.pop("native_read")["how"] == "read in a probe browser at this start"
    own.changes.pop("native_read")
    assert adopted == own


@pytest.mark.browser
def test_a_prelaunch_no_engine_adopted_is_stopped_on_leaving() -> None:
    async def run() -> bool:
        async with Prelaunch(CaptureSettings()) as prelaunch:
            lifecycle = prelaunch.lifecycle
            assert lifecycle is not None

            async def launched() -> None:
                while not lifecycle.identity.version:  # set when the launch is done
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(launched(), 60)
            browser = await lifecycle.browser()
            assert browser.is_connected()
        return browser.is_connected()

    assert asyncio.run(run()) is False


def test_a_prelaunch_serves_only_an_engine_of_its_settings() -> None:
    async def run() -> str:
        async with Prelaunch(CaptureSettings(chromium="/nonexistent/chromium")) as prelaunch:
            with pytest.raises(RuntimeError) as refused:
                prelaunch.adopt(CaptureSettings(timeout_s=5))
        return str(refused.value)

    assert asyncio.run(run()) == "a prelaunch serves only an engine of the same settings"


def test_a_failed_prelaunch_reports_its_error_through_the_engine() -> None:
    async def run() -> None:
        settings = CaptureSettings(chromium="/nonexistent/chromium")
        async with (
            Prelaunch(settings) as prelaunch,
            capture_stack(settings, PlatformConfig.load(env={}), prelaunch=prelaunch),
        ):
            pass

    with pytest.raises(EvidenceError, match="Chromium override /nonexistent/chromium is not a"):
        asyncio.run(run())
