"""The viewer in a real browser: submit an article, watch it complete, open a capture, download
an export; hostile captured content stays inert; tokens and traversal are refused; layout is
compared with committed screenshots by perceptual hash."""

import io
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import imagehash
import pytest
import uvicorn
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

from archive.archive import Archive
from collector.capture.browser import choose_chromium, launch_args
from collector.capture.settings import CaptureSettings
from collector.cli.cmd_serve import collect_runner, recheck_runner
from collector.web.app import create_app
from collector.web.auth import prepare_token
from collector.web.jobs import JobQueue
from tests.world.server import World, free_port

pytestmark = pytest.mark.browser
ARTICLE = "https://www.example.test/news/volunteers.html"
CASE = "Volunteer coders"
HOSTILE = "https://www.example.test/hostile.html"
BASELINES = Path(__file__).parent / "baselines"
MAX_LAYOUT_DISTANCE = 10  # of 64 bits: small text changes move a few bits, a broken layout many


@dataclass
class Viewer:
    url: str
    token: str
    archive: Archive


@pytest.fixture(scope="module")
def viewer(test_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Viewer]:
    saved = {
        k: os.environ.get(k)
        for k in (
            "EVIDENCE_HOST_RESOLVER_RULES",
            "EVIDENCE_EXTRA_CA_FILE",
            "EVIDENCE_ALLOW_PRIVATE",
            "EVIDENCE_TSA_URLS",
        )
    }
    os.environ.update(
        EVIDENCE_HOST_RESOLVER_RULES=test_world.resolver_rules,
        EVIDENCE_EXTRA_CA_FILE=str(test_world.ca_file),
        EVIDENCE_ALLOW_PRIVATE="1",
    )
    os.environ.pop("EVIDENCE_TSA_URLS", None)
    archive = Archive.open(tmp_path_factory.mktemp("viewer-home"))
    tokens, token = prepare_token(archive.home / "keys", None)
    jobs = JobQueue(collect_runner(archive), recheck_runner(archive))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(archive, tokens, jobs), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "viewer did not start"
        time.sleep(0.05)
    try:
        yield Viewer(f"http://127.0.0.1:{port}", token or "", archive)
    finally:
        server.should_exit = True
        thread.join(10)
        jobs.stop()
        archive.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        choice = choose_chromium(playwright, CaptureSettings())
        launched = playwright.chromium.launch(
            executable_path=choice.executable, args=launch_args(), headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, viewer: Viewer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    opened.goto(f"{viewer.url}/?token={viewer.token}")
    yield opened
    assert dialogs == [], f"script from captured content ran: {dialogs}"
    context.close()


def _collect(page: Page, viewer: Viewer, url: str, case: str = "") -> None:
    page.goto(f"{viewer.url}/")
    page.fill("input[name=url]", url)
    page.fill("input[name=case]", case)
    page.click("button[type=submit]")
    page.wait_for_url("**/jobs/*")
    page.wait_for_selector("#job-status:text-matches('done|failed')", timeout=180_000)
    assert page.inner_text("#job-status") == "done", page.inner_text("main")


def test_submit_watch_open_and_download(page: Page, viewer: Viewer, tmp_path: Path) -> None:
    _collect(page, viewer, ARTICLE, CASE)
    assert "x.com/UaSmart/status/934106870834454529" in page.inner_text("main")
    page.click("#job-source")
    assert "Volunteer coders" in page.inner_text("h1")
    assert page.locator("mark").count() >= 5, "citations are highlighted in their context"
    with page.expect_download() as download_info:
        page.click("text=Report")
    report = download_info.value.path().read_text(encoding="utf-8")
    assert "sha256" in report.lower() and "UaSmart" in report

    page.goto(f"{viewer.url}/search?q=terminamos")
    page.click("main ul li a")
    page.wait_for_url("**/captures/*")
    shot = page.locator("img.shot")
    shot.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", shot.element_handle()) == 1280
    assert "UaSmart" in page.inner_text("main")
    assert page.locator(".gallery img").count() == 1, "the post's photo and its thumbnail"
    page.click("text=Re-check every hash now")
    assert "altered" not in page.inner_text("main") and "missing" not in page.inner_text("main")


def test_hostile_capture_stays_inert(page: Page, viewer: Viewer) -> None:
    _collect(page, viewer, HOSTILE)
    capture_link = page.locator("a[href^='/captures/']").first
    capture_link.click()
    page.wait_for_url("**/captures/*")
    frame = page.frame_locator("iframe.replay")
    frame.locator("h1").wait_for()
    assert "attack whoever views" in frame.locator("h1").inner_text()
    assert page.evaluate("window.__pwned") is None
    page.goto(f"{viewer.url}/sources")
    assert "<script>alert('title')</script>" in page.inner_text("main")
    page.goto(f"{viewer.url}/search?q=hostile")
    assert page.evaluate("window.__pwned") is None


def test_refusals(browser: Browser, viewer: Viewer) -> None:
    context = browser.new_context()
    request = context.request
    assert request.get(f"{viewer.url}/").status == 401
    assert request.get(f"{viewer.url}/?token=wrong-token-xxxxxxxx").status == 401
    headers = {"Authorization": f"Bearer {viewer.token}"}
    for path in (
        "/blobs/..%2f..%2fevidence.db",
        "/blobs/../../evidence.db",
        "/captures/..%2fkeys/dom",
    ):
        assert request.get(f"{viewer.url}{path}", headers=headers).status in (400, 404), path
    for path in ("/export/..%2f..%2fevidence.db", "/export/src_.."):
        answer = request.post(f"{viewer.url}{path}", headers=headers, form={"format": "report"})
        assert answer.status in (400, 404), path
    answer = request.post(f"{viewer.url}/export/x", headers=headers, form={"format": "../../etc"})
    assert answer.status == 400
    # a GET never writes a custody event: exporting is a POST
    assert request.get(f"{viewer.url}/export/x?format=report", headers=headers).status == 405
    forged = request.post(
        f"{viewer.url}/collect",
        headers={**headers, "Origin": "https://evil.example"},
        multipart={"url": ARTICLE},
    )
    assert forged.status == 403
    context.close()


def _ensure_collected(page: Page, viewer: Viewer) -> None:
    for url, case in ((ARTICLE, CASE), (HOSTILE, "")):
        page.goto(f"{viewer.url}/sources")
        if url not in page.inner_text("main"):
            _collect(page, viewer, url, case)


def _open_case(page: Page, viewer: Viewer) -> None:
    page.goto(f"{viewer.url}/")
    page.click(f"main a:text-is('{CASE}')")
    page.wait_for_url("**/cases/*")


def test_lists_show_handle_and_text(page: Page, viewer: Viewer) -> None:
    """What a capture is, readable without opening it: on the home page, the captures list,
    the filtered list and the case page."""
    _ensure_collected(page, viewer)
    for path in ("/", "/captures", "/captures?platform=twitter"):
        page.goto(f"{viewer.url}{path}")
        shown = page.inner_text("main")
        assert "@UaSmart" in shown and "terminamos el dia" in shown, path
        assert page.locator(".items .thumb img").count() >= 1, f"{path}: thumbnails"
    page.goto(f"{viewer.url}/")
    assert "custody events" in page.inner_text(".cards") and "custody_event" not in page.content()
    _open_case(page, viewer)
    shown = page.inner_text("main")
    assert "@UaSmart" in shown and "terminamos el dia" in shown
    assert "x.com/UaSmart/status/934106870834454529" in shown
    assert "@UaSmart" not in page.goto(f"{viewer.url}/captures?platform=telegram").text()


@pytest.mark.parametrize("name", ["sources", "capture", "home", "captures", "case"])
def test_layout_matches_baseline(page: Page, viewer: Viewer, name: str) -> None:
    """Compared after both sources exist, whichever tests ran before (order independent)."""
    _ensure_collected(page, viewer)
    if name == "capture":
        page.goto(f"{viewer.url}/search?q=terminamos")
        page.click("main ul li a")
        page.wait_for_url("**/captures/*")
        page.locator("img.shot").wait_for()
    elif name == "case":
        _open_case(page, viewer)
    elif name == "home":
        page.goto(f"{viewer.url}/")
    elif name == "captures":  # concurrent captures finish in any order: the one Telegram post
        page.goto(f"{viewer.url}/captures?platform=telegram")
    else:
        page.goto(f"{viewer.url}/{name}")
    page.wait_for_load_state("networkidle")  # thumbnails and fonts drawn
    page.evaluate("document.fonts.ready")
    shot = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    baseline = BASELINES / f"{name}.png"
    if os.environ.get("EVIDENCE_UPDATE_BASELINES") == "1":
        BASELINES.mkdir(exist_ok=True)
        shot.save(baseline)
    assert baseline.is_file(), f"no baseline {baseline}; run with EVIDENCE_UPDATE_BASELINES=1"
    distance = imagehash.phash(shot) - imagehash.phash(Image.open(baseline))
    assert distance <= MAX_LAYOUT_DISTANCE, f"{name} layout moved: phash distance {distance}"
