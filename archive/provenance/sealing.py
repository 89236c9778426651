"""Sealed originals: a file encrypted to the archive's sealing key, for a court that orders
disclosure of what a scrubbed capture left out.

The key is X25519: `keys/seal.key` (PKCS#8 PEM, mode 0600, made on first use) and
`keys/seal.pub`. A sealed file is written with a fresh ephemeral key: the shared secret goes
through HKDF-SHA256 (salt = the ephemeral and the recipient public keys) to a
ChaCha20-Poly1305 key, and the plaintext is encrypted in 1 MiB chunks as in the STREAM
construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): each chunk's nonce is its counter
and a last-chunk flag, and the file's header is the associated data of every chunk, so a
reordered, cut or extended file does not decrypt. Written here over `cryptography`'s
primitives because no maintained Python library offers a streamed public-key file format
(the `age` format has no well-kept pure Python implementation).

File layout: `EVSEAL1\\n`, the ephemeral public key (32 bytes), then chunks of at most
1 MiB + 16 bytes of tag.
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from archive.errors import EvidenceError
from archive.provenance.keys import write_key_files

SEALED_ROLE = "sealed-warc"
"""The role of a sealed original WARC; exports leave it out unless asked (`include_sealed`)."""
MAGIC = b"EVSEAL1\n"
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
INFO = b"evidence-collector sealed original v1"
SCHEME = "X25519-HKDF-SHA256-ChaCha20Poly1305-STREAM (EVSEAL1)"


def seal_key_paths(home: Path) -> tuple[Path, Path]:
    """The private and public sealing key files of an archive home."""
    return home / "keys" / "seal.key", home / "keys" / "seal.pub"


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_seal_private_key(home: Path) -> X25519PrivateKey:
    """The archive's private sealing key (to unseal); EvidenceError when there is none."""
    path = seal_key_paths(home)[0]
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise EvidenceError(f"no sealing key in {path.parent}: nothing was sealed here") from None
    except ValueError as exc:
        raise EvidenceError(f"{path} is not a readable private key") from exc
    if not isinstance(key, X25519PrivateKey):
        raise EvidenceError(f"{path} is not an X25519 key")
    return key


def seal_public_key(home: Path) -> bytes:
    """The raw public sealing key of an archive home, making the key pair on first use."""
    private_path, public_path = seal_key_paths(home)
    if not private_path.exists():
        private_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        pem = X25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_key_files(private_path, public_path, pem, lambda: _public_pem(home))
    return _raw(load_seal_private_key(home).public_key())


def _public_pem(home: Path) -> str:
    public = load_seal_private_key(home).public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def _cipher(shared: bytes, ephemeral: bytes, recipient: bytes) -> ChaCha20Poly1305:
    key = HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=INFO).derive(shared)
    return ChaCha20Poly1305(key)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _pieces(source: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """`source` in pieces of `size` bytes, each with whether it is the last one."""
    piece = source.read(size)
    while True:
        following = source.read(size)
        yield piece, not following
        if not following:
            return
        piece = following


class Sealer:
    """A writable stream that seals what is written to it into `out` as it comes, so a
    plaintext never has to be stored first: `write()` the plaintext, then `finish()`."""

    def __init__(self, recipient: bytes, out: BinaryIO) -> None:
        ephemeral = X25519PrivateKey.generate()
        self._header = MAGIC + _raw(ephemeral.public_key())
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        self._cipher = _cipher(shared, self._header[len(MAGIC) :], recipient)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        self._digest = hashlib.sha256()
        self.size = 0
        """Plaintext bytes written so far."""
        out.write(self._header)

    def write(self, data: bytes) -> int:
        """Take more plaintext; every full chunk known not to be the last is sealed now."""
        self._buffer += data
        self._digest.update(data)
        self.size += len(data)
        while len(self._buffer) > CHUNK_BYTES:  # more follows: not the last chunk
            self._chunk(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        """Flush what is sealed so far; a partial chunk waits (only what follows it tells
        whether it is the last)."""
        self._out.flush()

    def finish(self) -> str:
        """Seal the last chunk; the plaintext's SHA-256 (hex)."""
        self._chunk(bytes(self._buffer), last=True)
        self._buffer.clear()
        return self._digest.hexdigest()

    def _chunk(self, piece: bytes, last: bool) -> None:
        self._out.write(self._cipher.encrypt(_nonce(self._counter, last), piece, self._header))
        self._counter += 1


def seal(source: BinaryIO, recipient: bytes, out: BinaryIO) -> str:
    """Encrypt `source` to the raw X25519 public key `recipient` into `out`; the plaintext's
    SHA-256 (hex)."""
    sealer = Sealer(recipient, out)
    for piece in iter(lambda: source.read(CHUNK_BYTES), b""):
        sealer.write(piece)
    return sealer.finish()


def unseal(source: BinaryIO, private: X25519PrivateKey, out: BinaryIO) -> str:
    """Decrypt a sealed file into `out`; the plaintext's SHA-256 (hex). EvidenceError when
    the file is not sealed to this key or was changed."""
    header = source.read(len(MAGIC) + 32)
    if not header.startswith(MAGIC) or len(header) != len(MAGIC) + 32:
        raise EvidenceError("not a sealed file (no EVSEAL1 header)")
    ephemeral = header[len(MAGIC) :]
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    cipher = _cipher(shared, ephemeral, _raw(private.public_key()))
    digest = hashlib.sha256()
    try:
        for counter, (piece, last) in enumerate(_pieces(source, CHUNK_BYTES + TAG_BYTES)):
            plain = cipher.decrypt(_nonce(counter, last), piece, header)
            digest.update(plain)
            out.write(plain)
    except InvalidTag:
        raise EvidenceError(
            "the sealed file does not decrypt with this archive's key (another key, or changed)"
        ) from None
    return digest.hexdigest()
