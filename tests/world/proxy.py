"""Minimal HTTP CONNECT and SOCKS5 proxies on 127.0.0.1 that count the tunnels they open, so
tests can show that captures really go through a configured proxy.

A `ConnectProxy` can also connect out from another loopback address (`source`, e.g. 127.0.0.2:
a different network exit as the server sees it) and require Basic proxy credentials."""

import base64
import select
import socket
import socketserver
import threading
from socketserver import BaseRequestHandler

TUNNEL_IDLE_S = 30.0


class _Tunnel(BaseRequestHandler):
    server: "ConnectProxy"

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 65536:
            data = self.request.recv(4096)
            if not data:
                return
            head += data
        line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(line) < 2 or line[0] != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = line[1].rpartition(":")
        if not self.server.authorized(head):
            self.request.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            return
        self.server.tunnels.append(line[1])
        source = (self.server.source, 0) if self.server.source else None
        try:
            upstream = socket.create_connection((host, int(port)), 10, source)
        except OSError:
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream:
            _pipe(self.request, upstream)


def _pipe(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until one side closes or both stay idle too long."""
    sockets = [client, upstream]
    while True:
        ready, _, _ = select.select(sockets, [], [], TUNNEL_IDLE_S)
        if not ready:
            return
        for sock in ready:
            data = sock.recv(65536)
            if not data:
                return
            (upstream if sock is client else client).sendall(data)


class ConnectProxy(socketserver.ThreadingTCPServer):
    """Start with `ConnectProxy().start()`; `url` to use it, `tunnels` to see what it did."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, source: str | None = None, credentials: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Tunnel)
        self.tunnels: list[str] = []
        self.source = source
        self.credentials = credentials  # "user:password", required when set

    def authorized(self, head: bytes) -> bool:
        """Whether the request head carries the required Basic credentials (if any)."""
        if self.credentials is None:
            return True
        expected = b"basic " + base64.b64encode(self.credentials.encode())
        lines = head.split(b"\r\n")[1:]
        return any(
            name.strip().lower() == b"proxy-authorization"
            and value.strip().lower() == expected.lower()
            for name, _, value in (line.partition(b":") for line in lines)
        )

    def start(self) -> "ConnectProxy":
        """Serve in a background thread."""
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        """The proxy URL for `--proxy` (with the credentials, when it requires some)."""
        login = f"{self.credentials}@" if self.credentials else ""
        return f"http://{login}127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        """Shut the proxy down."""
        self.shutdown()
        self.server_close()


class _Socks5(BaseRequestHandler):
    server: "Socks5Proxy"

    def handle(self) -> None:
        greeting = self.request.recv(257)
        if greeting[:1] != b"\x05":
            return
        self.request.sendall(b"\x05\x00")
        request = self.request.recv(262)
        kind = request[3]
        if kind == 3:
            length = request[4]
            host = request[5 : 5 + length].decode()
            port = int.from_bytes(request[5 + length : 7 + length], "big")
        elif kind == 1:
            host = socket.inet_ntoa(request[4:8])
            port = int.from_bytes(request[8:10], "big")
        else:
            self.request.sendall(b"\x05\x08\x00\x01" + b"\x00" * 6)
            return
        self.server.tunnels.append(f"{host}:{port}")
        try:
            upstream = socket.create_connection((host, port), timeout=10)
        except OSError:
            self.request.sendall(b"\x05\x05\x00\x01" + b"\x00" * 6)
            return
        self.request.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
        with upstream:
            _pipe(self.request, upstream)


class Socks5Proxy(ConnectProxy):
    """A minimal SOCKS5 proxy (no authentication, CONNECT only) that counts its tunnels."""

    def __init__(self) -> None:
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0), _Socks5)
        self.tunnels = []
        self.source = None
        self.credentials = None

    @property
    def url(self) -> str:
        """The proxy URL for `--proxy`."""
        return f"socks5://127.0.0.1:{self.server_address[1]}"
