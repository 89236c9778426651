"""A local secure WebSocket server (RFC 6455 over TLS, HTTP/1.1) that never closes: after the
handshake it sends a text frame every `interval_s` until the client goes away or the server
stops (and at most for `LIMIT_S`). Frames from the client are read and kept."""

import base64
import hashlib
import ssl
import time

import trustme

from tests.world.tlsbase import TLSListener

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LIMIT_S = 60.0


def text_frame(text: str) -> bytes:
    """An unmasked (server) text frame."""
    payload = text.encode()
    assert len(payload) < 126
    return bytes([0x81, len(payload)]) + payload


class NeverClosingSocket:
    """wss:// for `hosts`, signed by `ca`."""

    def __init__(self, ca: trustme.CA, hosts: tuple[str, ...], interval_s: float = 0.1) -> None:
        self.interval_s = interval_s
        self.listener = TLSListener(ca, hosts, ["http/1.1"], self._serve)
        self.sent = 0

    @property
    def port(self) -> int:
        """The listening port."""
        return self.listener.port

    def start(self) -> "NeverClosingSocket":
        """Start serving."""
        self.listener.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.listener.stop()

    def _serve(self, tls: ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = tls.recv(4096)
            if not data:
                return
            head += data
        fields = dict(
            line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line
        )
        key = {k.lower(): v for k, v in fields.items()}.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        tls.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
        )
        tls.settimeout(self.interval_s)
        ends = time.monotonic() + LIMIT_S
        count = 0
        while time.monotonic() < ends and not self.listener.stopping.is_set():
            tls.sendall(text_frame(f"tick {count}"))
            count += 1
            self.sent = count
            try:
                if tls.recv(4096) == b"":
                    return
            except TimeoutError:
                continue
