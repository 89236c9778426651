"""The browser's own connection reaches the server (TLS passthrough), and is still recorded.

Real Chromium against local servers with their own test CA: a probe that logs ClientHellos
(read with scapy) and header order, an HTTP/2 server, a never-closing WebSocket."""

import gzip
import io
import json
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from playwright.sync_api import sync_playwright
from warcio.archiveiterator import ArchiveIterator

from collector.capture import browser as browsers
from collector.capture.result import CaptureResult
from collector.capture.session import session_from_state
from collector.capture.settings import CaptureSettings
from tests.capture.conftest import EngineRunner
from tests.capture.test_replay import COLLECTION, _tool, pywb  # noqa: F401 (fixture)
from tests.world import pages
from tests.world.h2server import RESET_PART, H2Server, routes
from tests.world.server import World
from tests.world.tlsprobe import TLSProbe
from tests.world.wsserver import NeverClosingSocket

pytestmark = pytest.mark.browser
TIMEOUT_S = 12.0


@dataclass
class Wire:
    """The wire tests' servers and an engine that trusts their CA."""

    probe: TLSProbe
    h2: H2Server
    h2_tls12: H2Server
    socket: NeverClosingSocket
    rules: str
    engine: EngineRunner


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory, test_world: World) -> Iterator[Wire]:
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("wire-ca") / "ca.pem"
    ca_file.write_bytes(ca.cert_pem.bytes() + test_world.ca_file.read_bytes())

    servers = {
        "probe.test": TLSProbe(ca, ("probe.test",)).start(),
        "h2.test": H2Server(ca, ("h2.test",)).start(),
        "h2-tls12.test": H2Server(ca, ("h2-tls12.test",), ssl.TLSVersion.TLSv1_2).start(),
        "ws.test": NeverClosingSocket(ca, ("ws.test",)).start(),
    }
    rules = ", ".join(f"MAP {host}:443 127.0.0.1:{s.port}" for host, s in servers.items())
    rules += ", " + test_world.resolver_rules

    settings = CaptureSettings(
        allow_private=True,
        host_resolver_rules=rules,
        extra_ca_file=str(ca_file),
        timeout_s=TIMEOUT_S,
        concurrency=1,
    )
    runner = EngineRunner(settings)
    try:
        yield Wire(
            servers["probe.test"],
            servers["h2.test"],
            servers["h2-tls12.test"],
            servers["ws.test"],
            rules,
            runner,
        )
    finally:
        runner.close()
        for server in servers.values():
            server.stop()


def _records(result: CaptureResult) -> list[tuple[dict[str, str], bytes, bytes]]:
    """(WARC headers, HTTP head, payload as stored) of every response record."""
    found = []
    for record in ArchiveIterator(io.BytesIO(result.artifact("warc").data)):
        if record.rec_type != "response":
            continue
        block = record.raw_stream.read()
        if record.http_headers is not None:
            head = record.http_headers.to_bytes()
        else:  # warcio parses HTTP heads of http(s) URIs only (not wss://)
            head, _, block = block.partition(b"\r\n\r\n")
        found.append((dict(record.rec_headers.headers), head, block))
    return found


def _record(result: CaptureResult, url: str) -> tuple[dict[str, str], bytes, bytes]:
    for headers, head, payload in _records(result):
        if headers["WARC-Target-URI"] == url:
            return headers, head, payload
    raise AssertionError(f"no response record for {url}")


def test_server_sees_the_same_client_as_the_browser_visiting_directly(wire: Wire):
    executable = wire.engine.engine.identity.executable
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            args=[*browsers.launch_args(), f"--host-resolver-rules={wire.rules}"],
        )
        context = chromium.new_context(ignore_https_errors=True, locale="en-US")
        context.new_page().goto("https://probe.test/direct")
        context.close()
        chromium.close()
    direct = set(wire.probe.hellos)
    direct_visit = next(v for v in wire.probe.visits if v.path == "/direct")
    wire.probe.hellos.clear()

    result = wire.engine.capture("https://probe.test/captured")
    assert result.status == "complete", result.status_reason
    captured = set(wire.probe.hellos)
    captured_visit = next(v for v in wire.probe.visits if v.path == "/captured")

    assert direct and captured == direct, "the server sees the browser's own ClientHello"
    (hello,) = captured
    assert hello.alpn == ("h2", "http/1.1")
    assert captured_visit.header_names == direct_visit.header_names, (
        captured_visit.header_names,
        direct_visit.header_names,
    )
    # the capture records what the server saw, and its reading agrees with scapy's
    assert result.details["tls"]["client_hello"] == hello.as_dict()


