"""TLS on the wire, read passively: record framing, hello messages, and record decryption
with secrets from the browser's own key log (NSS key log format).

Written by hand over `cryptography`'s AEAD and HKDF primitives because the recorder reads a
live stream it does not terminate: it needs records as they pass (to relay each one as soon as
it is read), the ClientHello's exact fields (to key the secrets and to fingerprint), and the
handshake messages (certificate chain, CertificateVerify). scapy 2.8's TLS layer can decrypt
with a key log too, but it parses whole captures into its own packet objects, rebuilds
messages, and costs about a second of import time per process; nothing here needs more than
the RFC 8446 / RFC 5246 record layer, which is small. Suites decrypted: TLS 1.3
(AES-128/256-GCM, ChaCha20-Poly1305, with key updates) and TLS 1.2 AEAD suites (ECDHE with
AES-GCM or ChaCha20-Poly1305). Anything else is reported as not decryptable, never guessed.
"""

import hashlib
import hmac
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from collector.capture.decode import Decoder

HANDSHAKE, CHANGE_CIPHER_SPEC, ALERT, APPLICATION_DATA = 22, 20, 21, 23
MAX_RECORD = 16384 + 2048 + 256
HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
MAX_CERTIFICATE_BYTES = 1 << 20
GREASE = {0x0A0A + 0x1010 * i for i in range(16)}


class TLSWireError(Exception):
    """Bytes that are not TLS as expected (the connection is then not decrypted further)."""


@dataclass(frozen=True)
class Suite:
    """What decrypting a cipher suite needs."""

    name: str
    key_len: int
    hash_name: str
    chacha: bool = False
    tls12_fixed_iv: int = 4
    """TLS 1.2: the implicit part of the nonce (4 for GCM, 12 for ChaCha20)."""


