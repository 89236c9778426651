"""A Chromium user-data folder read into a storage state (`session add --profile DIR`).

The folder is never opened in place: a browser that has it open holds `SingletonLock` (a
symbolic link naming `host-pid`), and two browsers on one profile corrupt it. A folder locked
by a live process is refused; otherwise it is copied (without its caches and lock files) into
a private temporary folder, a persistent context is launched on the copy, its
`storage_state()` (cookies and localStorage) is read, and the copy is deleted. Cookies that
the profile's browser encrypted with a desktop keyring (GNOME Keyring, KWallet) cannot be
read back by a headless browser; export them with a cookies.txt extension instead.
"""

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from archive.errors import first_line
from archive.fsutil import pid_alive
from archive.session_formats import SessionFileError, check_storage_state
from collector.capture.browser import QUIET_FLAGS, choose_chromium
from collector.capture.settings import CaptureSettings

LOCKS = ("SingletonLock", "SingletonCookie", "SingletonSocket", "lockfile")
SKIPPED = (*LOCKS, "Cache", "Code Cache", "GPUCache", "GrShaderCache", "ShaderCache",
           "DawnCache", "Crashpad", "CacheStorage", "ScriptCache")  # fmt: skip
OPEN_TIMEOUT_MS = 60_000


def refuse_if_in_use(folder: Path) -> None:
    """Raise SessionFileError when a running browser holds the profile `folder`."""
    lock = folder / "SingletonLock"
    if not lock.is_symlink():
        return
    target = os.readlink(lock)
    host, _, pid = target.rpartition("-")
    if not pid.isdigit():
        return
    if host and host != socket.gethostname():
        raise SessionFileError(
            f"profile {folder} is locked by a browser on host {host}: close it there "
            "(or remove its SingletonLock if that browser is gone)"
        )
    if pid_alive(int(pid)):
        raise SessionFileError(
            f"profile {folder} is in use by a running browser (pid {pid}): close it first"
        )


def _copy(folder: Path, into: Path) -> Path:
    copy = into / "profile"
    try:
        shutil.copytree(folder, copy, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED))
    except (OSError, shutil.Error) as exc:
        raise SessionFileError(f"cannot copy the profile {folder}: {first_line(exc)}") from None
    return copy


async def _storage_state(copy: Path, settings: CaptureSettings) -> dict[str, Any]:
    async with async_playwright() as playwright:
        choice = choose_chromium(playwright.chromium.executable_path, settings)
        args = [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        try:
            context = await playwright.chromium.launch_persistent_context(
                str(copy), executable_path=choice.executable, headless=True, args=args,
                timeout=OPEN_TIMEOUT_MS,
            )  # fmt: skip
        except PlaywrightError as exc:
            raise SessionFileError(f"cannot open the profile: {first_line(exc)}") from None
        try:
            return dict(await context.storage_state())
        finally:
            await context.close()


def read_profile(folder: Path, settings: CaptureSettings) -> dict[str, Any]:
    """The cookies and localStorage of the Chromium profile `folder`, as a storage state."""
    if not folder.is_dir():
        raise SessionFileError(f"profile {folder} is not a folder")
    if not (folder / "Default").is_dir() and not (folder / "Local State").exists():
        raise SessionFileError(
            f"{folder} is not a Chromium user-data folder (no Default/ or Local State)"
        )
    refuse_if_in_use(folder)
    with tempfile.TemporaryDirectory(prefix="evidence-profile-") as temporary:
        os.chmod(temporary, 0o700)
        state = asyncio.run(_storage_state(_copy(folder, Path(temporary)), settings))
    return check_storage_state(state, f"profile {folder}")
