"""Following one relayed TLS connection: the handshake in the clear and, with the browser's
key log, every protected record, in both directions.

The tap never changes a byte: the recorder relays each record as read and hands it here first.
What it learns: the ClientHello (the secrets' key and the browser's fingerprint), version,
cipher, ALPN, the server's certificate chain and the handshake messages a CertificateVerify
check needs, and the application data of each direction. When a secret is missing or a record
does not decrypt, the tap says why (`problem`) and reads no further in that direction.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from collector.capture import tlswire
from collector.capture.keylog import KeyLog
from collector.capture.tlswire import (
    APPLICATION_DATA,
    CHANGE_CIPHER_SPEC,
    HANDSHAKE,
    ClientHello,
    HandshakeReader,
    Record,
    RecordKeys,
    ServerHello,
    Suite,
    TLSWireError,
)

KEY_WAIT_S = 3.0
"""How long a protected record waits for the browser to log the secret it needs."""
CLIENT_FINISHED, SERVER_FINISHED = "client", "server"
Plain = Callable[[bytes], None]


@dataclass
class Handshake:
    """What the handshake of one connection showed."""

    client_hello: ClientHello | None = None
    server_hello: ServerHello | None = None
    alpn: str | None = None
    chain_der: list[bytes] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    """Handshake messages in order (ClientHello up to the server's Finished)."""
    certificate_verify: bytes | None = None
    complete: bool = False
    retried: bool = False
    """The server sent a HelloRetryRequest."""

    @property
    def version(self) -> str | None:
        """`TLSv1.3` style name of the negotiated version."""
        return tlswire.version_name(self.server_hello.version) if self.server_hello else None

    @property
    def suite(self) -> Suite | None:
        """The negotiated cipher suite, when it is one the tap can decrypt."""
        return tlswire.SUITES.get(self.server_hello.cipher) if self.server_hello else None

    @property
    def cipher(self) -> str | None:
        """The negotiated cipher suite's IANA name (or its number)."""
        if self.server_hello is None:
            return None
        suite = self.suite
        return suite.name if suite else f"0x{self.server_hello.cipher:04x}"

    @property
    def tls13(self) -> bool:
        """Whether TLS 1.3 was negotiated."""
        return self.server_hello is not None and self.server_hello.version == 0x0304


class _Direction:
    """One direction's keys and handshake reassembly."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handshake = HandshakeReader()
        self.keys: RecordKeys | None = None
        self.secret: bytes | None = None
        self.later: list[str] = []
        """TLS 1.3 key log labels still to come, in order (client: trial decryption)."""
        self.encrypted = False
        """TLS 1.2: ChangeCipherSpec seen, records are protected."""
        self.stopped: str | None = None


class TLSTap:
    """Follows one connection; feed it each record before relaying it."""

    def __init__(self, keylog: KeyLog, on_client: Plain, on_server: Plain) -> None:
        self.keylog = keylog
        self.info = Handshake()
        self._client = _Direction("client")
        self._server = _Direction("server")
        self._on = {"client": on_client, "server": on_server}
        self.problem: str | None = None

    @property
    def client_random(self) -> bytes | None:
        """The ClientHello's random (keys this connection's key log lines)."""
        hello = self.info.client_hello
        return hello.random if hello else None

    async def client_record(self, record: Record) -> None:
        """Process one record the browser sent."""
        await self._record(self._client, record)

    async def server_record(self, record: Record) -> None:
        """Process one record the server sent."""
        await self._record(self._server, record)

    def _stop(self, side: _Direction, reason: str) -> None:
        side.stopped = reason
        self.problem = self.problem or reason

    async def _record(self, side: _Direction, record: Record) -> None:
        if side.stopped:
            return
        try:
            if record.type == CHANGE_CIPHER_SPEC:
                if self.info.server_hello and not self.info.tls13:
                    side.encrypted = True
                    await self._tls12_keys(side)
                return
            protected = (self.info.tls13 and record.type == APPLICATION_DATA) or (
                not self.info.tls13 and side.encrypted
            )
            if not protected:
                if record.type == HANDSHAKE:
                    await self._handshake(side, record.payload)
                elif record.type == APPLICATION_DATA:
                    self._stop(side, f"{side.name} sent data before the handshake")
                return
            kind, content = await self._decrypt(side, record)
            if side.stopped:
                return
            if kind == HANDSHAKE:
                await self._handshake(side, content)
            elif kind == APPLICATION_DATA and content:
                self._on[side.name](content)
        except TLSWireError as exc:
            self._stop(side, f"TLS from the {side.name} not readable: {exc}")

    async def _decrypt(self, side: _Direction, record: Record) -> tuple[int, bytes]:
        if self.info.tls13:
            await self._tls13_prepare(side)
        if side.keys is None:
            self._stop(side, f"no key for the {side.name}'s protected records")
            return 0, b""
        try:
            return side.keys.decrypt(record)
        except InvalidTag:
            # TLS 1.3 client: early data rejected, or the next phase began: try the next key.
            while self.info.tls13 and side.later:
                await self._tls13_advance(side)
                if side.keys is None:
                    break
                try:
                    return side.keys.decrypt(record)
                except InvalidTag:
                    continue
        self._stop(side, f"a record from the {side.name} did not decrypt with the logged keys")
        return 0, b""

    async def _handshake(self, side: _Direction, data: bytes) -> None:
        for kind, body, whole in side.handshake.feed(data):
            if side is self._client:
                self._client_message(kind, body, whole)
            else:
                await self._server_message(kind, body, whole)

    def _client_message(self, kind: int, body: bytes, whole: bytes) -> None:
        info = self.info
        if kind == 1:  # ClientHello (a second one after a HelloRetryRequest)
            if info.client_hello is None:
                info.client_hello = tlswire.parse_client_hello(body)
                labels = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"]
                if 42 in info.client_hello.extensions:  # early_data offered
                    labels.insert(0, "CLIENT_EARLY_TRAFFIC_SECRET")
                self._client.later = labels
            info.messages.append(whole)
        elif kind == 20 and info.tls13:  # client Finished: application keys from now on
            self._client.keys = None
            self._client.later = ["CLIENT_TRAFFIC_SECRET_0"]
        elif kind == 24 and info.tls13:
            self._key_update(self._client)

    async def _server_message(self, kind: int, body: bytes, whole: bytes) -> None:
        info = self.info
        if kind == 2:
            hello = tlswire.parse_server_hello(body)
            info.messages.append(whole)
            if hello.retry:
                info.retried = True
                return
            info.server_hello = hello
            info.alpn = hello.alpn
            if info.suite is None:
                reason = f"cipher suite {info.cipher} is not one the recorder can decrypt"
                self._stop(self._server, reason)
                self._stop(self._client, reason)
                return
            if info.tls13:
                self._server.later = ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]
            return
        if not info.complete and kind in (8, 11, 13, 25):  # the transcript CertificateVerify signs
            info.messages.append(whole)
        if kind == 8:
            info.alpn = tlswire.parse_encrypted_extensions_alpn(body)
        elif kind == 11:
            info.chain_der = tlswire.parse_certificates(body, info.tls13)
        elif kind == 25:  # CompressedCertificate (RFC 8879), which Chromium offers
            info.chain_der = tlswire.parse_certificates(tlswire.decompress_certificate(body), True)
        elif kind == 15:
            info.certificate_verify = body
        elif kind == 20:
            info.complete = True
            if info.tls13:
                self._server.keys = None
        elif kind == 24 and info.tls13:
            self._key_update(self._server)

    def _key_update(self, side: _Direction) -> None:
        suite = self.info.suite
        if suite is None or side.secret is None:
            self._stop(side, f"KeyUpdate from the {side.name} before its keys were known")
            return
        side.secret = tlswire.tls13_next_secret(suite, side.secret)
        side.keys = RecordKeys.tls13_from_secret(suite, side.secret)

    async def _tls13_prepare(self, side: _Direction) -> None:
        if side.keys is None and side.later:
            await self._tls13_advance(side)

    async def _tls13_advance(self, side: _Direction) -> None:
        """Take the next secret in order from the key log (waiting for the browser to write it)."""
        suite, random = self.info.suite, self.client_random
        if suite is None or random is None or not side.later:
            side.keys = None
            return
        label = side.later.pop(0)
        secret = await self.keylog.wait(random, label, KEY_WAIT_S)
        if secret is None:
            self._stop(side, f"the browser's key log has no {label} for this connection")
            side.keys = None
            return
        side.secret = secret
        side.keys = RecordKeys.tls13_from_secret(suite, secret)

    async def _tls12_keys(self, side: _Direction) -> None:
        info = self.info
        if self._client.keys is not None or self._server.keys is not None:
            return
        suite, random = info.suite, self.client_random
        if suite is None or random is None or info.server_hello is None:
            self._stop(side, "ChangeCipherSpec before the hellos")
            return
        master = await self.keylog.wait(random, "CLIENT_RANDOM", KEY_WAIT_S)
        if master is None:
            reason = "the browser's key log has no CLIENT_RANDOM line for this connection"
            self._stop(self._client, reason)
            self._stop(self._server, reason)
            return
        self._client.keys, self._server.keys = tlswire.tls12_keys(
            suite, master, random, info.server_hello.random
        )
