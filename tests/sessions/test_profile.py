"""`session add --profile DIR`: a Chromium user-data folder is read through a browser on a
copy; a folder a running browser holds is refused; the copy is gone afterwards."""

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from archive.session_formats import SessionFileError
from collector.capture.browser import QUIET_FLAGS, choose_chromium
from collector.capture.settings import CaptureSettings
from collector.collect.session_profile import read_profile, refuse_if_in_use
from tests.sessions.conftest import SID, state

pytestmark = pytest.mark.browser
ARGS = [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]


async def _make_profile(folder: Path) -> None:
    """A profile whose browser holds the sessions' cookies, closed cleanly."""
    async with async_playwright() as playwright:
        chosen = choose_chromium(playwright.chromium.executable_path, CaptureSettings())
        context = await playwright.chromium.launch_persistent_context(
            str(folder), executable_path=chosen.executable, headless=True, args=ARGS
        )
        cookies = [{**c, "expires": 2_000_000_000} for c in state()["cookies"]]
        await context.add_cookies(cookies)  # type: ignore[arg-type]
        await context.close()


def test_profile_read_on_a_copy(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    asyncio.run(_make_profile(folder))
    before = set(Path(tempfile.gettempdir()).glob("evidence-profile-*"))
    storage = read_profile(folder, CaptureSettings())
    by_name = {c["name"]: c for c in storage["cookies"]}
    assert by_name["sid"]["value"] == SID and by_name["sid"]["httpOnly"] is True
    assert set(Path(tempfile.gettempdir()).glob("evidence-profile-*")) == before


def test_profile_in_use_refused(tmp_path: Path) -> None:
    folder = tmp_path / "profile"
    (folder / "Default").mkdir(parents=True)
    os.symlink(f"{socket.gethostname()}-{os.getpid()}", folder / "SingletonLock")
    with pytest.raises(
        SessionFileError, match=rf"in use by a running browser \(pid {os.getpid()}\)"
    ):
        read_profile(folder, CaptureSettings())
    (folder / "SingletonLock").unlink()
    os.symlink("another-host-12", folder / "SingletonLock")
    with pytest.raises(SessionFileError, match="locked by a browser on host another-host"):
        refuse_if_in_use(folder)


def test_running_browser_holds_its_profile(tmp_path: Path) -> None:
    """The full Chromium (what an investigator browses with) locks its profile while open."""
    folder = tmp_path / "profile"
    desktop = shutil.which("chromium") or shutil.which("google-chrome")
    if desktop is None:
        pytest.skip("no full Chromium installed (the headless shell takes no SingletonLock)")

    async def held() -> None:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                str(folder), executable_path=desktop, headless=True, args=ARGS
            )
            try:
                assert (folder / "SingletonLock").is_symlink()
                with pytest.raises(SessionFileError, match="in use by a running browser"):
                    await asyncio.to_thread(read_profile, folder, CaptureSettings())
            finally:
                await context.close()

    asyncio.run(held())


def test_not_a_profile(tmp_path: Path) -> None:
    with pytest.raises(SessionFileError, match="is not a folder"):
        read_profile(tmp_path / "absent", CaptureSettings())
    with pytest.raises(SessionFileError, match="not a Chromium user-data folder"):
        read_profile(tmp_path, CaptureSettings())
