"""Opening the recorder's connection to a real server: directly, or through an HTTP or SOCKS5
proxy (investigators capture through VPNs and Tor), then TLS with certificate verification.

Through a proxy the proxy resolves names (as Tor requires), so the server IP is unknown and the
request forgery guard can only refuse literal private addresses and loopback names.
"""

import asyncio
import base64
import ssl
from dataclasses import dataclass, field
from urllib.parse import SplitResult, unquote, urlsplit

from socksio import socks5

from collector.capture import netguard
from collector.capture.netguard import BlockedAddress, MapRule

CONNECT_TIMEOUT_S = 15.0


class UpstreamError(Exception):
    """The server (or the proxy in front of it) could not be reached."""


@dataclass
class TLSInfo:
    """What the recorder saw of the server's TLS on the connection that served a response."""

    version: str | None
    cipher: str | None
    alpn: str | None
    chain_der: list[bytes] = field(default_factory=list)
    """Leaf first: as verified (intercepted path) or as the server sent it (passed through)."""
    verified: bool | None = None
    """Whether the chain verified against the trust store (None: not checked here)."""
    verify_error: str | None = None
    certificate_verify: str | None = None
    """TLS 1.3: the server's CertificateVerify signature checked (`valid`, or why not)."""
    client_hello: dict[str, object] | None = None
    """The browser's ClientHello as the server saw it (GREASE and extension order ignored)."""
    keylog: list[str] = field(default_factory=list)
    """The browser's key log lines of this connection."""
    handshake_records: list[tuple[str, bytes]] = field(default_factory=list, repr=False)
    """The connection's records up to the end of the handshake, as on the wire."""


@dataclass
class Upstream:
    """An open connection to a server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    ip: str | None
    tls: TLSInfo | None


@dataclass(frozen=True)
class Connector:
    """Everything needed to reach servers the way the settings say."""

    rules: list[MapRule]
    allow_private: bool
    proxy: str | None
    ssl_context: ssl.SSLContext

    async def open(self, host: str, port: int, use_tls: bool) -> Upstream:
        """Connect to `host:port` (TLS when `use_tls`); BlockedAddress or UpstreamError."""
        target_host, target_port = netguard.apply_rules(self.rules, host, port)
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                if self.proxy:
                    if not self.allow_private:
                        reason = netguard.literal_blocked(target_host)
                        if reason:
                            raise BlockedAddress(reason)
                    reader, writer = await self._via_proxy(target_host, target_port)
                    ip = None
                else:
                    reader, writer, ip = await _connect_first(
                        await netguard.allowed_addresses(
                            target_host, target_port, self.allow_private
                        ),
                        target_port,
                    )
                tls = None
                if use_tls:
                    await writer.start_tls(self.ssl_context, server_hostname=host.strip("[]"))
                    tls = _tls_info(writer)
        except BlockedAddress:
            raise
        except TimeoutError:
            raise UpstreamError(f"timed out connecting to {host}:{port}") from None
        except ssl.SSLCertVerificationError as exc:
            raise UpstreamError(
                f"TLS certificate of {host} rejected: {exc.verify_message}"
            ) from None
        except (OSError, ssl.SSLError, socks5.ProtocolError) as exc:
            raise UpstreamError(f"cannot connect to {host}:{port}: {exc}") from None
        return Upstream(reader, writer, ip, tls)

    async def _via_proxy(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        parts = urlsplit(self.proxy or "")
        default_port = 1080 if parts.scheme.startswith("socks") else 8080
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or default_port)
        handshake = _socks5_connect if parts.scheme.startswith("socks") else _http_connect
        await handshake(reader, writer, (host, port), parts)
        return reader, writer


async def _connect_first(
    addresses: list[str], port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, str]:
    """Connect to the first address that accepts, in resolver order."""
    error: OSError | None = None
    for address in addresses:
        try:
            reader, writer = await asyncio.open_connection(address, port)
            return reader, writer, address
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


def _tls_info(writer: asyncio.StreamWriter) -> TLSInfo:
    ssl_object = writer.get_extra_info("ssl_object")
    chain: list[bytes] = []
    raw = getattr(ssl_object, "_sslobj", None)
    # Python 3.11-3.12 expose the verified chain only on the private object (public in 3.13).
    getter = getattr(ssl_object, "get_verified_chain", None) or getattr(
        raw, "get_verified_chain", None
    )
    if getter is not None:
        chain = [cert.public_bytes(ssl._ssl.ENCODING_DER) for cert in getter()]  # type: ignore[attr-defined]
    elif ssl_object is not None and ssl_object.getpeercert(binary_form=True):
        chain = [ssl_object.getpeercert(binary_form=True)]
    cipher = ssl_object.cipher() if ssl_object else None
    return TLSInfo(
        version=ssl_object.version() if ssl_object else None,
        cipher=cipher[0] if cipher else None,
        alpn=ssl_object.selected_alpn_protocol() if ssl_object else None,
        chain_der=chain,
    )


async def _http_connect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    target: tuple[str, int],
    proxy: SplitResult,
) -> None:
    host, port = target
    username, password = proxy.username, proxy.password
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    head = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if username:
        token = base64.b64encode(f"{unquote(username)}:{unquote(password or '')}".encode()).decode()
        head += f"Proxy-Authorization: Basic {token}\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    reply = await reader.readuntil(b"\r\n\r\n")
    status_line = reply.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    if len(parts) < 2 or parts[1] != "200":
        raise UpstreamError(f"proxy refused CONNECT {authority}: {status_line}")


async def _socks5_connect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    target: tuple[str, int],
    proxy: SplitResult,
) -> None:
    host, port = target
    username, password = proxy.username, proxy.password
    connection = socks5.SOCKS5Connection()
    methods = [socks5.SOCKS5AuthMethod.NO_AUTH_REQUIRED]
    if username:
        methods.insert(0, socks5.SOCKS5AuthMethod.USERNAME_PASSWORD)
    connection.send(socks5.SOCKS5AuthMethodsRequest(methods))
    writer.write(connection.data_to_send())
    await writer.drain()
    reply = connection.receive_data(await reader.read(2))
    if reply.method == socks5.SOCKS5AuthMethod.USERNAME_PASSWORD:
        connection.send(
            socks5.SOCKS5UsernamePasswordRequest(
                unquote(username or "").encode(), unquote(password or "").encode()
            )
        )
        writer.write(connection.data_to_send())
        await writer.drain()
        if not connection.receive_data(await reader.read(2)).success:
            raise UpstreamError("SOCKS5 proxy rejected the user name or password")
    elif reply.method != socks5.SOCKS5AuthMethod.NO_AUTH_REQUIRED:
        raise UpstreamError("SOCKS5 proxy offers no usable authentication method")
    connection.send(
        socks5.SOCKS5CommandRequest.from_address(socks5.SOCKS5Command.CONNECT, (host, port))
    )
    writer.write(connection.data_to_send())
    await writer.drain()
    data = await reader.read(4096)
    command_reply = connection.receive_data(data)
    if command_reply.reply_code != socks5.SOCKS5ReplyCode.SUCCEEDED:
        raise UpstreamError(f"SOCKS5 proxy could not connect to {host}:{port}")
