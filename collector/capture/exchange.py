"""One recorded exchange (what the page asked and what came back, byte for byte) and the size
limits of a capture: shared by the recorder's two paths (intercepted and passed through)."""

import time
from dataclasses import dataclass, field
from datetime import datetime

from collector.capture.httpwire import Head
from collector.capture.spool import Spool
from collector.capture.upstream import TLSInfo


@dataclass
class Exchange:
    """One request the page made and what came back, byte for byte."""

    url: str
    method: str
    started_at: datetime
    request: Spool = field(repr=False)
    """The request as sent to the server: head and body."""
    response: Spool = field(repr=False)
    """What the server sent: interim heads, the final head and the body as transferred."""
    body_start: int = 0
    """Where the body begins in `response` (after the final head)."""
    status: int | None = None
    response_head: Head | None = None
    ip: str | None = None
    tls: TLSInfo | None = None
    finished_at: datetime | None = None
    truncated: str | None = None
    """WARC-Truncated reason (length, time, disconnect) when the response is incomplete."""
    error: str | None = None
    blocked: bool = False
    websocket: bool = False
    companion: bool = False
    """Made by a companion client (a platform adapter), not by the page."""
    document: bool = False
    """A navigation: the browser renders the response as a document (see `render`)."""
    rendered_bytes: int | None = None
    """Set when the browser was given only this many body bytes (the render limit)."""
    protocol: str = "http/1.1"
    """How the browser and the server spoke: `http/1.1` or `h2` (WARC-Protocol)."""
    opened: float = field(default_factory=time.monotonic, repr=False)
    """Monotonic clock when the request arrived (for the settle logic, not recorded)."""


@dataclass(frozen=True)
class Limits:
    """Size limits of one capture."""

    max_response_bytes: int
    max_total_bytes: int
    long_request_s: float
    max_decoded_bytes: int
    """One response body may decode (Content-Encoding removed) to at most this many bytes."""
    max_render_bytes: int | None = None
    """The browser is given at most this much of a document (None: all of it)."""
