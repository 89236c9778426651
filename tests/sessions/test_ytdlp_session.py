"""yt-dlp with the investigator's login: the session's cookies in yt-dlp's own jar (in memory,
no cookies file), the logged-in answer kept, and yt-dlp's output (each format's `cookies`
field, `http_headers`, every echoed or rotated value) scrubbed before it is stored.

yt-dlp does its own networking, so the site is served on the loopback address itself (its
Generic extractor reads the page, as in tests/platforms/test_adapters.py)."""

import json
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.provenance.seal import finish_writes
from archive.provenance.verify import verify_archive
from archive.vocabulary import RedactionReason
from collector.capture.result import CaptureResult
from collector.capture.session import session_from_state
from collector.capture.settings import CaptureSettings
from collector.collect import acquire
from collector.collect.record import save_acquisition
from collector.collect.sessions import SessionChoice, SessionPicker, scrub_platform
from collector.collect.snapshots import snapshot_rows
from collector.collect.stack import capture_stack
from collector.platforms.config import PlatformConfig
from collector.platforms.result import PlatformResult, RawResponse
from collector.platforms.session import PlatformSession
from collector.platforms.ytdlp import YtdlpAdapter
from tests.platforms.conftest import run
from tests.provenance.conftest import tsa, tsa_env  # noqa: F401
from tests.sessions.conftest import stored
from tests.sessions.leaks import leaks

SESSION_ID = "ig-sessionid-0123456789abcdef"
CSRF = "ig-csrftoken-ABCDEFGHIJKLMN"
ROTATED = "ig-rotated-sessionid-9876543210"
OTHER_SITE = "other-site-cookie-value-55555"


