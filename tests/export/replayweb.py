"""Drive the real ReplayWeb.page app in Chromium: load a WACZ, read what it shows and records.

The app (index.html + ui.js + sw.js of the npm build) and the WACZ files are served by
`StaticServer` on 127.0.0.1; Chromium is the one the capture engine would choose
(`choose_chromium`, the system headless shell here), started with the capture engine's flags.
Each WACZ is opened in a fresh browser context, so nothing (service worker, IndexedDB) carries
over between loads.

What is read back:
- the page list (`wr-page-entry`, the app's own pages view);
- `verification`, the IndexedDB store where wabac.js records each check as
  `{"id", "expected", "matched"}` (the signature, datapackageHash, publicKey, and one entry per
  resource whose hash it was given);
- the "Validation" line of the Archive Info panel ("N hashes verified, M invalid");
- with `hash_check`, the same after wabac.js hashed the files it was given hashes for, which
  the app does not do by default (docs/export.md, "Replay in ReplayWeb.page");
- a replayed page: the replay iframe's URL, title and the words of its text.
"""

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from playwright.sync_api import Browser, Frame, Page, Playwright, sync_playwright

from collector.capture.browser import choose_chromium, launch_args
from collector.capture.settings import CaptureSettings
from tests.export.static_server import StaticServer

LOAD_TIMEOUT_S = 60.0
SETTLE_TIMEOUT_S = 15.0
T = TypeVar("T")
HASH_CHECK_PARAMS = (
    "embed=default&noWebWorker=1&swName="
    + quote("sw.js?useHashCheck=1&serveIndex=1&_=", safe="")
    + "&"
)
"""App parameters under which wabac.js hashes what it reads: the archive is loaded by the
service worker (`noWebWorker`, honoured in embed mode only) started with `useHashCheck=1`.
The app appends its own `?serveIndex=1` to `swName`; the trailing `_=` absorbs it."""

READ_VERIFICATION = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name).filter((n) => n.startsWith("db:"));
  const all = [];
  for (const name of names) {
    all.push(...await new Promise((resolve, reject) => {
      const opened = indexedDB.open(name);
      opened.onerror = () => reject(opened.error);
      opened.onsuccess = () => {
        const db = opened.result;
        if (!db.objectStoreNames.contains("verification")) { db.close(); resolve([]); return; }
        const got = db.transaction("verification").objectStore("verification").getAll();
        got.onsuccess = () => { db.close(); resolve(got.result); };
        got.onerror = () => { db.close(); reject(got.error); };
      };
    }));
  }
  return all;
}"""


def _until(what: str, probe: Callable[[], T | None], timeout_s: float = LOAD_TIMEOUT_S) -> T:
    """Poll `probe` until it returns something other than None (bounded by `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"ReplayWeb.page: {what} within {timeout_s:.0f} s")
        time.sleep(0.25)


@dataclass
class Replayed:
    """One page as ReplayWeb.page replayed it."""

    frame_url: str
    title: str
    words: list[str]


class LoadedWacz:
    """A WACZ open in ReplayWeb.page (one browser context)."""

    def __init__(self, page: Page, app_url: str) -> None:
        self.page = page
        self.app_url = app_url

    def page_titles(self, count: int) -> list[str]:
        """The titles in the app's page list, once `count` entries are shown."""
        entries = self.page.locator("wr-page-entry")
        _until(f"list {count} pages", lambda: True if entries.count() == count else None)
        return [
            entries.nth(i).evaluate("e => (e.shadowRoot || e).textContent.replace(/\\s+/g, ' ')")
            for i in range(count)
        ]

    def verification(self, *needs: str) -> dict[str, dict[str, Any]]:
        """wabac.js's verification records by id, once the signature check and every record
        in `needs` are there."""
        wanted = {"signature", *needs}

        def read() -> dict[str, dict[str, Any]] | None:
            records = {r["id"]: r for r in self.page.evaluate(READ_VERIFICATION)}
            return records if wanted <= set(records) else None

        return _until(f"record {', '.join(sorted(wanted))}", read)

    def validation_panel(self) -> str:
        """The Archive Info panel's "Validation" line, as a reader sees it."""
        self.page.locator('button[aria-label="more replay controls"]').click()
        self.page.get_by_role("menuitem", name="Archive Info").click()
        field = self.page.locator('sl-dialog wr-labeled-field[label="Validation"]')
        field.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
        text = " ".join(field.inner_text().split())
        self.page.keyboard.press("Escape")
        return text

    def replay(self, url: str, ts: str, settled: Callable[[list[str]], bool]) -> Replayed:
        """Open `url` at `ts` (14 digits) in the replay view; the replay frame once loaded and
        the words of its text `settled` (the page's scripts may still fill it in after `load`),
        or the last words seen when they never do."""
        self.page.goto(f"{self.app_url}#view=replay&url={quote(url, safe='')}&ts={ts}")
        marker = f"mp_/{url}"
        frames = self.page.locator("iframe")  # in the app's shadow DOM: not in page.frames

        def frame() -> Frame | None:
            for i in range(frames.count()):
                handle = frames.nth(i).element_handle(timeout=LOAD_TIMEOUT_S * 1000)
                candidate = handle.content_frame()
                if candidate is not None and marker in candidate.url:
                    return candidate
            return None

        found = _until(f"open a replay frame for {url}", frame)
        found.wait_for_load_state("load", timeout=LOAD_TIMEOUT_S * 1000)
        texts: list[list[str]] = []

        def text() -> list[str] | None:
            texts.append(found.locator("body").inner_text().split())
            return texts[-1] if settled(texts[-1]) else None

        with contextlib.suppress(AssertionError):  # the caller compares the last text
            _until(f"show the recorded text of {url}", text, SETTLE_TIMEOUT_S)
        return Replayed(found.url, found.title(), texts[-1])


class ReplayWebPage:
    """ReplayWeb.page served from `app` with the WACZ files of `waczs`, in headless Chromium."""

    def __init__(self, app: Path, waczs: Path) -> None:
        self.server = StaticServer({"/wacz/": waczs, "/": app})
        self.playwright: Playwright = sync_playwright().start()
        try:
            choice = choose_chromium(self.playwright.chromium.executable_path, CaptureSettings())
            self.browser: Browser = self.playwright.chromium.launch(
                executable_path=choice.executable, args=launch_args(), headless=True
            )
        except BaseException:
            self.playwright.stop()
            self.server.stop()
            raise
        self.chromium = choice
        self._contexts: list[Any] = []

    def open(self, name: str, hash_check: bool = False) -> LoadedWacz:
        """Start loading the WACZ `name` (a file in `waczs`) in a new context; `hash_check`
        opens it the one way the app hashes files (`HASH_CHECK_PARAMS`)."""
        context = self.browser.new_context()
        self._contexts.append(context)
        page = context.new_page()
        source = f"{self.server.origin}/wacz/{quote(name)}"
        extra = HASH_CHECK_PARAMS if hash_check else ""
        app_url = f"{self.server.origin}/index.html?{extra}source={quote(source, safe='')}"
        page.goto(app_url)
        return LoadedWacz(page, app_url)

    def close(self) -> None:
        """Close every context, the browser, Playwright and the server."""
        for context in self._contexts:
            context.close()
        self.browser.close()
        self.playwright.stop()
        self.server.stop()
