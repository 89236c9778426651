"""A local HTTPS server that logs what a client looks like: each connection's ClientHello
(read with scapy's TLS layer, independently of the recorder's own parser) and each request's
header names in order. It answers HTTP/1.1 (ALPN `http/1.1` chosen) with a small page.

Fingerprints follow JA4's normalisation: GREASE values dropped and extensions sorted, since
Chromium permutes its extension order on every connection.
"""

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field

import trustme
from scapy.layers.tls.handshake import TLSClientHello
from scapy.layers.tls.record import TLS

from tests.world.tlsbase import TLSListener

GREASE = {0x0A0A + 0x1010 * i for i in range(16)}
PEEK_LIMIT_S = 5.0
PAGE = b"<!doctype html><html><head><title>Probe</title></head><body><h1>probe</h1></body></html>"


@dataclass(frozen=True)
class Hello:
    """A ClientHello, normalised."""

    ciphers: tuple[int, ...]
    extensions: tuple[int, ...]
    groups: tuple[int, ...]
    signature_algorithms: tuple[int, ...]
    versions: tuple[int, ...]
    alpn: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """The same fields as lists, as the capture records them."""
        return {
            "versions": list(self.versions),
            "ciphers": list(self.ciphers),
            "extensions": list(self.extensions),
            "groups": list(self.groups),
            "signature_algorithms": list(self.signature_algorithms),
            "alpn": list(self.alpn),
        }


def _no_grease(values: object) -> tuple[int, ...]:
    return tuple(int(v) for v in (values or []) if int(v) not in GREASE)  # type: ignore[attr-defined]


def parse_hello(record: bytes) -> Hello:
    """Normalise the ClientHello in the first TLS record of a connection."""
    message = TLS(record).msg[0]
    if not isinstance(message, TLSClientHello):
        raise ValueError("first message is not a ClientHello")
    extensions, groups, sigs, versions, alpn = [], (), (), (), ()
    for ext in message.ext or []:
        if int(ext.type) in GREASE:
            continue
        extensions.append(int(ext.type))
        if ext.type == 10:
            groups = _no_grease(ext.groups)
        elif ext.type == 13:
            sigs = _no_grease(ext.sig_algs)
        elif ext.type == 43:
            versions = _no_grease(ext.versions)
        elif ext.type == 16:
            alpn = tuple(p.protocol.decode() for p in ext.protocols)
    return Hello(
        _no_grease(message.ciphers), tuple(sorted(extensions)), groups, sigs, versions, alpn
    )


@dataclass
class Visit:
    """One request: its path and header names in the order sent."""

    path: str
    header_names: list[str]
    headers: dict[str, str] = field(default_factory=dict)


class TLSProbe:
    """The probe server for `hosts`, signed by `ca`."""

    def __init__(self, ca: trustme.CA, hosts: tuple[str, ...]) -> None:
        self.hellos: list[Hello] = []
        self.visits: list[Visit] = []
        self._lock = threading.Lock()
        self.listener = TLSListener(ca, hosts, ["http/1.1"], self._http, self._peek)

    @property
    def port(self) -> int:
        """The listening port."""
        return self.listener.port

    def start(self) -> "TLSProbe":
        """Start serving."""
        self.listener.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.listener.stop()

    def _peek(self, raw: socket.socket) -> None:
        deadline = time.monotonic() + PEEK_LIMIT_S
        data = b""
        while time.monotonic() < deadline:
            data = raw.recv(65536, socket.MSG_PEEK)
            if not data:
                return
            if len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
                break
            time.sleep(0.01)
        hello = parse_hello(data[: 5 + int.from_bytes(data[3:5], "big")])
        with self._lock:
            self.hellos.append(hello)

    def _http(self, tls: ssl.SSLSocket) -> None:
        buffer = b""
        while not self.listener.stopping.is_set():
            while b"\r\n\r\n" not in buffer:
                data = tls.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            pairs = [line.split(":", 1) for line in lines[1:] if ":" in line]
            visit = Visit(
                lines[0].split(" ")[1],
                [name for name, _ in pairs],
                {name.lower(): value.strip() for name, value in pairs},
            )
            with self._lock:
                self.visits.append(visit)
            body = PAGE if visit.path != "/favicon.ico" else b""
            status = b"200 OK" if body else b"404 Not Found"
            tls.sendall(
                b"HTTP/1.1 "
                + status
                + b"\r\nContent-Type: text/html\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
