"""Make sure a Chromium exists for captures (run by `make install`).

Order, as the README documents: Playwright's own Chromium (installed with
`python -m playwright install chromium` when missing), else a system Chromium
(EVIDENCE_CHROMIUM, /usr/bin/chromium, ...), else Debian's `chromium` package installed
with apt-get when running as root. Otherwise it prints the exact command to run and fails.
With a system Chromium, Debian's `chromium-headless-shell` is added when possible: captures
prefer it (2.5-5x less CPU per capture, see docs/capture.md).
"""

import os
import shutil
import sys
from pathlib import Path

from setup_steps import apt_install, can_apt, install_command, run

SYSTEM_CANDIDATES = (
    "chromium-headless-shell",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)


def playwright_chromium() -> Path | None:
    """The path of Playwright's own Chromium build if it is installed."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = Path(playwright.chromium.executable_path)
    return path if path.is_file() else None


def system_chromium() -> Path | None:
    """A Chromium from EVIDENCE_CHROMIUM or the PATH."""
    override = os.environ.get("EVIDENCE_CHROMIUM")
    if override:
        return Path(override) if Path(override).is_file() else None
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def main() -> int:
    """Find or install a browser; exit status 0 when one is ready."""
    if os.environ.get("EVIDENCE_CHROMIUM"):
        found = system_chromium()
        if found:
            print(f"browser: {found} (EVIDENCE_CHROMIUM)")
            return 0
        print(f"EVIDENCE_CHROMIUM={os.environ['EVIDENCE_CHROMIUM']} is not a file", file=sys.stderr)
        return 1
    if playwright_chromium():
        print(f"browser: Playwright's Chromium at {playwright_chromium()}")
        return 0
    if run([sys.executable, "-m", "playwright", "install", "chromium"]) and playwright_chromium():
        print(f"browser: Playwright's Chromium at {playwright_chromium()}")
        return 0
    print("Playwright's Chromium could not be downloaded; looking for a system Chromium.")
    if system_chromium():
        if can_apt() and not shutil.which("chromium-headless-shell"):
            apt_install(["chromium-headless-shell"])
        print(f"browser: system Chromium at {system_chromium()}")
        return 0
    if apt_install(["chromium"]) and system_chromium():
        run(install_command(["chromium-headless-shell"]))
        print(f"browser: system Chromium at {system_chromium()}")
        return 0
    print(
        "No Chromium available. Install one and run `make install` again:\n"
        f"  sudo apt-get update && sudo {' '.join(install_command(['chromium']))}\n"
        "or point EVIDENCE_CHROMIUM at a Chromium/Chrome executable.",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
