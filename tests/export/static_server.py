"""A static file server on 127.0.0.1 with HTTP Range support, as ReplayWeb.page needs.

ReplayWeb.page reads a WACZ with Range requests (the ZIP directory first, then each member),
which `http.server.SimpleHTTPRequestHandler` does not answer. Each mount maps a URL prefix to a
folder; paths are resolved inside it (no `..`), bodies are sent in bounded chunks, and
`stop()` shuts the server down.
"""

import mimetypes
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 1 << 16
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class StaticServer:
    """Serves `mounts` ({"/prefix/": folder}) until `stop()`."""

    def __init__(self, mounts: dict[str, Path]) -> None:
        self.mounts = sorted(mounts.items(), key=lambda kv: -len(kv[0]))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def file_for(self, path: str) -> Path | None:
        """The file a URL path names, or None."""
        for prefix, folder in self.mounts:
            if path.startswith(prefix):
                relative = unquote(path[len(prefix) :]) or "index.html"
                target = (folder / relative).resolve()
                if target.is_relative_to(folder.resolve()) and target.is_file():
                    return target
        return None

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


def _handler(server: StaticServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet."""

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(body=True)

        def _serve(self, body: bool) -> None:
            found = server.file_for(urlsplit(self.path).path)
            if found is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            size = found.stat().st_size
            start, end, status = 0, size - 1, 200
            asked = _RANGE.match(self.headers.get("Range", ""))
            if asked and size:
                first, last = asked.groups()
                start = int(first) if first else max(0, size - int(last or 0))
                end = min(int(last), size - 1) if first and last else size - 1
                status = 206
            if start > end and size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            length = max(0, end - start + 1)
            self.send_response(status)
            kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Cache-Control", "no-store")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if not body:
                return
            with open(found, "rb") as source:
                source.seek(start)
                left = length
                while left > 0:
                    chunk = source.read(min(CHUNK, left))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)

    return Handler