SUITES: dict[int, Suite] = {
    0x1301: Suite("TLS_AES_128_GCM_SHA256", 16, "sha256"),
    0x1302: Suite("TLS_AES_256_GCM_SHA384", 32, "sha384"),
    0x1303: Suite("TLS_CHACHA20_POLY1305_SHA256", 32, "sha256", chacha=True, tls12_fixed_iv=12),
    0xC02B: Suite("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 16, "sha256"),
    0xC02F: Suite("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 16, "sha256"),
    0xC02C: Suite("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 32, "sha384"),
    0xC030: Suite("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 32, "sha384"),
    0xCCA9: Suite(
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 32, "sha256", True, tls12_fixed_iv=12
    ),
    0xCCA8: Suite(
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 32, "sha256", True, tls12_fixed_iv=12
    ),
    0x009C: Suite("TLS_RSA_WITH_AES_128_GCM_SHA256", 16, "sha256"),
    0x009D: Suite("TLS_RSA_WITH_AES_256_GCM_SHA384", 32, "sha384"),
}


@dataclass(frozen=True)
class Record:
    """One TLS record; `raw` is exactly what was on the wire (header included)."""

    type: int
    version: int
    payload: bytes
    raw: bytes


class RecordReader:
    """Cuts a byte stream into TLS records."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[Record]:
        """The complete records that `data` finishes (the rest is kept for the next feed)."""
        self._buffer += data
        while len(self._buffer) >= 5:
            kind, version, length = struct.unpack_from("!BHH", self._buffer)
            if kind not in (HANDSHAKE, CHANGE_CIPHER_SPEC, ALERT, APPLICATION_DATA, 24):
                raise TLSWireError(f"not a TLS record (content type {kind})")
            if length > MAX_RECORD:
                raise TLSWireError(f"TLS record of {length} bytes is longer than allowed")
            if len(self._buffer) < 5 + length:
                return
            raw = bytes(self._buffer[: 5 + length])
            del self._buffer[: 5 + length]
            yield Record(kind, version, raw[5:], raw)


class HandshakeReader:
    """Reassembles handshake messages (type, body, full bytes) from record payloads."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[tuple[int, bytes, bytes]]:
        """Complete handshake messages as (type, body, whole message with its header)."""
        self._buffer += data
        while len(self._buffer) >= 4:
            kind = self._buffer[0]
            length = int.from_bytes(self._buffer[1:4], "big")
            if len(self._buffer) < 4 + length:
                return
            whole = bytes(self._buffer[: 4 + length])
            del self._buffer[: 4 + length]
            yield kind, whole[4:], whole


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise TLSWireError("truncated TLS message")
        piece = self.data[self.at : self.at + n]
        self.at += n
        return piece

    def int(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def vector(self, length_bytes: int) -> bytes:
        return self.take(self.int(length_bytes))

    @property
    def done(self) -> bool:
        return self.at >= len(self.data)


def _u16s(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]


def _extensions(cursor: _Cursor) -> list[tuple[int, bytes]]:
    if cursor.done:
        return []
    block = _Cursor(cursor.vector(2))
    found = []
    while not block.done:
        kind = block.int(2)
        found.append((kind, block.vector(2)))
    return found


def _alpn_list(data: bytes) -> list[str]:
    cursor = _Cursor(data)
    names = _Cursor(cursor.vector(2))
    found = []
    while not names.done:
        found.append(names.vector(1).decode("latin-1"))
    return found


@dataclass
class ClientHello:
    """The fields of a ClientHello that key the secrets and make the client's fingerprint."""

    random: bytes
    legacy_version: int
    ciphers: list[int]
    extensions: list[int]
    server_name: str | None = None
    alpn: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    signature_algorithms: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)


def parse_client_hello(body: bytes) -> ClientHello:
    """Read a ClientHello handshake body (RFC 8446 section 4.1.2)."""
    cursor = _Cursor(body)
    legacy_version = cursor.int(2)
    random = cursor.take(32)
    cursor.vector(1)  # legacy session id
    ciphers = _u16s(cursor.vector(2))
    cursor.vector(1)  # compression methods
    hello = ClientHello(random, legacy_version, ciphers, [])
    for kind, data in _extensions(cursor):
        hello.extensions.append(kind)
        inner = _Cursor(data)
        if kind == 0 and data:  # server_name
            names = _Cursor(inner.vector(2))
            if names.int(1) == 0:
                hello.server_name = names.vector(2).decode("latin-1")
        elif kind == 16:
            hello.alpn = _alpn_list(data)
        elif kind == 10:
            hello.groups = _u16s(inner.vector(2))
        elif kind == 13:
            hello.signature_algorithms = _u16s(inner.vector(2))
        elif kind == 43:
            hello.versions = _u16s(inner.vector(1))
    return hello


@dataclass
class ServerHello:
    """What the server chose."""

    random: bytes
    cipher: int
    version: int
    """0x0304 for TLS 1.3 (from supported_versions), else the legacy version."""
    alpn: str | None = None
    """Only TLS 1.2 sends ALPN in the clear; TLS 1.3 sends it in EncryptedExtensions."""

    @property
    def retry(self) -> bool:
        """A HelloRetryRequest (the client sends a second ClientHello)."""
        return self.random == HRR_RANDOM


def parse_server_hello(body: bytes) -> ServerHello:
    """Read a ServerHello handshake body."""
    cursor = _Cursor(body)
    version = cursor.int(2)
    random = cursor.take(32)
    cursor.vector(1)
    cipher = cursor.int(2)
    cursor.take(1)
    hello = ServerHello(random, cipher, version)
    for kind, data in _extensions(cursor):
        if kind == 43 and len(data) == 2:
            hello.version = int.from_bytes(data, "big")
        elif kind == 16:
            names = _alpn_list(data)
            hello.alpn = names[0] if names else None
    return hello


def parse_encrypted_extensions_alpn(body: bytes) -> str | None:
    """The ALPN protocol a TLS 1.3 server chose (EncryptedExtensions), or None."""
    for kind, data in _extensions(_Cursor(body)):
        if kind == 16:
            names = _alpn_list(data)
            return names[0] if names else None
    return None


def parse_certificates(body: bytes, tls13: bool) -> list[bytes]:
    """The DER certificates of a Certificate message, leaf first."""
    cursor = _Cursor(body)
    if tls13:
        cursor.vector(1)  # certificate_request_context
    entries = _Cursor(cursor.vector(3))
    found = []
    while not entries.done:
        found.append(entries.vector(3))
        if tls13:
            entries.vector(2)  # per-certificate extensions
    return found


def decompress_certificate(body: bytes) -> bytes:
    """The Certificate message body inside a CompressedCertificate (RFC 8879)."""
    cursor = _Cursor(body)
    algorithm, length = cursor.int(2), cursor.int(3)
    data = cursor.vector(3)
    if length > MAX_CERTIFICATE_BYTES:
        raise TLSWireError(f"compressed certificate claims {length} bytes")
    encoding = {1: "deflate", 2: "br"}.get(algorithm)
    if encoding is None:
        raise TLSWireError(f"certificate compression algorithm {algorithm} is not supported")
    decoder = Decoder(encoding, length + 1)
    try:
        plain = b"".join(decoder.feed(data))
    except Exception as exc:  # zlib.error, brotli.error
        raise TLSWireError(f"compressed certificate does not decompress: {exc}") from None
    if len(plain) != length:
        raise TLSWireError("compressed certificate does not expand to its stated length")
    return plain


def version_name(version: int) -> str:
    """`TLSv1.3` style names, as Python's ssl module reports them."""
    return {0x0304: "TLSv1.3", 0x0303: "TLSv1.2", 0x0302: "TLSv1.1", 0x0301: "TLSv1"}.get(
        version, f"0x{version:04x}"
    )


def _hash(name: str) -> hashes.HashAlgorithm:
    return hashes.SHA384() if name == "sha384" else hashes.SHA256()


def hkdf_expand_label(
    secret: bytes, label: str, context: bytes, length: int, hash_name: str
) -> bytes:
    """HKDF-Expand-Label of RFC 8446 section 7.1."""
    full = b"tls13 " + label.encode()
    info = struct.pack("!H", length) + bytes([len(full)]) + full + bytes([len(context)]) + context
    return HKDFExpand(_hash(hash_name), length, info).derive(secret)


class RecordKeys:
    """One direction's AEAD key, IV and sequence number."""

    def __init__(self, suite: Suite, key: bytes, iv: bytes, tls13: bool) -> None:
        self.suite, self.tls13 = suite, tls13
        self.iv = iv
        self.aead = ChaCha20Poly1305(key) if suite.chacha else AESGCM(key)
        self.seq = 0

    @classmethod
    def tls13_from_secret(cls, suite: Suite, secret: bytes) -> "RecordKeys":
        """Keys of a TLS 1.3 traffic secret."""
        key = hkdf_expand_label(secret, "key", b"", suite.key_len, suite.hash_name)
        iv = hkdf_expand_label(secret, "iv", b"", 12, suite.hash_name)
        return cls(suite, key, iv, tls13=True)

    def decrypt(self, record: Record) -> tuple[int, bytes]:
        """(inner content type, plaintext) of one protected record."""
        seq = struct.pack("!Q", self.seq)
        if self.tls13:
            nonce = bytes(a ^ b for a, b in zip(self.iv, bytes(4) + seq, strict=True))
            plain = self.aead.decrypt(nonce, record.payload, record.raw[:5])
            stripped = plain.rstrip(b"\x00")
            if not stripped:
                raise TLSWireError("TLS 1.3 record without a content type")
            kind, content = stripped[-1], stripped[:-1]
        else:
            payload = record.payload
            if self.suite.chacha:
                nonce = bytes(a ^ b for a, b in zip(self.iv, bytes(4) + seq, strict=True))
                body = payload
            else:
                nonce, body = self.iv + payload[:8], payload[8:]
            aad = seq + bytes([record.type]) + record.raw[1:3] + struct.pack("!H", len(body) - 16)
            content, kind = self.aead.decrypt(nonce, body, aad), record.type
        self.seq += 1
        return kind, content


def tls13_next_secret(suite: Suite, secret: bytes) -> bytes:
    """The traffic secret after a KeyUpdate (RFC 8446 section 7.2)."""
    return hkdf_expand_label(secret, "traffic upd", b"", len(secret), suite.hash_name)


def _p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    digest = hashlib.sha384 if hash_name == "sha384" else hashlib.sha256
    out, a = b"", seed
    while len(out) < length:
        a = hmac.new(secret, a, digest).digest()
        out += hmac.new(secret, a + seed, digest).digest()
    return out[:length]


def tls12_keys(
    suite: Suite, master: bytes, client_random: bytes, server_random: bytes
) -> tuple[RecordKeys, RecordKeys]:
    """Client and server write keys of a TLS 1.2 AEAD suite (RFC 5246 section 6.3)."""
    iv_len = suite.tls12_fixed_iv
    block = _p_hash(
        suite.hash_name,
        master,
        b"key expansion" + server_random + client_random,
        2 * suite.key_len + 2 * iv_len,
    )
    ck, sk = block[: suite.key_len], block[suite.key_len : 2 * suite.key_len]
    civ = block[2 * suite.key_len : 2 * suite.key_len + iv_len]
    siv = block[2 * suite.key_len + iv_len :]
    return (
        RecordKeys(suite, ck, civ, tls13=False),
        RecordKeys(suite, sk, siv, tls13=False),
    )


def ja4_like(hello: ClientHello) -> dict[str, object]:
    """A fingerprint of a ClientHello that ignores GREASE values and the order of extensions
    (Chromium permutes its extensions on every connection), in the spirit of JA4."""
    return {
        "versions": [v for v in hello.versions if v not in GREASE],
        "ciphers": [c for c in hello.ciphers if c not in GREASE],
        "extensions": sorted(e for e in hello.extensions if e not in GREASE),
        "groups": [g for g in hello.groups if g not in GREASE],
        "signature_algorithms": [s for s in hello.signature_algorithms if s not in GREASE],
        "alpn": hello.alpn,
    }
