"""A small "fake internet" for the platform tests: one threaded HTTP server on 127.0.0.1 that
answers by (Host, path[, query]) with recorded bodies, and an httpx transport that sends every
request there while keeping the original Host, like Chromium's --host-resolver-rules.

Hand-written (about 100 lines) because the tests need host-based routing of many hostnames
through one loopback port, which pytest-httpserver does not do.
"""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import httpx


@dataclass
class Route:
    status: int
    body: bytes
    headers: list[tuple[str, str]]
    query: dict[str, str] = field(default_factory=dict)


class FakeWeb:
    """Routes keyed by host and path; start() binds a free loopback port."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Route]] = {}
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(
        self,
        url: str,
        body: bytes | str,
        status: int = 200,
        content_type: str | None = "text/html; charset=utf-8",
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        """Answer GET `url` (its query, if any, must be a subset of the request's)."""
        parts = urlsplit(url)
        all_headers = list(headers or [])
        if content_type and not any(k.lower() == "content-type" for k, _ in all_headers):
            all_headers.append(("Content-Type", content_type))
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(status, data, all_headers, dict(parse_qsl(parts.query)))
        self.routes.setdefault((parts.hostname or "", parts.path or "/"), []).append(route)

    def find(self, host: str, target: str) -> Route | None:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for route in self.routes.get((host.split(":")[0], parts.path), []):
            if all(query.get(k) == v for k, v in route.query.items()):
                return route
        return None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeWeb":
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                host = self.headers.get("Host", "")
                web.requests.append(f"{host}{self.path}")
                route = web.find(host, self.path)
                if route is None:
                    route = Route(404, b"not in the fake web", [("Content-Type", "text/plain")])
                self.send_response(route.status)
                for key, value in route.headers:
                    if key.lower() not in ("content-length", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def client(self) -> httpx.AsyncClient:
        """An AsyncClient whose every request reaches this server (Host header preserved)."""
        return httpx.AsyncClient(transport=LoopbackTransport(self.port), timeout=10)


class LoopbackTransport(httpx.AsyncHTTPTransport):
    """Send each request to 127.0.0.1:<port>, keeping the original Host header."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        headers = request.headers.copy()
        headers["Host"] = request.url.netloc.decode("ascii")
        target = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        rerouted = httpx.Request(
            request.method,
            target,
            headers=headers,
            stream=request.stream,
            extensions=request.extensions,
        )
        return await super().handle_async_request(rerouted)
