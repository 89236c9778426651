"""Real Chromium against the offline test world: artifacts, WARC fidelity, chains, TLS."""

import gzip
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from cryptography import x509
from PIL import Image
from sqlmodel import select

from archive.models import Artifact, Capture, CustodyEvent
from collector.capture.store import save_capture
from tests.capture.conftest import EngineRunner
from tests.capture.warcs import responses, warc_records
from tests.world import pages

pytestmark = pytest.mark.browser

EXPECTED_ROLES = {
    "screenshot-viewport",
    "screenshot-full",
    "dom",
    "server-html",
    "response-headers",
    "redirect-chain",
    "console-log",
    "failed-requests",
    "warc",
}


def test_every_artifact_is_stored_with_matching_hash(engine: EngineRunner, test_world, archive):
    result = engine.capture(test_world.http("/static/page.html"))
    assert result.status == "complete", result.status_reason
    assert {a.role for a in result.artifacts} >= EXPECTED_ROLES
    capture_id = save_capture(archive, result)
    with archive.session() as session:
        capture = session.get(Capture, capture_id)
        rows = session.exec(select(Artifact).where(Artifact.capture_id == capture_id)).all()
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.subject_id == capture_id)
        ).all()
    assert capture is not None and capture.status == "complete"
    assert capture.browser_name.startswith("Chromium") and capture.browser_version
    assert capture.playwright_version and capture.tool_version
    assert "Headless" not in (capture.user_agent or "x Headless")
    assert capture.viewport == "1280x800" and capture.locale == "en-US"
    assert capture.server_ip == "127.0.0.1" and capture.http_status == 200
    assert capture.started_at < capture.finished_at
    by_name = {row.name: row for row in rows}
    for artifact in result.artifacts:  # saving may add more (a signed manifest), never fewer
        assert by_name[artifact.name].blob_sha256 == artifact.sha256
        assert by_name[artifact.name].role == artifact.role
    for row in rows:
        stored = archive.blobs.get(row.blob_sha256)
        assert hashlib.sha256(stored).hexdigest() == row.blob_sha256
        assert len(stored) == row.size
    assert [e.action for e in events] == ["capture.recorded"]
    assert events[0].payload["artifacts"] == {r.name: r.blob_sha256 for r in rows}


def test_page_content_screenshots_and_server_html(engine: EngineRunner, test_world):
    result = engine.capture(test_world.http("/static/page.html"))
    dom = result.artifact("dom").data.decode()
    server = result.artifact("server-html").data
    assert "fetched from the test world" in dom, "the page's script ran before the DOM was taken"
    assert server == pages.page("Evidence test page"), "server HTML is the body as sent"
    viewport = Image.open(io.BytesIO(result.artifact("screenshot-viewport").data))
    assert viewport.size == (1280, 800)
    full = Image.open(io.BytesIO(result.artifact("screenshot-full").data))
    assert full.width == 1280 and full.height >= 800
    assert result.title == "Evidence test page"
    console = json.loads(result.artifact("console-log").data)
    assert any("fetched" in entry["text"] for entry in console)
    headers = json.loads(result.artifact("response-headers").data)
    assert headers["status_line"].startswith("HTTP/1.1 200")
    assert ["Content-Type", "text/html; charset=utf-8"] in headers["headers"]


