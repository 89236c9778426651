"""The passthrough recorder without a browser: a Python TLS client (which writes an NSS key
log through `ssl.SSLContext.keylog_filename`) talks through the recorder's CONNECT tunnel to
a local HTTP/2 server, or to `openssl s_server`, which sends TLS 1.3 KeyUpdates on command.
With its key log the exchange is recorded byte-exact; without one the bytes still pass and the
recorder says what it could not read."""

import asyncio
import socket
import ssl
import subprocess
import time
from pathlib import Path

import h2.config
import h2.connection
import h2.events
import pytest
import trustme

from collector.capture.certcheck import TrustStore
from collector.capture.keylog import KeyLog
from collector.capture.mitm import InterceptionCA
from collector.capture.netguard import parse_rules
from collector.capture.recorder import Limits, Recorder
from collector.capture.upstream import Connector
from collector.capture.wsframes import CloseWatch
from tests.world.h2server import H2Server, routes
from tests.world.server import free_port

MiB = 1 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    ca = trustme.CA()
    ca_file = tmp_path_factory.mktemp("units-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    running = H2Server(ca, ("h2.test",)).start()
    yield running, ca_file
    running.stop()


async def _fetch(recorder_port: int, ca_file: Path, keylog: Path | None, path: str) -> bytes:
    """GET `path` over HTTP/2 through the recorder; the response body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", recorder_port)
    writer.write(b"CONNECT h2.test:443 HTTP/1.1\r\nHost: h2.test:443\r\n\r\n")
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    context = ssl.create_default_context(cafile=str(ca_file))
    context.set_alpn_protocols(["h2"])
    if keylog is not None:
        context.keylog_filename = str(keylog)
    await writer.start_tls(context, server_hostname="h2.test")
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    headers = [(":method", "GET"), (":scheme", "https"), (":authority", "h2.test")]
    conn.send_headers(stream, [*headers, (":path", path)], end_stream=True)
    writer.write(conn.data_to_send())
    body = b""
    async with asyncio.timeout(10):
        while True:
            data = await reader.read(65536)
            assert data, "connection closed early"
            ended = False
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    body += event.data
                    conn.acknowledge_received_data(len(event.data), event.stream_id)
                ended = ended or isinstance(event, h2.events.StreamEnded)
            writer.write(conn.data_to_send())
            if ended:
                break
    writer.close()
    return body


async def _run(server_port: int, ca_file: Path, keylog: KeyLog, client_log: Path | None, path: str):
    connector = Connector(
        parse_rules(f"MAP h2.test:443 127.0.0.1:{server_port}"),
        True,
        None,
        ssl.create_default_context(),
    )
    ca = InterceptionCA()
    recorder = Recorder(
        connector, ca, Limits(50 * MiB, 200 * MiB, 10.0, 50 * MiB), keylog, TrustStore(str(ca_file))
    )
    port = await recorder.start()
    try:
        body = await _fetch(port, ca_file, client_log, path)
        await asyncio.sleep(0.2)
    finally:
        await recorder.close()
        ca.close()
    return recorder, body


def test_key_logged_connection_is_recorded_byte_exact(server, tmp_path: Path):
    running, ca_file = server
    log = tmp_path / "keys.log"
    recorder, body = asyncio.run(_run(running.port, ca_file, KeyLog(log), log, "/app.js"))
    assert body == routes()["/app.js"].body
    [exchange] = [e for e in recorder.exchanges if e.url == "https://h2.test/app.js"]
    assert exchange.protocol == "h2" and exchange.status == 200
    assert exchange.response.read(exchange.body_start) == body, "gzip bytes as sent"
    assert exchange.tls is not None and exchange.tls.certificate_verify == "valid"
    assert exchange.tls.verified is True
    assert recorder.problems == []


def test_without_the_key_log_bytes_pass_and_the_gap_is_named(server, tmp_path: Path):
    running, ca_file = server
    recorder, body = asyncio.run(
        _run(running.port, ca_file, KeyLog(tmp_path / "never-written.log"), None, "/data.json")
    )
    assert body == routes()["/data.json"].body, "the browser's connection works all the same"
    assert recorder.exchanges == []
    [problem] = recorder.problems
    assert "key log has no SERVER_HANDSHAKE_TRAFFIC_SECRET" in problem


def test_close_watch_finds_a_close_frame_after_long_frames():
    watch = CloseWatch()
    long_frame = bytes([0x82, 126]) + (300).to_bytes(2, "big") + b"x" * 300
    stream = long_frame + bytes([0x81, 2]) + b"hi" + bytes([0x88, 2]) + b"\x03\xe8"
    for at in range(0, len(stream), 7):  # in pieces that cut headers and payloads
        watch.feed(stream[at : at + 7])
    assert watch.closed
    open_only = CloseWatch()
    open_only.feed(long_frame + bytes([0x81, 2]) + b"hi")
    assert not open_only.closed


async def _key_update_exchange(recorder_port: int, ca_file: Path, log: Path, server) -> None:
    """Two HTTP/1.1 exchanges with an OpenSSL server that sends a KeyUpdate asking for one
    back between them, so both directions change keys mid-connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", recorder_port)
    writer.write(b"CONNECT ku.test:443 HTTP/1.1\r\nHost: ku.test:443\r\n\r\n")
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    context = ssl.create_default_context(cafile=str(ca_file))
    context.keylog_filename = str(log)
    await writer.start_tls(context, server_hostname="ku.test")
    for path, body in (("/one", b"one"), ("/two", b"two")):
        writer.write(f"GET {path} HTTP/1.1\r\nHost: ku.test\r\n\r\n".encode())
        await writer.drain()
        await asyncio.sleep(0.3)
        if path == "/one":
            # s_server: KeyUpdate, update_requested (a command only without -quiet)
            server.stdin.write(b"K\n")
            server.stdin.flush()
            await asyncio.sleep(0.3)
        server.stdin.write(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n" + body)
        server.stdin.flush()
        async with asyncio.timeout(10):
            assert (await reader.readuntil(body)).endswith(body)
    writer.close()


def test_key_updates_in_both_directions_are_followed(tmp_path: Path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    leaf = ca.issue_cert("ku.test")
    leaf.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    leaf.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    port = free_port()
    command = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-tls1_3", "-ign_eof"]
    command += ["-cert", str(tmp_path / "cert.pem"), "-key", str(tmp_path / "key.pem")]
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_listening(port)
        log = tmp_path / "keys.log"

        async def run() -> Recorder:
            connector = Connector(
                parse_rules(f"MAP ku.test:443 127.0.0.1:{port}"),
                True,
                None,
                ssl.create_default_context(),
            )
            interception = InterceptionCA()
            limits = Limits(50 * MiB, 200 * MiB, 10.0, 50 * MiB)
            recorder = Recorder(connector, interception, limits, KeyLog(log), TrustStore(None))
            recorder_port = await recorder.start()
            try:
                await _key_update_exchange(recorder_port, ca_file, log, server)
                await asyncio.sleep(0.2)
            finally:
                await recorder.close()
                interception.close()
            return recorder

        recorder = asyncio.run(run())
    finally:
        server.kill()
        server.wait(10)
    bodies = {e.url: e.response.read(e.body_start) for e in recorder.exchanges}
    assert bodies == {"https://ku.test/one": b"one", "https://ku.test/two": b"two"}
    assert recorder.problems == []


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
