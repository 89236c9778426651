"""No automation tells: a capture passes Fingerprint BotD, and records what the tool changed.

The BotD page (tests/fixtures/botd, BotD 2.0.0 vendored) is served by a small server on
127.0.0.1; BotD writes its verdict into the page, and the test reads it from the captured DOM.
The same page in a plain Playwright headless shell is detected, so these tests can fail.
"""

import functools
import hashlib
import io
import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import sync_playwright

from archive.models import Capture
from collector.capture import presentation
from collector.capture.presentation import NativeBrowser, PermissionSetting
from collector.capture.result import CaptureResult
from collector.capture.store import save_capture
from tests.capture.conftest import EngineRunner, world_settings
from tests.capture.warcs import warc_records

FIXTURE = Path(__file__).parent.parent / "fixtures" / "botd"
SCRIPTS = Path(presentation.__file__).parent / "scripts"
FULL_CHROMIUM = "/usr/lib/chromium/chromium"
"""Debian's full browser (`/usr/bin/chromium` is its wrapper script)."""
SHELL_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " HeadlessChrome/156.0.8078.114 Safari/537.36"
)
PERSON_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/156.0.0.0 Safari/537.36"
)
SHELL_DATA = {
    "brands": [
        {"brand": "Not:A-Brand", "version": "8"},
        {"brand": "Chromium", "version": "156"},
        {"brand": "HeadlessChrome", "version": "156"},
    ],
    "fullVersionList": [
        {"brand": "Not:A-Brand", "version": "8.0.0.0"},
        {"brand": "Chromium", "version": "156.0.8078.114"},
        {"brand": "HeadlessChrome", "version": "156.0.8078.114"},
    ],
    "platform": "Linux",
    "platformVersion": "",
    "architecture": "x86",
    "bitness": "64",
    "model": "",
    "mobile": False,
    "wow64": False,
    "formFactors": ["Desktop"],
}
PLUGIN_DUMP = """() => {
  const P = navigator.plugins, M = navigator.mimeTypes;
  const mime = (m) => [m.type, m.suffixes, m.description, m.enabledPlugin.name,
                       Object.getPrototypeOf(m) === MimeType.prototype];
  const plugin = (p) => ({name: p.name, filename: p.filename, description: p.description,
    mimes: Array.from(p).map(mime), keys: Object.getOwnPropertyNames(p),
    proto: Object.getPrototypeOf(p) === Plugin.prototype,
    named: p.namedItem("text/pdf") === p[1], item: p.item(1) === p[1]});
  const forIn = []; for (const k in P) forIn.push(k);
  return {pdf: navigator.pdfViewerEnabled, plugins: Array.from(P).map(plugin),
    keys: Object.getOwnPropertyNames(P), forIn, mimes: Array.from(M).map(mime),
    mimeKeys: Object.getOwnPropertyNames(M), first: M[0].enabledPlugin === P[0],
    shared: P[0][0] === M[0], missing: P.item(9),
    named: P.namedItem("Chromium PDF Viewer") === P[2],
    tags: [String(P), String(P[0]), String(M), String(M[0])], json: JSON.stringify(P),
    isArray: P instanceof PluginArray, same: navigator.plugins === P};
}"""


