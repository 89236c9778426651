"""HTML to PDF with Chromium's print (Playwright `page.pdf()`), offline and without scripts.

Browser choice follows the capture engine's rule without importing it (archive code never
imports collector): `EVIDENCE_CHROMIUM` if set, else Playwright's own Chromium, else a system
one. The page gets JavaScript off and every network request refused: a report is
self-contained (images are data: URLs), so nothing in it can reach out.
"""

import os
import shutil
from pathlib import Path

from archive.errors import EvidenceError, first_line

SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
QUIET_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path(bundled: str) -> str | None:
    """The executable to launch (None: Playwright's own at `bundled`); EvidenceError if none."""
    override = os.environ.get("EVIDENCE_CHROMIUM")
    if override:
        if not Path(override).is_file():
            raise EvidenceError(f"EVIDENCE_CHROMIUM={override} is not a file")
        return override
    if Path(bundled).is_file():
        return None
    for name in SYSTEM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise EvidenceError(
        "no Chromium to print the PDF: write .html instead, run `python -m playwright install "
        "chromium`, install the `chromium` package, or set EVIDENCE_CHROMIUM"
    )


def html_to_pdf(html: str, output: Path, timeout_s: float = 60.0) -> None:
    """Print `html` to the PDF file `output` (A4, backgrounds on)."""
    from playwright.sync_api import Error, sync_playwright

    args = [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    try:
        with sync_playwright() as playwright:
            executable = chromium_path(playwright.chromium.executable_path)
            browser = playwright.chromium.launch(executable_path=executable, args=args)
            try:
                context = browser.new_context(java_script_enabled=False, offline=True)
                page = context.new_page()
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load", timeout=timeout_s * 1000)
                page.pdf(path=str(output), format="A4", print_background=True)
            finally:
                browser.close()
    except Error as exc:
        raise EvidenceError(f"cannot print the PDF with Chromium: {first_line(exc)}") from exc
