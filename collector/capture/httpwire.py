"""HTTP/1.x message heads and body framing on raw bytes.

Hand-written on purpose: the recorder must keep every byte exactly as the server sent it
(header case, order, spacing, chunk sizes) and only needs to know where a message ends.
Parsers such as h11 rebuild and validate messages, and refuse some real-world responses a
browser accepts; here nothing is rebuilt, only framing is read (RFC 9112 section 6).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_HEAD_BYTES = 256 * 1024
READ_SIZE = 64 * 1024

Emit = Callable[[bytes], Awaitable[bool]]
"""Receives raw bytes as they arrive; returns False to stop reading."""
Payload = Callable[[bytes], None]
"""Sees a body's bytes without transfer framing, as they arrive."""


class WireError(Exception):
    """A message that cannot be framed."""


@dataclass
class Head:
    """A parsed request or response head; `raw` is exactly what was on the wire."""

    raw: bytes
    start: list[str]
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        """The last value of header `name` (case-insensitive), or None."""
        lowered = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lowered:
                found = value
        return found

    def tokens(self, name: str) -> list[str]:
        """All comma-separated tokens of header `name`, lower-cased."""
        lowered = name.lower()
        return [
            token.strip().lower()
            for key, value in self.headers
            if key.lower() == lowered
            for token in value.split(",")
            if token.strip()
        ]

    @property
    def status(self) -> int:
        """The status code of a response head."""
        try:
            return int(self.start[1])
        except (IndexError, ValueError):
            raise WireError(f"bad status line {' '.join(self.start)!r}") from None


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """Read one message head; None at a clean end of stream before any byte."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial.strip():
            return None
        raise WireError("connection closed inside a message head") from None
    except asyncio.LimitOverrunError:
        raise WireError("message head too large") from None
    return parse_head(raw)


def parse_head(raw: bytes) -> Head:
    """Split a head into its start line and header fields (values stripped, names as sent)."""
    lines = raw.decode("latin-1").split("\r\n")
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        raise WireError("empty message head")
    start = lines[0].split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise WireError(f"bad header line {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return Head(raw, start, headers)


@dataclass(frozen=True)
class Framing:
    """How a message body ends: `none`, `length` (with `length`), `chunked` or `close`."""

    kind: str
    length: int = 0


def request_framing(head: Head) -> Framing:
    """Body framing of a request."""
    if "chunked" in head.tokens("transfer-encoding"):
        return Framing("chunked")
    length = head.get("content-length")
    if length is None:
        return Framing("none")
    return Framing("length", _length(length))


def response_framing(head: Head, request_method: str) -> Framing:
    """Body framing of a response to `request_method`."""
    status = head.status
    if request_method.upper() == "HEAD" or status < 200 or status in (204, 304):
        return Framing("none")
    encodings = head.tokens("transfer-encoding")
    if encodings:
        return Framing("chunked") if encodings[-1] == "chunked" else Framing("close")
    length = head.get("content-length")
    if length is not None:
        return Framing("length", _length(length))
    return Framing("close")


def _length(value: str) -> int:
    values = {v.strip() for v in value.split(",")}
    if len(values) != 1 or not next(iter(values)).isdigit():
        raise WireError(f"bad Content-Length {value!r}")
    return int(next(iter(values)))


async def relay_body(
    reader: asyncio.StreamReader,
    framing: Framing,
    emit: Emit,
    payload: Payload | None = None,
) -> bool:
    """Pass a body's raw bytes to `emit` until it ends; True when it ended by its framing.

    `payload`, when given, sees the body without its transfer framing (chunk data only) just
    before `emit` sees the same bytes."""
    see = payload or _ignore
    if framing.kind == "none":
        return True
    if framing.kind == "length":
        return await _relay_exact(reader, framing.length, emit, see)
    if framing.kind == "chunked":
        return await _relay_chunked(reader, emit, see)
    while True:
        data = await reader.read(READ_SIZE)
        if not data:
            return True
        see(data)
        if not await emit(data):
            return False


def _ignore(_data: bytes) -> None:
    return None


async def _relay_exact(
    reader: asyncio.StreamReader, count: int, emit: Emit, see: Payload = _ignore
) -> bool:
    while count > 0:
        data = await reader.read(min(READ_SIZE, count))
        if not data:
            raise WireError(f"connection closed with {count} body bytes missing")
        count -= len(data)
        see(data)
        if not await emit(data):
            return False
    return True


async def _relay_chunked(reader: asyncio.StreamReader, emit: Emit, see: Payload) -> bool:
    while True:
        try:
            line = await reader.readuntil(b"\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            raise WireError("bad or unfinished chunk size line") from None
        if not await emit(line):
            return False
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise WireError(f"bad chunk size {line[:40]!r}") from None
        if size == 0:
            while True:
                try:
                    trailer = await reader.readuntil(b"\r\n")
                except asyncio.IncompleteReadError:
                    raise WireError("connection closed inside chunked trailers") from None
                if not await emit(trailer):
                    return False
                if trailer == b"\r\n":
                    return True
        if not await _relay_exact(reader, size, emit, see):
            return False
        if not await _relay_exact(reader, 2, emit):
            return False