def test_warc_holds_exact_bytes_and_passes_warcio_check(engine: EngineRunner, test_world, tmp_path):
    result = engine.capture(test_world.http("/static/page.html"))
    records = warc_records(result)
    kinds = [kind for kind, _, _ in records]
    assert kinds[0] == "warcinfo"
    info = records[0][2].decode()
    assert "evidence-collector/" in info and "playwright" in info
    assert f"browser: {result.browser_name} {result.browser_version}" in info
    by_id = {headers.get_header("WARC-Record-ID"): kind for kind, headers, _ in records}
    requests = [(h, b) for kind, h, b in records if kind == "request"]
    assert len(requests) == kinds.count("response") >= 4  # page, css, js, png, json
    for headers, block in requests:
        assert by_id[headers.get_header("WARC-Concurrent-To")] == "response"
        assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
        assert block.startswith(b"GET /")
        assert b"proxy-connection" not in block.lower(), "proxy headers are not forwarded"
        assert b"zstd" not in block, "zstd is not offered: replay tools cannot decode it"
    for _kind, headers, _ in records:
        assert headers.protocol == "WARC/1.1"
    page = responses(result)[test_world.http("/static/page.html")]
    assert page.endswith(b"\r\n\r\n" + pages.page("Evidence test page"))
    path = tmp_path / "capture.warc.gz"
    path.write_bytes(result.artifact("warc").data)
    warcio = Path(sys.executable).with_name("warcio")
    check = subprocess.run(
        [str(warcio), "check", "-v", str(path)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") == len(records)


@pytest.mark.parametrize(
    ("path", "title"),
    [("/gzip", "Gzip page"), ("/brotli", "Brotli page"), ("/chunked", "Chunked page")],
)
def test_encoded_bodies_are_kept_as_transferred(engine: EngineRunner, test_world, path, title):
    result = engine.capture(test_world.http(path))
    assert result.status == "complete", result.status_reason
    block = responses(result)[test_world.http(path)]
    head, body = block.split(b"\r\n\r\n", 1)
    expected = pages.page(title)
    if path == "/gzip":
        assert body[:2] == b"\x1f\x8b" and gzip.decompress(body) == expected
    elif path == "/brotli":
        assert brotli.decompress(body) == expected
    else:
        assert b"transfer-encoding: chunked" in head.lower()
        assert body.startswith(b"12c\r\n") and body.endswith(b"\r\n0\r\n\r\n")
    assert result.artifact("server-html").data == expected


def test_three_hop_short_link(engine: EngineRunner, test_world):
    result = engine.capture("https://t.co/abc123")
    assert result.status == "complete", result.status_reason
    chain = result.redirect_chain
    assert [hop["url"] for hop in chain] == [
        "https://t.co/abc123",
        "https://bit.ly/3xYz",
        "https://x.com/i/web/status/1234567890",
        "https://www.example.test/static/page.html?n=short",
    ]
    assert [hop["status"] for hop in chain] == [301, 302, 307, 200]
    assert [hop["via"] for hop in chain] == ["start", "http", "http", "http"]
    assert chain[0]["location"] == "https://bit.ly/3xYz"
    assert all(hop["time"] for hop in chain)
    assert result.final_url == chain[-1]["url"]
    stored = json.loads(result.artifact("redirect-chain").data)
    assert stored == chain


def test_tls_chain_of_the_serving_connection(engine: EngineRunner, test_world):
    result = engine.capture(test_world.https("/static/page.html"))
    assert result.status == "complete", result.status_reason
    pem = result.artifact("tls-certificates").data
    certs = x509.load_pem_x509_certificates(pem)
    world_ca = x509.load_pem_x509_certificate(test_world.ca_file.read_bytes())
    assert certs[-1] == world_ca
    names = certs[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    tls = result.details["tls"]
    assert tls["tls_version"].startswith("TLS") and len(tls["chain"]) == len(certs)


@pytest.mark.parametrize(
    ("path", "via"), [("/meta-refresh", "meta-refresh"), ("/js-redirect", "script")]
)
def test_client_side_redirects(engine: EngineRunner, test_world, path, via):
    result = engine.capture(test_world.http(path))
    assert result.status == "complete", result.status_reason
    assert [hop["via"] for hop in result.redirect_chain] == ["start", via]
    assert result.final_url.endswith(
        "/static/page.html?via=" + ("meta" if via != "script" else "js")
    )
    assert "fetched from the test world" in result.artifact("dom").data.decode()


def test_lazy_content_is_triggered_by_scrolling(engine: EngineRunner, test_world):
    result = engine.capture(test_world.http("/lazy"))
    assert result.status == "complete", result.status_reason
    fetched = responses(result)
    assert test_world.http("/static/lazy.png") in fetched
    assert test_world.http("/static/observed.png") in fetched


def test_very_tall_page_is_capped_and_tiled(engine: EngineRunner, test_world):
    result = engine.capture(test_world.http("/tall"))
    assert result.status == "partial"
    assert "20000 px" in result.status_reason
    tiles = [a for a in result.artifacts if a.role == "screenshot-full"]
    assert [t.details["top"] for t in tiles] == [0, 8000, 16000]
    heights = [Image.open(io.BytesIO(t.data)).height for t in tiles]
    assert heights == [8000, 8000, 4000]


def test_dialogs_popups_downloads_and_websockets_are_noted(engine: EngineRunner, test_world):
    dialogs = engine.capture(test_world.http("/dialogs"))
    assert dialogs.status == "complete"
    assert [d["type"] for d in dialogs.details["dialogs"]] == ["alert", "confirm", "prompt"]
    popup = engine.capture(test_world.http("/popup"))
    assert popup.status == "complete"
    assert popup.details["popups"][0]["url"].endswith("/static/page.html?popup=1")
    socket = engine.capture(test_world.http("/websocket"))
    assert socket.details["websockets"][0]["url"].endswith("/ws")
    download = engine.capture(test_world.http("/download"))
    assert download.status == "partial" and "download" in download.status_reason
    assert responses(download)[test_world.http("/download")].endswith(b"PK\x03\x04" + b"\0" * 2000)


def test_fragment_urls_and_empty_error_pages(engine: EngineRunner, test_world):
    with_fragment = engine.capture(test_world.http("/static/page.html#section-2"))
    assert with_fragment.status == "complete", with_fragment.status_reason
    assert with_fragment.server_ip == "127.0.0.1"
    missing = engine.capture(test_world.http("/static/missing.css"))
    assert missing.http_status == 404
    # an empty body renders nothing: the screenshot is one colour, so the capture says so
    assert missing.status == "partial", missing.status_reason
    assert missing.details["page_verdict"]["verdict"] == "blank"


def test_server_closing_kept_alive_connections_is_retried(engine: EngineRunner, test_world):
    result = engine.capture(test_world.http("/quiet-close"))
    assert result.status == "complete", result.status_reason
    fetched = responses(result)
    for i in range(4):
        assert fetched[test_world.http(f"/quiet-close/{i}.png")].startswith(b"HTTP/1.1 200")
    assert json.loads(result.artifact("failed-requests").data) == []