def _page(title: str, clip: str, extra: str = "") -> bytes:
    return (
        f'<html><head><meta property="og:title" content="{title}">{extra}</head>'
        f'<body><video src="/media/{clip}" width="320" height="240"></video></body></html>'
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    """The members' clip for the session cookie (rotating it, echoing the CSRF token in the
    page), the public clip for anyone else."""

    cookies_seen: list[str]

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        jar: SimpleCookie = SimpleCookie(self.headers.get("Cookie") or "")
        type(self).cookies_seen.append(self.headers.get("Cookie") or "")
        signed_in = "sessionid" in jar and jar["sessionid"].value in (SESSION_ID, ROTATED)
        headers = [("Content-Type", "text/html; charset=utf-8")]
        if self.path.startswith("/media/"):
            body, headers = (
                b"\x00\x00\x00\x18ftypmp42" + bytes(512),
                [("Content-Type", "video/mp4")],
            )
        elif signed_in:
            echo = f'<meta property="og:description" content="viewer token {CSRF}">'
            body = _page("Members clip", "members.mp4", echo)
            headers.append(("Set-Cookie", f"sessionid={ROTATED}; Path=/; HttpOnly"))
        else:
            body = _page("Public clip", "public.mp4")
        self.send_response(200)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"cookies_seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join(5)


def _cookies() -> list[dict]:
    base = {"domain": "127.0.0.1", "path": "/", "expires": -1, "secure": False, "sameSite": "Lax"}
    return [
        {"name": "sessionid", "value": SESSION_ID, "httpOnly": True, **base},
        {"name": "csrftoken", "value": CSRF, "httpOnly": False, **base},
        {**base, "name": "other", "value": OTHER_SITE, "domain": ".other.example"},
    ]


def _adapter() -> YtdlpAdapter:
    return YtdlpAdapter(PlatformConfig.load({"ytdlp_timeout": 60}, env={}))


def _fetch(url: str, session: PlatformSession | None) -> tuple[PlatformResult, YtdlpAdapter]:
    adapter = _adapter()
    adapter.session = session
    return run(adapter.fetch(url)), adapter


def _scrubbed(result: PlatformResult, adapter: YtdlpAdapter) -> tuple[PlatformResult, list]:
    storage = {"cookies": _cookies(), "origins": []}
    session = session_from_state("puppet", storage, "@puppet")
    capture = CaptureResult.__new__(CaptureResult)
    capture.details = {}
    capture.session_secrets = frozenset()
    clean = scrub_platform(result, session, capture, adapter.seen_secrets)
    return clean, capture.details["redactions"]


def test_logged_out_yt_dlp_gets_the_public_answer(site) -> None:
    base, seen = site
    result, adapter = _fetch(f"{base}/watch", None)
    assert result.extra["title"].startswith("Public clip")
    assert seen and all(cookie == "" for cookie in seen)
    assert adapter.seen_secrets == set()


def test_session_cookies_reach_yt_dlp_in_memory_for_its_hosts(
    site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = site
    session = PlatformSession("puppet", "@puppet", tuple(_cookies()), ("127.0.0.1",))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where a temporary file would go
    monkeypatch.chdir(scratch)  # and a cookies file yt-dlp wrote beside it
    result, adapter = _fetch(f"{base}/watch", session)
    assert result.extra["title"].startswith("Members clip"), "the logged-in answer"
    assert result.media[0].url.endswith("/media/members.mp4")
    assert f"sessionid={SESSION_ID}" in seen[0] and f"csrftoken={CSRF}" in seen[0]
    assert not any(OTHER_SITE in cookie for cookie in seen), "only the session's hosts' cookies"
    assert OTHER_SITE not in adapter.seen_secrets
    assert {SESSION_ID, CSRF, ROTATED} <= adapter.seen_secrets, "the jar's values, rotated too"
    assert leaks(scratch, {SESSION_ID, CSRF, ROTATED}) == [], "no cookies file, not even a temp"
    raw = result.raw[0].body
    assert ROTATED.encode() in raw and CSRF.encode() in raw, "yt-dlp echoes them: a real test"


def test_yt_dlp_output_scrubbed_and_redactions_listed(site, tmp_path: Path) -> None:
    base, _seen = site
    session = PlatformSession("puppet", "@puppet", tuple(_cookies()), ("127.0.0.1",))
    result, adapter = _fetch(f"{base}/watch", session)
    clean, redactions = _scrubbed(result, adapter)
    info = json.loads(clean.raw[0].body)
    assert info["title"].startswith("Members clip")
    assert {f.get("cookies") for f in info["formats"]} == {"[redacted:cookie]"}
    assert "[redacted" in info["description"] and info["description"].startswith("viewer token")
    where = {(r["artifact"], r["field"], r["reason"]) for r in redactions}
    assert ("platform-raw", "json cookies", RedactionReason.COOKIE) in where
    assert any(r["reason"] == RedactionReason.SESSION_VALUE for r in redactions)
    home = tmp_path / "home"
    archive = Archive.open(home)
    try:
        rows = snapshot_rows(clean, "cap_test")
        with archive.session() as db:
            for artifact in rows.artifacts:
                archive.store_blob(db, artifact.data)
            db.commit()
        stored = repr(rows.snapshot) + json.dumps([a.details for a in rows.artifacts])
    finally:
        archive.close()
    secrets = {SESSION_ID, CSRF, ROTATED}
    assert leaks(home, secrets) == []
    assert not any(secret in stored for secret in secrets)


def test_credential_fields_of_tool_written_json_redacted_whole() -> None:
    info = {
        "formats": [{"http_headers": {"User-Agent": "UA", "X-CSRFToken": "short1"}}],
        "http_headers": {"Authorization": "Bearer not-a-session-value"},
        "cookies": "ds_user_id=42; Domain=.instagram.com",
    }
    raw = RawResponse(
        "ytdlp.info", "https://www.instagram.com/p/C1/", 0, [],
        json.dumps(info).encode(), "application/json", datetime.now(UTC),
    )  # fmt: skip
    result = PlatformResult("instagram", "https://www.instagram.com/p/C1/", raw=[raw])
    clean, redactions = _scrubbed(result, _adapter())
    got = json.loads(clean.raw[0].body)
    assert got["formats"][0]["http_headers"] == {
        "User-Agent": "UA",
        "X-CSRFToken": "[redacted:csrf-token]",
    }
    assert got["http_headers"]["Authorization"] == "[redacted:authorization]"
    assert got["cookies"] == "[redacted:cookie]"
    fields = {r["field"]: r["reason"] for r in redactions}
    assert fields == {
        "json cookies": RedactionReason.COOKIE,
        "json http_headers.x-csrftoken": RedactionReason.CSRF,
        "json http_headers.authorization": RedactionReason.AUTHORIZATION,
    }
    server = RawResponse(
        "x.api", "https://x.com/api", 200, [], json.dumps(info).encode(), "application/json",
        datetime.now(UTC),
    )  # fmt: skip
    same, _ = _scrubbed(PlatformResult("twitter", "https://x.com/a", raw=[server]), _adapter())
    assert same.raw[0].body == server.body, "a server's bytes are never rewritten"


@pytest.mark.browser
def test_collect_path_stores_the_logged_in_answer_and_no_secret(
    site,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tsa_env,  # noqa: F811
) -> None:
    """The acquirer's own path: the page captured in Chromium and yt-dlp's fetch beside it,
    both with the session bound to the host, stored, sealed and verified."""
    base, seen = site
    url = f"{base}/watch"
    home = tmp_path / "home"
    archive = Archive.open(home)
    stored(home, hosts=("127.0.0.1",), storage_state={"cookies": _cookies(), "origins": []})
    # yt-dlp's Instagram extractor only asks instagram.com; its Generic one reads this site
    monkeypatch.setattr(acquire, "adapter_for", lambda _url, config: YtdlpAdapter(config))
    settings = CaptureSettings(allow_private=True, timeout_s=30.0)
    config = PlatformConfig.load({"ytdlp_timeout": 60}, env={})

    async def go():
        picker = SessionPicker(home, SessionChoice())
        async with capture_stack(settings, config, sessions=picker) as stack:
            return await stack.acquirer.acquire(url)

    try:
        got = run(go())
        assert got.session == "sock" and got.platform is not None
        assert got.platform.extra["title"].startswith("Members clip"), "the logged-in answer"
        assert any(f"sessionid={SESSION_ID}" in cookie for cookie in seen)
        saved = save_acquisition(archive, got)
        assert not finish_writes(archive).failed
        assert [f for f in verify_archive(archive) if f.status == "tampered"] == []
    finally:
        archive.close()
    redactions = got.capture.details["redactions"]
    assert any(r.get("artifact") == "platform-raw" and r["field"] == "json cookies"
               for r in redactions)  # fmt: skip
    assert saved.capture_id
    assert leaks(home, {SESSION_ID, CSRF, ROTATED}) == []