def test_http2_page_is_recorded_byte_exact(wire: Wire, tmp_path: Path):
    result = wire.engine.capture("https://h2.test/")
    assert result.status == "complete", result.status_reason
    assert "ok h2" in result.artifact("dom").data.decode(), "the page's fetch went through"
    served = routes()
    for path in ("/", "/app.js", "/data.json", "/style.css"):
        headers, head, payload = _record(result, f"https://h2.test{path}")
        assert headers["WARC-Protocol"] == "h2, tls/1.3"
        assert payload == served[path].body, f"{path}: the DATA bytes as sent"
    _, head, _ = _record(result, "https://h2.test/")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-encoding: gzip\r\nx-served-by: h2\r\n" in head, "fields as received"
    tls = result.details["tls"]
    assert tls["alpn"] == "h2" and tls["protocol"] == "h2"
    assert tls["chain_verified"] is True and tls["certificate_verify"] == "valid"
    assert len(tls["chain"]) == 2, "leaf and the CA it was verified against"
    handshakes = json.loads(result.artifact("tls-handshakes").data)
    first = handshakes[0]
    assert any(line.startswith("SERVER_HANDSHAKE_TRAFFIC_SECRET") for line in first["keylog"])
    assert first["records"][0]["from"] == "client"
    warc = tmp_path / "h2.warc.gz"
    warc.write_bytes(result.artifact("warc").data)
    check = subprocess.run([_tool("warcio"), "check", "-v", str(warc)], capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


def test_http1_over_tls_is_recorded_as_transferred(wire: Wire):
    result = wire.engine.capture("https://www.example.test/gzip")
    assert result.status == "complete", result.status_reason
    headers, head, payload = _record(result, "https://www.example.test/gzip")
    assert headers["WARC-Protocol"] == "http/1.1, tls/1.3"
    assert payload == gzip.compress(pages.page("Gzip page"), mtime=0)
    assert result.details["tls"]["alpn"] is None, "the world's server offers no ALPN"


def test_tls12_connection_is_decrypted_too(wire: Wire):
    result = wire.engine.capture("https://h2-tls12.test/")
    assert result.status == "complete", result.status_reason
    tls = result.details["tls"]
    assert tls["tls_version"] == "TLSv1.2" and tls["alpn"] == "h2"
    assert tls["chain_verified"] is True
    headers, _, payload = _record(result, "https://h2-tls12.test/data.json")
    assert headers["WARC-Protocol"] == "h2, tls/1.2"
    assert payload == routes()["/data.json"].body


def _client_application_records(result: CaptureResult) -> list[str]:
    """The hex of every browser record of content type 23 kept with a handshake."""
    handshakes = json.loads(result.artifact("tls-handshakes").data)
    records = [r for c in handshakes for r in c["records"] if r["from"] == "client"]
    return [r["hex"] for r in records if r["hex"].startswith("17")]


def test_false_start_requests_are_not_kept_with_the_handshake(wire: Wire):
    result = wire.engine.capture("https://h2-tls12.test/")  # Chromium False Starts on TLS 1.2
    assert result.status == "complete", result.status_reason
    warc = ArchiveIterator(io.BytesIO(result.artifact("warc").data))
    uris = [r.rec_headers.get_header("WARC-Target-URI") for r in warc if r.rec_type == "request"]
    assert "https://h2-tls12.test/" in uris, "the request sent early is in the WARC"
    assert _client_application_records(result) == []
    handshakes = json.loads(result.artifact("tls-handshakes").data)
    assert [line.split()[0] for line in handshakes[0]["keylog"]] == ["CLIENT_RANDOM"]


def test_logged_in_capture_keeps_only_the_handshake_secrets(wire: Wire):
    for host, withheld in [
        ("h2-tls12.test", {"CLIENT_RANDOM"}),
        ("h2.test", {"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}),
    ]:
        cookie = {"name": "sid", "value": "wire-session-0123456789abcdef", "domain": host}
        cookie |= {"path": "/", "expires": -1, "httpOnly": True, "secure": True}
        session = session_from_state("wire", {"cookies": [cookie], "origins": []}, "@wire")
        result = wire.engine.call(wire.engine.engine.capture(f"https://{host}/", session=session))
        assert result.status == "complete", result.status_reason
        handshakes = json.loads(result.artifact("tls-handshakes").data)
        for connection in handshakes:
            labels = {line.split()[0] for line in connection["keylog"]}
            assert labels <= {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET"}
            assert set(connection["keylog_withheld"]) == withheld, host
        assert _client_application_records(result) == []


def test_http2_capture_replays_in_pywb(wire: Wire, pywb):  # noqa: F811
    folder, port = pywb
    original = wire.engine.capture("https://h2.test/")
    assert original.status == "complete", original.status_reason
    warc = folder / "h2.warc.gz"
    warc.write_bytes(original.artifact("warc").data)
    subprocess.run(
        [_tool("wb-manager"), "add", COLLECTION, str(warc)], cwd=folder, check=True, timeout=60
    )
    replay = wire.engine.capture(f"http://127.0.0.1:{port}/{COLLECTION}/https://h2.test/")
    assert replay.http_status == 200, replay.status_reason
    dom = replay.artifact("dom").data.decode()
    assert "Served over HTTP/2" in dom and "ok h2" in dom, "page and its fetch from the WARC"


def test_stream_reset_mid_body_is_partial_and_says_so(wire: Wire):
    began = time.monotonic()
    result = wire.engine.capture("https://h2.test/reset")
    assert time.monotonic() - began < TIMEOUT_S + 5
    assert result.status != "complete"
    assert "reset by the server" in (result.status_reason or "")
    _, _, payload = _record(result, "https://h2.test/reset")
    assert payload == RESET_PART, "what arrived before the reset is kept"


def test_broken_http2_ends_within_budget_with_a_clear_reason(wire: Wire):
    began = time.monotonic()
    result = wire.engine.capture("https://h2.test/broken")
    assert time.monotonic() - began < TIMEOUT_S + 5
    assert result.status != "complete"
    reason = result.status_reason or ""
    assert "HTTP2" in reason or "HTTP/2" in reason, reason
    # what the recorder read, whichever the browser noticed first: the bad frame or the close
    assert "(recorded: " in reason and "HTTP/2 from the server" in reason, reason


def test_never_closing_websocket_is_recorded_and_cut_at_the_end(wire: Wire):
    began = time.monotonic()
    result = wire.engine.capture("https://h2.test/ws-page")
    assert time.monotonic() - began < TIMEOUT_S + 5
    assert result.status == "partial"
    assert "wss://ws.test/live" in (result.status_reason or "")
    headers, head, payload = _record(result, "wss://ws.test/live")
    assert head.startswith(b"HTTP/1.1 101")
    assert headers.get("WARC-Truncated") == "time"
    assert payload.startswith(b"\x81\x06tick 0"), "the server's frames as transferred"
