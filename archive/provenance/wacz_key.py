"""The archive's second key, used only for the WACZ's standard signature: ECDSA on NIST P-384
(`keys/wacz-ecdsa-p384.key`, PKCS#8 PEM, mode 0600; `keys/wacz-ecdsa-p384.pub`,
SubjectPublicKeyInfo PEM).

wacz-auth 0.1.0 "anonymous" signatures are made and checked the way ArchiveWeb.page and
ReplayWeb.page (wabac.js) do with WebCrypto: ECDSA P-384 with SHA-256 over the UTF-8 bytes of
`signedData.hash`, the signature in IEEE P1363 form (r || s, 48 bytes each) in base64, the key
as base64 DER SubjectPublicKeyInfo. `cryptography` produces and reads DER (RFC 3279)
signatures, so the two conversions below are its `encode/decode_dss_signature`.

Like the Ed25519 key, this key is created on first need and its creation is a custody event
(`wacz-key.created`: a separate action, because the log holds exactly one `key.created`, the
archive's Ed25519 key). The fingerprint is the hex SHA-256 of the DER SubjectPublicKeyInfo.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from archive.archive import Archive
from archive.provenance.keys import (
    ArchiveKeyError,
    read_private_key,
    record_key_created,
    write_key_files,
)
from archive.vocabulary import CustodyAction

PRIVATE_FILE = "wacz-ecdsa-p384.key"
PUBLIC_FILE = "wacz-ecdsa-p384.pub"
WACZ_KEY_PATH = "provenance/wacz-key.pem"  # where a WACZ carries the public key
ALGORITHM = "ECDSA P-384 (SHA-256)"
CURVE = ec.SECP384R1
HALF = 48  # bytes of r and of s on P-384


@dataclass(frozen=True)
class WaczKey:
    """The private ECDSA key and its public encodings."""

    private: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        """DER SubjectPublicKeyInfo."""
        return self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def der_base64(self) -> str:
        """The wacz-auth `publicKey` value."""
        return base64.b64encode(self.der).decode("ascii")

    @property
    def fingerprint(self) -> str:
        """Hex SHA-256 of the DER SubjectPublicKeyInfo."""
        return hashlib.sha256(self.der).hexdigest()

    @property
    def pem(self) -> str:
        """SubjectPublicKeyInfo PEM, as OpenSSL reads it."""
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def sign(self, text: str) -> str:
        """Base64 P1363 ECDSA-SHA256 signature of the UTF-8 bytes of `text`."""
        r, s = decode_dss_signature(self.private.sign(text.encode("utf-8"), _ECDSA))
        return base64.b64encode(r.to_bytes(HALF, "big") + s.to_bytes(HALF, "big")).decode()


_ECDSA = ec.ECDSA(hashes.SHA256())


def verify_anonymous(public_key_base64: str, signature_base64: str, text: str) -> str | None:
    """None when the wacz-auth anonymous signature holds, else what is wrong."""
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key_base64, validate=True))
        raw = base64.b64decode(signature_base64, validate=True)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        return f"unreadable: {exc}"
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, CURVE):
        return f"publicKey is {type(key).__name__}, not an ECDSA P-384 key"
    if len(raw) != 2 * HALF:
        return f"signature is {len(raw)} bytes, not a {2 * HALF}-byte P1363 r||s"
    der = encode_dss_signature(int.from_bytes(raw[:HALF], "big"), int.from_bytes(raw[HALF:], "big"))
    try:
        key.verify(der, text.encode("utf-8"), _ECDSA)
    except InvalidSignature:
        return "does not verify"
    return None


def public_der(pem: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a PEM public key; ValueError or UnsupportedAlgorithm
    when `pem` is not one."""
    return serialization.load_pem_public_key(pem).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_file_fingerprint(archive: Archive) -> str | None:
    """Fingerprint of `keys/wacz-ecdsa-p384.pub` (None when absent); ArchiveKeyError when
    the file is not a public key."""
    path = archive.home / "keys" / PUBLIC_FILE
    try:
        return hashlib.sha256(public_der(path.read_bytes())).hexdigest()
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnsupportedAlgorithm) as exc:
        raise ArchiveKeyError(f"{path} is not a public key: {exc}") from exc


def _load(archive: Archive) -> WaczKey | None:
    path = archive.home / "keys" / PRIVATE_FILE
    private = read_private_key(path)
    if private is None:
        return None
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(private.curve, CURVE):
        raise ArchiveKeyError(f"{path} is not an ECDSA P-384 key")
    return WaczKey(private)


def _loaded(archive: Archive) -> WaczKey:
    key = _load(archive)
    assert key is not None
    return key


def ensure_wacz_key(archive: Archive) -> WaczKey:
    """The WACZ signing key, created (with a `wacz-key.created` custody event) on first need.

    Raises ArchiveKeyError when the key files disagree or the key is not the one logged.
    """
    keys = archive.home / "keys"
    key = _load(archive)
    if key is None:
        pem = ec.generate_private_key(CURVE()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_key_files(keys / PRIVATE_FILE, keys / PUBLIC_FILE, pem, lambda: _loaded(archive).pem)
        key = _loaded(archive)
    try:
        public = (keys / PUBLIC_FILE).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveKeyError(f"cannot read keys/{PUBLIC_FILE}: {exc}") from exc
    if public != key.pem:
        raise ArchiveKeyError(
            f"keys/{PUBLIC_FILE} does not belong to keys/{PRIVATE_FILE}: the key files were altered"
        )
    record_key_created(
        archive, CustodyAction.WACZ_KEY_CREATED, key.fingerprint,
        {"algorithm": ALGORITHM, "purpose": "wacz-auth anonymous signature",
         "public_key": key.der_base64, "fingerprint": key.fingerprint},
    )  # fmt: skip
    return key
