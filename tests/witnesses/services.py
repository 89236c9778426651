"""A loopback server answering as the witness services do, in their documented formats.

Routes: `/wayback/available`, `/cdx/search/cdx` (JSON or text output), `/save` and
`/save/status/<job>` (Save Page Now 2), `/timemap/link/<url>` (a Memento aggregator) and
`/timemap/<url>` (archive.today). A test sets `answers` (route -> list of (status, headers,
body) served in turn, the last one repeated) or `handlers` (route -> a function of the request
path) and reads `requests` afterwards; `/tweet-result` stands in for X's syndication endpoint.
`delay_s` makes every answer late, for time-outs.
"""

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.support.loopback import LoopbackServer

Answer = tuple[int, dict[str, str], bytes]


class WitnessServices:
    """The fake services; `base` is the URL to configure as every service's base."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Answer]] = {}
        self.handlers: dict[str, Callable[[str], Answer]] = {}
        self.requests: list[dict[str, Any]] = []
        self.delay_s = 0.0
        self.in_flight = 0
        self.most_in_flight = 0
        self._lock = threading.Lock()
        services = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = services.answer_for(self, body)
                with services._lock:
                    services.in_flight += 1
                    services.most_in_flight = max(services.most_in_flight, services.in_flight)
                if services.delay_s:
                    time.sleep(services.delay_s)
                with services._lock:
                    services.in_flight -= 1
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            do_GET = _answer
            do_POST = _answer

        self.loopback = LoopbackServer(Handler)
        self.server = self.loopback.server
        self.base = self.loopback.base

    def route_of(self, path: str) -> str:
        """The route a request path belongs to."""
        routes = ("/wayback/available", "/cdx/search/cdx", "/save/status/", "/timemap/link/",
                  "/timemap/", "/save", "/web/", "/tweet-result")  # fmt: skip
        for route in routes:
            if path.startswith(route):
                return route
        return path

    def answer_for(self, handler: BaseHTTPRequestHandler, body: bytes) -> Answer:
        """The next answer for the request's route (404 when none is set)."""
        split = urlsplit(handler.path)
        route = self.route_of(split.path)
        with self._lock:
            self.requests.append(
                {
                    "method": handler.command,
                    "path": handler.path,
                    "route": route,
                    "authorization": handler.headers.get("Authorization"),
                    "body": body,
                    "at": time.monotonic(),
                }
            )
            if route in self.handlers:
                return self.handlers[route](handler.path)
            queue = self.answers.get(route)
            if not queue:
                return 404, {"Content-Type": "text/plain"}, b"not found"
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> "WitnessServices":
        """Start serving on a loopback port."""
        self.loopback.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.loopback.stop()


def json_answer(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    """A JSON answer."""
    return status, {"Content-Type": "application/json", **(headers or {})}, text.encode()


def text_answer(text: str, status: int = 200, kind: str = "text/plain") -> Answer:
    """A text answer of the given media type."""
    return status, {"Content-Type": kind}, text.encode()
