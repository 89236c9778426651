"""The offline test world: an HTTP and an HTTPS server on 127.0.0.1 (HTTPS with a trustme CA).

Routes cover ordinary pages and every hostile case a capture must survive. Real hostnames
(`t.co`, `x.com`, `bit.ly`, `www.example.test`) are served too: captures reach them through
`World.resolver_rules`, never through special cases in product code. Every endless loop here is
bounded (by time or by the client going away), and `World.stop()` shuts everything down.
"""

import gzip
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import brotli
import trustme

from tests.world import loginsite, pages
from tests.world.sites import HOSTS as SITE_HOSTS
from tests.world.sites import Sites

HTTPS_HOSTS = (
    "localhost",
    "127.0.0.1",
    "t.co",
    "x.com",
    "bit.ly",
    "www.example.test",
    *SITE_HOSTS,
    *loginsite.HOSTS,
)
NEVER_ENDING_LIMIT_S = 120.0
BENCH_PAGES = 20


def _short_links(world: "World") -> dict[tuple[str, str], tuple[int, str]]:
    """The 3-hop short-link chain: t.co -> bit.ly -> x.com -> the page (301, 302, 307)."""
    return {
        ("t.co", "/abc123"): (301, "https://bit.ly/3xYz"),
        ("bit.ly", "/3xYz"): (302, "https://x.com/i/web/status/1234567890"),
        ("x.com", "/i/web/status/1234567890"): (
            307,
            f"{world.https_origin('www.example.test')}/static/page.html?n=short",
        ),
    }


class Handler(BaseHTTPRequestHandler):
    """Serves every route of the test world."""

    protocol_version = "HTTP/1.1"
    server: "WorldServer"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: tests read results, not access logs."""

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self._login_site(body):
            return
        self._send(200, json.dumps({"received": len(body)}).encode(), "application/json")

    def _login_site(self, body: bytes = b"") -> bool:
        """Answer a request to the login site (`loginsite.py`); False for other hosts."""
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        if host not in loginsite.HOSTS:
            return False
        self.server.world.hits.append((host, self.path))
        parts = urlsplit(self.path)
        request = loginsite.Request(
            self.command, parts.path, parse_qs(parts.query), self.headers, body
        )
        reply = self.server.world.login.handle(request)
        self._send(reply.status, reply.body, "", extra=reply.headers)
        return True

    def do_GET(self) -> None:  # noqa: N802
        world = self.server.world
        if self._login_site():
            return
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        world.hits.append((host, self.path))
        recorded = world.sites.lookup(host, path, query)
        if recorded is not None:
            self._send(recorded.status, recorded.body, "", extra=recorded.headers)
            return
        short = _short_links(world).get((host, path))
        if short:
            self._redirect(short[0], short[1])
            return
        route = ROUTES.get(path)
        if route is None:
            for prefix, handler in PREFIX_ROUTES:
                if path.startswith(prefix):
                    route = handler
                    break
        if route is None:
            self._send(404, b"<h1>not found</h1>", "text/html")
            return
        route(self, path, query)

    # -- helpers -----------------------------------------------------------------------------

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        extra: list[tuple[str, str]] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        for name, value in extra or []:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, status: int, location: str) -> None:
        self._send(status, b"", "text/html", {"Location": location})

    def _chunked(self, pieces: list[bytes], content_type: str, delay: float = 0.0) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in pieces:
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
            if delay:
                time.sleep(delay)
        self.wfile.write(b"0\r\n\r\n")


def _page(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    n = int(query.get("n", ["0"])[0]) if query.get("n", ["0"])[0].isdigit() else 0
    h._send(200, pages.page("Evidence test page", n), "text/html; charset=utf-8")


def _static(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    name = path.rsplit("/", 1)[-1]
    if name == "style.css":
        h._send(200, pages.STYLE.encode(), "text/css")
    elif name == "app.js":
        h._send(200, pages.SCRIPT.encode(), "application/javascript")
    elif name.endswith(".png"):
        h._send(200, h.server.world.picture(len(name)), "image/png")
    else:
        h._send(404, b"", "text/plain")


def _data(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    h._send(
        200, json.dumps({"message": "fetched from the test world"}).encode(), "application/json"
    )


def _html(content: str) -> "RouteFn":
    def route(h: Handler, path: str, query: dict[str, list[str]]) -> None:
        h._send(200, content.encode(), "text/html; charset=utf-8")

    return route


def _hop(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    """/hop/301/302/307 -> redirects with those codes in turn, then the static page."""
    codes = [c for c in path.split("/")[2:] if c]
    if not codes:
        _page(h, path, query)
        return
    rest = "/".join(codes[1:])
    h._redirect(int(codes[0]), f"/hop/{rest}" if rest else "/static/page.html?n=hop")


def _loop(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    h._redirect(302, "/loop/b" if path == "/loop/a" else "/loop/a")


def _slow(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    time.sleep(min(float(query.get("s", ["5"])[0]), 60.0))
    h._send(200, pages.page("Slow page"), "text/html; charset=utf-8")


def _never_ending(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    opening = b"<!doctype html><html><head><title>Never ending</title></head><body><h1>Never</h1>"
    h.wfile.write(f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
    end = time.monotonic() + NEVER_ENDING_LIMIT_S
    try:
        while time.monotonic() < end and not h.server.world.stopping.is_set():
            piece = b"<p>more</p>\n" * 20
            h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            h.wfile.flush()
            time.sleep(0.1)
    except OSError:
        return
    h.close_connection = True


def _huge(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    size = int(float(query.get("mb", ["64"])[0]) * 1024 * 1024)
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    block = b"<p>" + b"x" * 1017 + b"</p>\n"
    sent = 0
    try:
        while sent < size:
            piece = block[: size - sent]
            h.wfile.write(piece)
            sent += len(piece)
    except OSError:
        h.close_connection = True


def _gzip(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    body = gzip.compress(pages.page("Gzip page"), mtime=0)
    h._send(200, body, "text/html; charset=utf-8", {"Content-Encoding": "gzip"})


def _brotli(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    body = brotli.compress(pages.page("Brotli page"))
    h._send(200, body, "text/html; charset=utf-8", {"Content-Encoding": "br"})


def _chunked(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    body = pages.page("Chunked page")
    h._chunked([body[i : i + 300] for i in range(0, len(body), 300)], "text/html; charset=utf-8")


def _download(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    h._send(
        200,
        b"PK\x03\x04" + b"\x00" * 2000,
        "application/zip",
        {"Content-Disposition": 'attachment; filename="evidence.zip"'},
    )


def _quiet_close(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    """Responses that say nothing about closing, then close (an idle keep-alive timeout)."""
    if path.endswith(".png"):
        h._send(200, h.server.world.picture(len(path)), "image/png")
    else:
        images = "".join(f'<img src="/quiet-close/{i}.png" width="60">' for i in range(4))
        h._send(200, f"<title>Closing</title>{images}".encode(), "text/html")
    h.close_connection = True


def _status(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    code = int(path.rsplit("/", 1)[-1])
    h._send(code, f"<h1>status {code}</h1>".encode(), "text/html")


def _bench(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    n = int(path.rsplit("/", 1)[-1] or 0)
    h._send(200, pages.page(f"Benchmark page {n}", n, "Lorem ipsum " * 80), "text/html")


def _ip(h: Handler, path: str, query: dict[str, list[str]]) -> None:
    """The caller's address as plain text, like the IP echo services vantages ask."""
    h._send(200, h.client_address[0].encode(), "text/plain")