@pytest.fixture(scope="module")
def botd_page() -> Iterator[str]:
    """The BotD fixture served from 127.0.0.1; yields the page's URL."""
    handler = functools.partial(_QuietHandler, directory=str(FIXTURE))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    thread.join(5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Tests read results, not access logs."""


def botd_verdict(result: CaptureResult) -> dict[str, Any]:
    """What the BotD page wrote into the captured DOM."""
    dom = result.artifact("dom").data.decode()
    found = re.search(r'<pre id="botd">(.*?)</pre>', dom, re.S)
    assert found, "the BotD page's result element is in the DOM"
    text = found.group(1).replace("&quot;", '"').replace("&amp;", "&")
    assert text != "pending", "BotD finished before the DOM was taken"
    return json.loads(text)


def plain_playwright(executable: str | None, url: str, script: str) -> Any:
    """`script` evaluated on `url` in a plain Playwright headless browser, nothing changed."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page()
            page.goto(url)
            return page.evaluate(script)
        finally:
            browser.close()


def browser_command_lines() -> list[list[str]]:
    """The command lines of the Chromium browser processes this test process started (through
    Playwright's driver), read from /proc."""
    parents: dict[int, int] = {}
    argvs: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        argvs[int(entry.name)] = [a.decode(errors="replace") for a in argv if a]

    def ours(pid: int) -> bool:
        for _ in range(10):
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return [
        argv
        for pid, argv in argvs.items()
        if argv
        and "chrom" in Path(argv[0]).name
        and "--remote-debugging-pipe" in argv
        and not any(a.startswith("--type=") for a in argv)
        and ours(pid)
    ]


def sec_ch_ua(brands: list[dict[str, str]]) -> str:
    """The `Sec-CH-UA` header value a browser sends for `brands`."""
    return ", ".join(f'"{b["brand"]}";v="{b["version"]}"' for b in brands)


BOTD_RESULT = """async () => {
  const {load} = await import("./botd.esm.js");
  const detector = await load({monitoring: false});
  const verdict = detector.detect();
  const d = detector.getDetections();
  return {verdict, fired: Object.keys(d).filter((k) => d[k].bot), webdriver: navigator.webdriver};
}"""


def test_plain_playwright_headless_shell_is_detected(engine: EngineRunner, botd_page):
    found = plain_playwright(engine.engine.identity.executable, botd_page, BOTD_RESULT)
    assert found["verdict"] == {"bot": True, "botKind": "headless_chrome"}
    assert found["webdriver"] is True
    assert {"detectWebDriver", "detectUserAgent", "detectAppVersion"} <= set(found["fired"])


def test_capture_passes_botd(engine: EngineRunner, botd_page):
    result = engine.capture(botd_page)
    assert result.status == "complete", result.status_reason
    seen = botd_verdict(result)
    assert seen["verdict"] == {"bot": False}, seen
    assert seen["fired"] == [] and seen["webdriver"] is False
    changes = result.details["browser_changes"]
    assert seen["userAgent"] == changes["user_agent"]["sent"] == result.user_agent
    assert "Headless" not in seen["userAgent"]
    assert seen["brands"] == changes["user_agent_data"]["sent"]["brands"]
    assert all(b["brand"] != "HeadlessChrome" for b in seen["brands"])
    assert seen["plugins"] == 5 and seen["pdfViewerEnabled"] is True
    assert seen["notification"] in ("default", "denied")
    for permission in changes["permissions"]:  # what was recorded is what the page saw
        assert permission["name"] == "notifications"
        assert seen["notification"] == permission["setting"]
    for inner in (seen["worker"], seen["frame"]):
        assert inner["userAgent"] == seen["userAgent"] and inner["brands"] == seen["brands"]
    assert seen["frame"]["webdriver"] is False and seen["frame"]["plugins"] == 5
    assert_requests_as_presented(result, botd_page)


def assert_requests_as_presented(result: CaptureResult, page: str) -> None:
    """Every request the capture made stayed local and carried the user agent and brands sent."""
    origin = page.rsplit("/", 1)[0]
    origins = (origin, origin.replace("127.0.0.1", "localhost"))
    requests = [
        (headers.get_header("WARC-Target-URI"), block)
        for kind, headers, block in warc_records(result)
        if kind == "request"
    ]
    assert requests and all(uri.startswith(origins) for uri, _ in requests), "no outside request"
    assert f"{origins[1]}/frame.html" in {uri for uri, _ in requests}
    expected_ch = sec_ch_ua(result.details["browser_changes"]["user_agent_data"]["sent"]["brands"])
    hints = {}
    for uri, block in requests:
        head = block.split(b"\r\n\r\n", 1)[0].decode()
        assert "Headless" not in head, uri
        assert f"User-Agent: {result.user_agent}\r\n" in head, uri
        found = re.search(r"^sec-ch-ua: (.*)$", head, re.M | re.I)
        hints[uri] = found and found.group(1).strip()
    assert hints[page] == expected_ch
    assert set(hints.values()) <= {expected_ch, None}, "Chromium sends none for some (workers)"


def test_recorded_changes_are_what_was_done(engine: EngineRunner, botd_page, archive):
    result = engine.capture(botd_page)
    changes = result.details["browser_changes"]
    with archive.session() as session:
        stored = session.get(Capture, save_capture(archive, result))
    assert stored is not None and stored.details["browser_changes"] == changes
    native = changes["user_agent"]["browser"]
    sent = changes["user_agent"]["sent"]
    assert sent == presentation.person_user_agent(native) != native
    assert changes["flags_added"] == [
        "--disable-blink-features=AutomationControlled",
        f"--user-agent={sent}",
    ]
    assert changes["default_flags_removed"] == ["--enable-automation"]
    running = browser_command_lines()
    assert any(set(changes["flags_added"]) <= set(argv) for argv in running), running
    assert not any("--enable-automation" in argv for argv in running)
    browser_brands = changes["user_agent_data"]["browser"]["brands"]
    assert changes["user_agent_data"]["sent"]["brands"] == [
        b for b in browser_brands if b["brand"] != "HeadlessChrome"
    ]
    scripts = {s["name"]: s for s in changes["scripts"]}
    for name, script in scripts.items():
        data = (SCRIPTS / name).read_bytes()
        assert script["sha256"] == hashlib.sha256(data).hexdigest()
        assert script["bytes"] == len(data) and script["purpose"]
    native_plugins = plain_playwright(
        engine.engine.identity.executable, botd_page, "navigator.plugins.length"
    )
    assert ("pdf-plugins.js" in scripts) == (native_plugins == 0)
    dom = result.artifact("dom").data.decode()
    page = (FIXTURE / "index.html").read_text()
    assert dom.count("<script") == page.count("<script") == 1, "no script added to the DOM"
    assert "pdf-plugins" not in dom


def test_page_renders_and_serializes_as_without_changes(engine: EngineRunner, test_world):
    url = test_world.http("/static/page.html")
    result = engine.capture(url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=engine.engine.identity.executable, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(url, wait_until="networkidle")
            shot = page.screenshot()
            dom = page.content()
        finally:
            browser.close()
    captured = Image.open(io.BytesIO(result.artifact("screenshot-viewport").data)).convert("RGB")
    plain = Image.open(io.BytesIO(shot)).convert("RGB")
    assert ImageChops.difference(captured, plain).getbbox() is None, "same pixels"
    assert result.artifact("dom").data.decode() == dom, "the DOM is the page's own"


@pytest.mark.skipif(not Path(FULL_CHROMIUM).is_file(), reason="Debian's chromium not installed")
def test_full_chromium_fallback_passes_and_matches_the_shell(
    test_world, botd_page, engine: EngineRunner
):
    """The full browser in headless mode passes with fewer changes, and is what the headless
    shell's changes imitate: its brands and plugins are what the shell is made to show."""
    runner = EngineRunner(world_settings(test_world, chromium=FULL_CHROMIUM))
    try:
        result = runner.capture(botd_page)
        full_native = runner.engine.identity.changes["user_agent_data"]["browser"]["brands"]
    finally:
        runner.close()
    shell_seen = botd_verdict(engine.capture(botd_page))
    assert result.status == "complete", result.status_reason
    assert result.browser_name == "Chromium"
    seen = botd_verdict(result)
    assert seen["verdict"] == {"bot": False} and seen["webdriver"] is False
    for inner in (seen["worker"], seen["frame"]):  # here the frame is out of process
        assert inner["userAgent"] == seen["userAgent"] and inner["brands"] == seen["brands"]
    assert_requests_as_presented(result, botd_page)
    changes = result.details["browser_changes"]
    assert changes["scripts"] == [] and changes["permissions"] == []
    assert changes["user_agent_data"]["sent"]["brands"] == full_native
    shell = engine.engine.identity.changes
    if "pdf-plugins.js" in {s["name"] for s in shell["scripts"]}:
        assert shell["user_agent_data"]["sent"]["brands"] == full_native
        assert shell["user_agent"]["sent"] == changes["user_agent"]["sent"]
        assert shell_seen["highEntropy"] == seen["highEntropy"]
        person = plain_playwright(FULL_CHROMIUM, botd_page, PLUGIN_DUMP)
        shim = _with_init_script(engine.engine.identity.executable, botd_page, PLUGIN_DUMP)
        assert shim == person


def _with_init_script(executable: str | None, url: str, script: str) -> Any:
    source = (SCRIPTS / "pdf-plugins.js").read_text()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            context = browser.new_context()
            context.add_init_script(source)
            page = context.new_page()
            page.goto(url)
            return page.evaluate(script)
        finally:
            browser.close()


def _native(**overrides: Any) -> NativeBrowser:
    values: dict[str, Any] = {
        "user_agent": SHELL_UA,
        "user_agent_data": SHELL_DATA,
        "plugins": 0,
        "notification": "denied",
        "notification_query": "prompt",
    }
    return NativeBrowser(**(values | overrides))


def test_person_user_agent_reduces_and_renames():
    assert presentation.person_user_agent(SHELL_UA) == PERSON_UA
    full = PERSON_UA.replace("Chrome/", "HeadlessChrome/")
    assert presentation.person_user_agent(full) == PERSON_UA
    assert presentation.person_user_agent(PERSON_UA) == PERSON_UA
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
    assert presentation.person_user_agent(firefox) == firefox


def test_plan_changes_only_what_the_browser_gets_wrong():
    shell = presentation.plan(_native())
    assert shell.user_agent == PERSON_UA
    assert [b["brand"] for b in shell.metadata["brands"]] == ["Not:A-Brand", "Chromium"]
    assert shell.metadata["fullVersionList"][1] == {
        "brand": "Chromium",
        "version": "156.0.8078.114",
    }
    assert shell.metadata["platform"] == "Linux" and shell.metadata["bitness"] == "64"
    assert shell.permissions == {"notifications": PermissionSetting.DENIED}
    assert [s.name for s in shell.scripts] == ["pdf-plugins.js"]
    person = presentation.plan(_native(plugins=5, notification="default"))
    assert person.permissions == {} and person.scripts == ()
    record = person.record()
    assert record["scripts"] == [] and record["permissions"] == []
    own = presentation.plan(_native(), user_agent="Custom/1.0")
    assert own.user_agent == "Custom/1.0"
    assert own.record()["user_agent"] == {"browser": SHELL_UA, "sent": "Custom/1.0"}
    assert own.flags()[-1] == "--user-agent=Custom/1.0"
    as_is = presentation.plan(_native(), user_agent=SHELL_UA)
    assert not as_is.replaces_user_agent
    assert as_is.flags() == ["--disable-blink-features=AutomationControlled"]
