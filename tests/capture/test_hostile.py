"""Hostile pages end `partial` or `failed` within their budget, with a reason, and the engine
keeps working afterwards. Also the request forgery guard and capturing through a proxy."""

import os
import time
from collections.abc import Iterator

import pytest

from collector.capture.engine import capture_urls
from tests.capture.conftest import EngineRunner, world_settings
from tests.capture.warcs import responses, warc_records
from tests.world.proxy import ConnectProxy, Socks5Proxy

pytestmark = pytest.mark.browser

BUDGET_S = 6.0
SLACK_S = 4.0


@pytest.fixture(scope="module")
def tight(test_world) -> Iterator[EngineRunner]:
    """An engine with a small time budget and a 2 MB response limit."""
    runner = EngineRunner(
        world_settings(test_world, timeout_s=BUDGET_S, max_response_bytes=2 * 1024 * 1024)
    )
    yield runner
    runner.close()


@pytest.mark.parametrize(
    ("path", "status", "reason"),
    [
        ("/slow?s=30", "failed", "time budget"),
        ("/never-ending", "partial", "time budget"),
        ("/huge?mb=64", "partial", "byte limit"),
        ("/loop/a", "failed", "ERR_TOO_MANY_REDIRECTS"),
        ("/status/500", "complete", None),
    ],
)
def test_hostile_page_ends_within_budget(tight: EngineRunner, test_world, path, status, reason):
    began = time.monotonic()
    result = tight.capture(test_world.http(path))
    elapsed = time.monotonic() - began
    assert elapsed < BUDGET_S + SLACK_S, f"{path} took {elapsed:.1f} s"
    assert result.status == status, result.status_reason
    if reason:
        assert reason in result.status_reason
    assert result.artifact("warc") is not None, "what was recorded is kept"
    if path == "/never-ending":
        [page] = [
            h
            for kind, h, _ in warc_records(result)
            if kind == "response" and h.get_header("WARC-Target-URI") == test_world.http(path)
        ]
        assert page.get_header("WARC-Truncated") in ("time", "disconnect")


def test_huge_response_is_recorded_truncated(tight: EngineRunner, test_world):
    result = tight.capture(test_world.http("/huge?mb=16"))
    failed = result.artifact("failed-requests")
    assert b'"truncated": "length"' in failed.data
    warc = result.artifact("warc")
    assert len(warc.data) < 3 * 1024 * 1024
    truncated = [h for kind, h, _ in warc_records(result) if kind == "response"]
    assert truncated[0].get_header("WARC-Truncated") == "length"


def test_engine_is_healthy_after_hostile_pages(tight: EngineRunner, test_world):
    tight.capture(test_world.http("/static/page.html"))
    open_files = len(os.listdir("/proc/self/fd"))
    for path in ("/never-ending", "/slow?s=30", "/huge?mb=8", "/loop/a", "/streaming"):
        tight.capture(test_world.http(path))
    result = tight.capture(test_world.http("/static/page.html"))
    assert result.status == "complete", result.status_reason
    leaked = len(os.listdir("/proc/self/fd")) - open_files
    assert leaked < 5, f"{leaked} file descriptors more than before the hostile pages"


def test_private_addresses_are_refused_by_default(test_world):
    marker = f"/static/page.html?guard={time.time_ns()}"
    settings = world_settings(test_world, allow_private=False)
    [result] = capture_urls([test_world.http(marker)], settings)
    assert result.status == "failed"
    assert "blocked" in result.status_reason and "loopback" in result.status_reason
    assert not any(path == marker for _, path in test_world.hits), "no request reached the server"


def test_mapped_hostname_to_private_address_is_refused(test_world):
    settings = world_settings(test_world, allow_private=False)
    [result] = capture_urls(["https://t.co/abc123"], settings)
    assert result.status == "failed" and "blocked" in result.status_reason


@pytest.mark.parametrize("kind", [ConnectProxy, Socks5Proxy])
def test_capture_through_a_proxy(test_world, kind):
    proxy = kind().start()
    try:
        settings = world_settings(test_world, proxy=proxy.url)
        [result] = capture_urls([test_world.http("/static/page.html")], settings)
    finally:
        proxy.stop()
    assert result.status == "complete", result.status_reason
    assert result.proxy == proxy.url
    assert f"127.0.0.1:{test_world.http_port}" in proxy.tunnels
    assert result.server_ip is None, "behind a proxy the server address is not known"


def test_browser_that_went_away_is_relaunched(tight: EngineRunner, test_world):
    before = tight.call(tight.engine.browser())
    tight.call(before.close())
    result = tight.capture(test_world.http("/static/page.html"))
    assert result.status == "complete", result.status_reason
    assert tight.call(tight.engine.browser()) is not before


def test_long_running_request_does_not_hold_the_capture(test_world):
    settings = world_settings(test_world, long_request_s=2.0, timeout_s=20.0)
    began = time.monotonic()
    [result] = capture_urls([test_world.http("/streaming")], settings)
    assert time.monotonic() - began < 10, "settled once the stream counted as long-running"
    assert result.status == "partial"
    assert "still open" in result.status_reason and "/never-ending" in result.status_reason
    assert result.artifact("screenshot-full") is not None
    assert test_world.http("/static/streamed.png") in responses(result)


@pytest.fixture
def malformed_server() -> Iterator[str]:
    """A loopback server whose every answer has a status line with no status code."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 OK\r\nContent-Type: text/html\r\n\r\n<p>sent</p>")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/odd"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_malformed_status_line_is_recorded_and_ends_at_once(
    tight: EngineRunner, malformed_server: str
):
    began = time.monotonic()
    result = tight.capture(malformed_server)
    elapsed = time.monotonic() - began
    assert elapsed < BUDGET_S, f"the browser waited {elapsed:.1f} s"
    assert result.status != "complete", result.status_reason
    assert "malformed response" in result.status_reason
    pages = [
        block
        for kind, h, block in warc_records(result)
        if kind == "response" and h.get_header("WARC-Target-URI") == malformed_server
    ]
    assert pages and pages[0].startswith(b"HTTP/1.1 OK\r\n"), "the server's head as received"
    assert b"502 Bad Gateway" not in b"".join(pages)