RouteFn = type(_page)
ROUTES = {
    "/": _page,
    "/static/page.html": _page,
    "/api/data.json": _data,
    "/tall": _html(pages.TALL),
    "/lazy": _html(pages.LAZY),
    "/dialogs": _html(pages.DIALOGS),
    "/popup": _html(pages.POPUP),
    "/meta-refresh": _html(pages.META_REFRESH),
    "/js-redirect": _html(pages.JS_REDIRECT),
    "/websocket": _html(pages.WEBSOCKET),
    "/streaming": _html(pages.STREAMING),
    "/slow": _slow,
    "/never-ending": _never_ending,
    "/huge": _huge,
    "/gzip": _gzip,
    "/brotli": _brotli,
    "/chunked": _chunked,
    "/download": _download,
    "/ip": _ip,
}
PREFIX_ROUTES = [
    ("/static/", _static),
    ("/hop", _hop),
    ("/loop/", _loop),
    ("/status/", _status),
    ("/quiet-close", _quiet_close),
    ("/bench/", _bench),
]


class WorldServer(ThreadingHTTPServer):
    """A threaded server that knows its world."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, world: "World", tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.world = world
        if tls is not None:
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that go away mid-response are expected; stay quiet."""


@dataclass
class World:
    """Running servers, their addresses, and how to reach the mapped hostnames."""

    ca_dir: Path
    hits: list[tuple[str, str]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    http_port: int = 0
    https_port: int = 0
    _servers: list[WorldServer] = field(default_factory=list)
    _pictures: dict[int, bytes] = field(default_factory=dict)
    sites: Sites = field(init=False)
    login: loginsite.LoginSite = field(default_factory=loginsite.LoginSite)

    def start(self) -> "World":
        """Start both servers in background threads."""
        self.sites = Sites(self.picture)
        ca = trustme.CA()
        self.ca_dir.mkdir(parents=True, exist_ok=True)
        ca.cert_pem.write_to_path(str(self.ca_file))
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*HTTPS_HOSTS).configure_cert(tls)
        for context in (None, tls):
            server = WorldServer(self, context)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        self.http_port = self._servers[0].server_address[1]
        self.https_port = self._servers[1].server_address[1]
        return self

    def stop(self) -> None:
        """Shut both servers down."""
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    @property
    def ca_file(self) -> Path:
        """PEM of the CA that signed the HTTPS server's certificate."""
        return self.ca_dir / "world-ca.pem"

    def http(self, path: str = "/") -> str:
        """A URL on the plain HTTP server."""
        return f"http://127.0.0.1:{self.http_port}{path}"

    def https(self, path: str = "/", host: str = "localhost") -> str:
        """A URL on the HTTPS server under `host` (mapped hosts need `resolver_rules`)."""
        return f"{self.https_origin(host)}{path}"

    def https_origin(self, host: str) -> str:
        """Scheme, host and port of the HTTPS server as `host`; mapped hosts use port 443."""
        if host in ("localhost", "127.0.0.1"):
            return f"https://{host}:{self.https_port}"
        return f"https://{host}"

    @property
    def resolver_rules(self) -> str:
        """Host rules mapping the world's real hostnames (port 443) onto the HTTPS server."""
        return ", ".join(
            f"MAP {host}:443 127.0.0.1:{self.https_port}"
            for host in HTTPS_HOSTS
            if host not in ("localhost", "127.0.0.1")
        )

    def picture(self, seed: int) -> bytes:
        """A cached PNG for `seed`."""
        if seed not in self._pictures:
            self._pictures[seed] = pages.picture(seed)
        return self._pictures[seed]

    def bench_urls(self, count: int = BENCH_PAGES) -> list[str]:
        """The benchmark's local pages."""
        return [self.http(f"/bench/{i}") for i in range(count)]


def free_port() -> int:
    """An unused loopback port (for servers started outside the world, such as pywb)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
