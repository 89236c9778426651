"""HTML to PDF with Chromium's print (Playwright `page.pdf()`), offline and without scripts:
A4, page numbers in the footer, an outline (bookmarks) from the headings, tagged for screen
readers, and the contents list's page numbers read back from that outline with pypdfium2.

Browser choice follows the capture engine's rule without importing it (archive code never
imports collector): `EVIDENCE_CHROMIUM` if set, else Playwright's own Chromium, else a system
one. The page gets JavaScript off and every network request refused: a report is
self-contained (images are data: URLs), so nothing in it can reach out.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from markupsafe import escape

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


MAX_PASSES = 4
MARGINS = {"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"}
FOOTER = (
    "<div style=\"font: 8px 'Noto Sans', sans-serif; color: #444; width: 100%; "
    'margin: 0 12mm; display: flex; justify-content: space-between">'
    '<span>{label}</span><span>page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


@contextmanager
def _printing_page(timeout_s: float) -> Iterator[Any]:
    """A Playwright page of a fresh offline Chromium context, scripts off, requests refused."""
    from playwright.sync_api import Error, sync_playwright

    args = [*QUIET_FLAGS, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    try:
        with sync_playwright() as playwright:
            executable = chromium_path(playwright.chromium.executable_path)
            browser = playwright.chromium.launch(executable_path=executable, args=args)
            try:
                context = browser.new_context(java_script_enabled=False, offline=True)
                context.set_default_timeout(timeout_s * 1000)
                page = context.new_page()
                page.route("**/*", lambda route: route.abort())
                yield page
            finally:
                browser.close()
    except Error as exc:
        raise EvidenceError(f"cannot print the PDF with Chromium: {first_line(exc)}") from exc


def _print(page: Any, html: str, output: Path, label: str) -> None:
    """One print of `html` to `output`: A4, backgrounds, page numbers, an outline."""
    page.set_content(html, wait_until="load")
    page.pdf(
        path=str(output), format="A4", print_background=True, margin=MARGINS,
        display_header_footer=True, header_template="<span></span>",
        footer_template=FOOTER.format(label=escape(label)), outline=True, tagged=True,
    )  # fmt: skip


def section_pages(pdf: Path, numbers: dict[str, str]) -> dict[str, int]:
    """The page (1-based) each numbered section starts on, read from the PDF's outline, whose
    entries are the headings' texts (`3.2 Cited item ...`), in order; 0 for one not found."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    try:
        outline = [
            (item.get_title(), item.get_dest().get_index())
            for item in document.get_toc()
            if item.get_dest() is not None
        ]
    finally:
        document.close()
    found, start = {}, 0
    for anchor, number in numbers.items():  # in document order: search on from the last one
        at = next(
            (i for i in range(start, len(outline)) if outline[i][0].startswith(f"{number} ")), None
        )
        found[anchor] = 0 if at is None else outline[at][1] + 1
        start = start if at is None else at + 1
    return found


def print_report(
    render: Callable[[dict[str, int]], str],
    numbers: dict[str, str],
    output: Path,
    label: str,
    timeout_s: float = 60.0,
) -> None:
    """Print the report to `output` with the page of each section (by anchor, whose heading
    starts with its number) in its contents list.

    The first print leaves the page column empty; each next one fills in the pages the last
    one gave, until a print confirms them (the column is the same width either way, so this
    usually takes two). Pages still moving after MAX_PASSES: the column is left empty, never
    wrong."""
    pages = dict.fromkeys(numbers, 0)
    with _printing_page(timeout_s) as page:
        for _ in range(MAX_PASSES):
            _print(page, render(pages), output, label)
            found = section_pages(output, numbers)
            if found == pages:
                return
            pages = found
        _print(page, render(dict.fromkeys(numbers, 0)), output, label)
