"""A loopback server of very large responses, generated on the fly (never held in memory).

`/body?bytes=N` sends N random bytes (Content-Length), `/text?bytes=N` N bytes of printable
lines as text/plain, `/bomb?bytes=N` a gzip stream that expands to
N zero bytes (`Content-Encoding: gzip`), `/fetch?bytes=N` a page whose script downloads
`/body?bytes=N` and throws it away, `/tall?px=N` an N px tall page of 8,000 px bands, each
with its own background colour (`band_colour`). Used by the capture tests and
`benchmarks/memory.py`.
"""

import base64
import os
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BLOCK = 1024 * 1024
_RANDOM_BLOCK = os.urandom(BLOCK)
"""Body bytes: random, so that neither HTTP nor WARC compression shrinks them."""
_TEXT_BLOCK = base64.encodebytes(_RANDOM_BLOCK)[:BLOCK]
_FINAL_EMPTY_BLOCK = b"\x03\x00"
"""A final, empty fixed-Huffman deflate block (what zlib writes at the end of a stream)."""


BAND_PX = 8000


def band_colour(index: int) -> tuple[int, int, int]:
    """The background colour of the tall page's band `index` (from the top, from 0)."""
    return (40 * index % 256, 255 - 50 * index % 256, 90 + 60 * index % 166)


def _tall_page(height: int) -> bytes:
    bands = "".join(
        f'<div style="height:{min(BAND_PX, height - top)}px;'
        f' background:rgb{band_colour(index)}"></div>'
        for index, top in enumerate(range(0, height, BAND_PX))
    )
    style = "html, body { margin: 0; padding: 0 }"
    return f"<!doctype html><title>tall</title><style>{style}</style>{bands}".encode()


def gzip_bomb(expanded: int) -> Iterator[bytes]:
    """A valid gzip stream of `expanded` zero bytes (a multiple of 1 MiB), in pieces.

    After a full flush the compressor starts afresh, so every further MiB of zeros compresses
    to the same bytes: they are computed once and repeated; the trailer's CRC is computed as
    the stream ends."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(BLOCK)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH) == repeated
    blocks = max(1, expanded // BLOCK)
    yield first
    crc = zlib.crc32(zeros)
    for _ in range(blocks - 1):
        yield repeated
        crc = zlib.crc32(zeros, crc)
    size = blocks * BLOCK
    yield _FINAL_EMPTY_BLOCK + crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")


def _body(size: int, block: bytes = _RANDOM_BLOCK) -> Iterator[bytes]:
    view = memoryview(block)
    while size > 0:
        piece = view[: min(BLOCK, size)]
        size -= len(piece)
        yield bytes(piece)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args: object) -> None:
        return None

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        size = int(parse_qs(parts.query).get("bytes", ["0"])[0])
        if parts.path == "/fetch":
            page = (
                "<!doctype html><title>fetching</title><h1>Fetching a large body</h1><script>"
                f"fetch('/body?bytes={size}').then(async r => {{"
                " const reader = r.body.getReader();"
                " while (!(await reader.read()).done) {}"
                " document.title = 'fetched'; });</script>"
            ).encode()
            self._send_head(200, "text/html", {"Content-Length": str(len(page))})
            self.wfile.write(page)
            return
        if parts.path == "/tall":
            page = _tall_page(int(parse_qs(parts.query).get("px", ["0"])[0]))
            self._send_head(200, "text/html", {"Content-Length": str(len(page))})
            self.wfile.write(page)
        elif parts.path == "/body":
            self._send_head(200, "text/html", {"Content-Length": str(size)})
            self._send_all(_body(size))
        elif parts.path == "/text":
            self._send_head(200, "text/plain", {"Content-Length": str(size)})
            self._send_all(_body(size, _TEXT_BLOCK))
        elif parts.path == "/bomb":
            self._send_head(200, "text/html", {"Content-Encoding": "gzip", "Connection": "close"})
            self._send_all(gzip_bomb(size))
            self.close_connection = True
        else:
            self._send_head(404, "text/plain", {"Content-Length": "0"})

    def _send_head(self, status: int, media_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_all(self, pieces: Iterator[bytes]) -> None:
        try:
            for piece in pieces:
                self.wfile.write(piece)
        except OSError:  # the recorder cut the response off
            self.close_connection = True


class HeavyServer:
    """The server on 127.0.0.1 in a background thread: `with HeavyServer() as s: s.url(...)`."""

    def __enter__(self) -> "HeavyServer":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def url(self, path: str) -> str:
        """The full URL of `path` on this server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
