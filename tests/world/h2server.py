"""A local HTTP/2 server (python-hyper's `h2`, over TLS with ALPN `h2`) for the wire tests.

Routes answer with exact bytes (a gzip body is sent as compressed bytes with
`content-encoding: gzip`), and the hostile routes misbehave on purpose: `/reset` sends part
of its body and resets the stream, `/broken` answers with a frame no HTTP/2 peer may send.
Every connection thread ends when its client goes away or the server stops.
"""

import gzip
import ssl
import time
from dataclasses import dataclass

import trustme
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import ConnectionTerminated, RequestReceived, StreamReset, WindowUpdated
from h2.exceptions import ProtocolError

from tests.world.tlsbase import TLSListener

READ_S = 0.2

PAGE = """<!doctype html><html><head><title>Over HTTP/2</title>
<link rel="stylesheet" href="/style.css"></head>
<body><h1>Served over HTTP/2</h1><p id="out">waiting</p><img src="/pic.svg" width="80" height="40">
<script src="/app.js"></script></body></html>"""
APP = "fetch('/data.json').then(r => r.json()).then(d => {"
APP += " document.getElementById('out').textContent = d.message; });"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
SVG += '<rect width="80" height="40" fill="#c33"/></svg>'
BROKEN_FRAME = b"\x00\x00\x04\x00\x01\x00\x00\x00\x00junk"
"""DATA on stream 0: a connection error for any HTTP/2 reader."""
RESET_PART = b"<!doctype html><html><body><h1>cut short</h1>" + b"<p>x</p>" * 200


@dataclass(frozen=True)
class Reply:
    """What a route sends: status, header fields in this order, body bytes as sent."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _gzip(text: str) -> bytes:
    return gzip.compress(text.encode(), mtime=0)


def routes() -> dict[str, Reply]:
    """The fixed routes (gzip bodies are compressed once, so their bytes are known)."""
    html = ("content-type", "text/html; charset=utf-8")
    return {
        "/": Reply(200, (html, ("content-encoding", "gzip"), ("x-served-by", "h2")), _gzip(PAGE)),
        "/style.css": Reply(200, (("content-type", "text/css"),), b"h1 { color: #235; }"),
        "/app.js": Reply(
            200, (("content-type", "text/javascript"), ("content-encoding", "gzip")), _gzip(APP)
        ),
        "/data.json": Reply(200, (("content-type", "application/json"),), b'{"message":"ok h2"}'),
        "/pic.svg": Reply(200, (("content-type", "image/svg+xml"),), SVG.encode()),
        "/ws-page": Reply(
            200,
            (html,),
            b"<!doctype html><title>socket</title><h1>socket</h1><script>"
            b"const s = new WebSocket('wss://ws.test/live');"
            b"s.onopen = () => s.send('hello from the page');</script>",
        ),
    }


class H2Server:
    """HTTP/2 for `hosts` on 127.0.0.1, signed by `ca`."""

    def __init__(
        self, ca: trustme.CA, hosts: tuple[str, ...], max_version: ssl.TLSVersion | None = None
    ) -> None:
        self.routes = routes()
        self.listener = TLSListener(ca, hosts, ["h2"], self._serve, max_version=max_version)
        self.paths: list[str] = []

    @property
    def port(self) -> int:
        """The listening port."""
        return self.listener.port

    def start(self) -> "H2Server":
        """Start serving."""
        self.listener.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.listener.stop()

    def _serve(self, tls: ssl.SSLSocket) -> None:
        if tls.selected_alpn_protocol() != "h2":
            return
        conn = H2Connection(H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        tls.sendall(conn.data_to_send())
        tls.settimeout(READ_S)
        pending: dict[int, bytes] = {}
        while not self.listener.stopping.is_set():
            try:
                data = tls.recv(65536)
            except TimeoutError:
                continue
            if not data:
                return
            try:
                events = conn.receive_data(data)
            except ProtocolError:
                return
            for event in events:
                if isinstance(event, RequestReceived):
                    path = dict(event.headers).get(":path", "/")
                    self.paths.append(path)
                    if path == "/broken":
                        # DATA on stream 0: a connection error for any HTTP/2 reader
                        tls.sendall(
                            conn.data_to_send() + b"\x00\x00\x04\x00\x01\x00\x00\x00\x00junk"
                        )
                        _drain(tls)
                        return
                    self._answer(conn, event.stream_id, path, pending)
                elif isinstance(event, WindowUpdated):
                    self._flush(conn, pending)
                elif isinstance(event, StreamReset):
                    pending.pop(event.stream_id, None)
                elif isinstance(event, ConnectionTerminated):
                    tls.sendall(conn.data_to_send())
                    return
            tls.sendall(conn.data_to_send())

    def _answer(self, conn: H2Connection, stream_id: int, path: str, pending: dict) -> None:
        if path == "/reset":
            conn.send_headers(stream_id, [(":status", "200"), ("content-type", "text/html")])
            conn.send_data(stream_id, RESET_PART)
            conn.reset_stream(stream_id, error_code=2)
            return
        reply = self.routes.get(path.split("?", 1)[0])
        if reply is None:
            reply = Reply(404, (("content-type", "text/plain"),), b"not here")
        conn.send_headers(stream_id, [(":status", str(reply.status)), *reply.headers])
        pending[stream_id] = reply.body
        self._flush(conn, pending)

    def _flush(self, conn: H2Connection, pending: dict[int, bytes]) -> None:
        for stream_id in list(pending):
            body = pending[stream_id]
            while body:
                size = min(conn.local_flow_control_window(stream_id), conn.max_outbound_frame_size)
                if size <= 0:
                    break
                conn.send_data(stream_id, body[:size])
                body = body[size:]
            pending[stream_id] = body
            if not body:
                conn.end_stream(stream_id)
                del pending[stream_id]


def _drain(tls: ssl.SSLSocket, limit_s: float = 5.0) -> None:
    """Read until the peer closes (at most `limit_s`): closing with its bytes unread would
    reset the connection, and a reset can discard what was just sent before the peer reads it."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        try:
            if not tls.recv(65536):
                return
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError):
            return
