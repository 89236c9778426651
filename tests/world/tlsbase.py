"""A threaded TLS listener on 127.0.0.1 for the wire tests' servers (one thread per
connection, every thread bounded by the client going away or the server stopping)."""

import socket
import ssl
import threading
from collections.abc import Callable

import trustme

ACCEPT_POLL_S = 0.2
Handler = Callable[[socket.socket], None]


class TLSListener:
    """Accepts connections, lets `before_tls` see the raw socket, then wraps it in TLS."""

    def __init__(
        self,
        ca: trustme.CA,
        hosts: tuple[str, ...],
        alpn: list[str],
        handler: Callable[[ssl.SSLSocket], None],
        before_tls: Handler | None = None,
        max_version: ssl.TLSVersion | None = None,
    ) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(*hosts).configure_cert(self.context)
        self.context.set_alpn_protocols(alpn)
        if max_version is not None:
            self.context.maximum_version = max_version
        self.handler, self.before_tls = handler, before_tls
        self.stopping = threading.Event()
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(ACCEPT_POLL_S)
        self.port = int(self._socket.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "TLSListener":
        """Start accepting in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting; connection threads end as their clients go or see `stopping`."""
        self.stopping.set()
        self._thread.join(5)
        self._socket.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                raw, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(30)
            if self.before_tls is not None:
                self.before_tls(raw)
            with self.context.wrap_socket(raw, server_side=True) as tls:
                self.handler(tls)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            raw.close()
