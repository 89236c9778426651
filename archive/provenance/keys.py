"""The archive's Ed25519 signing key: `keys/ed25519.key` (PKCS#8 PEM, mode 0600) and
`keys/ed25519.pub` (SubjectPublicKeyInfo PEM).

The key is created on first need. Its creation is a custody event (`key.created`, with the
public key and its fingerprint), so a key swapped in later no longer matches the log.
The fingerprint is the hex SHA-256 of the 32 raw public-key bytes.
"""

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from sqlmodel import Session, select

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.fsutil import temporary_sibling
from archive.models import CustodyEvent
from archive.vocabulary import CustodyAction

PRIVATE_FILE = "ed25519.key"
PUBLIC_FILE = "ed25519.pub"


class ArchiveKeyError(EvidenceError):
    """The archive key is missing, unreadable or not the one the custody log recorded."""


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key with the encodings people compare."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        """Hex SHA-256 of the raw 32-byte key."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def raw_base64(self) -> str:
        """The raw key in standard base64."""
        return base64.b64encode(self.raw).decode("ascii")

    @property
    def pem(self) -> str:
        """SubjectPublicKeyInfo PEM, as OpenSSL reads it."""
        key = Ed25519PublicKey.from_public_bytes(self.raw)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The archive's private key and its public half."""

    private: Ed25519PrivateKey
    public: PublicKey


def key_paths(home: Path) -> tuple[Path, Path]:
    """Where the private and public key files of an archive home live."""
    return home / "keys" / PRIVATE_FILE, home / "keys" / PUBLIC_FILE


def _public_of(private: Ed25519PrivateKey) -> PublicKey:
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return PublicKey(raw)


def read_private_key(path: Path) -> PrivateKeyTypes | None:
    """The unencrypted PEM private key at `path`, or None when the file does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ArchiveKeyError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ArchiveKeyError(f"{path} is not an unencrypted PEM private key") from exc


def load_signing_key(home: Path) -> SigningKey | None:
    """The private key in `home/keys`, or None when there is none yet."""
    private_path, _ = key_paths(home)
    private = read_private_key(private_path)
    if private is None:
        return None
    if not isinstance(private, Ed25519PrivateKey):
        raise ArchiveKeyError(f"{private_path} is not an Ed25519 key")
    return SigningKey(private, _public_of(private))


def parse_public_key(pem: bytes, name: str) -> PublicKey:
    """The Ed25519 public key in PEM `pem` (the file `name`); ArchiveKeyError otherwise."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ArchiveKeyError(f"cannot read the public key {name}: {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ArchiveKeyError(f"{name} is not an Ed25519 public key")
    return PublicKey(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def load_public_key(home: Path) -> PublicKey | None:
    """The public key file in `home/keys`, or None when missing."""
    _, public_path = key_paths(home)
    try:
        pem = public_path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ArchiveKeyError(f"cannot read the public key {public_path}: {exc}") from exc
    return parse_public_key(pem, str(public_path))


def recorded_keys(session: Session, action: str = CustodyAction.KEY_CREATED) -> list[str]:
    """Fingerprints of every key the custody log says this archive created (`action`: which
    kind of key), oldest first."""
    statement = (
        select(CustodyEvent).where(CustodyEvent.action == action).order_by(CustodyEvent.seq)  # type: ignore[arg-type]
    )
    return [event.subject_id for event in session.exec(statement)]


def write_key_files(
    private_path: Path, public_path: Path, private_pem: bytes, public_pem_of: Callable[[], str]
) -> None:
    """Write a new key pair's files: the private key (mode 0600) linked into place atomically,
    where an existing private key (another process was faster) wins; then the public file when
    missing, as `public_pem_of()` derives it from the private key now on disk. Temporary
    names are `temporary_sibling`'s, so threads of one process (a batch's first saves on a
    new home) never take each other's."""
    tmp = temporary_sibling(private_path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(private_pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, private_path)  # atomic; fails when a key already exists
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    if not public_path.exists():
        public_tmp = temporary_sibling(public_path)
        public_tmp.write_text(public_pem_of(), encoding="ascii")
        os.replace(public_tmp, public_path)


def record_key_created(
    archive: Archive, action: str, fingerprint: str, payload: dict[str, str]
) -> None:
    """Record the key's creation as `action` when the log has no such event yet; raise
    ArchiveKeyError when the log's latest key of that kind is another one."""
    with archive.session() as session:
        known = recorded_keys(session, action)
        if not known:
            archive.record(session, action, "key", fingerprint, payload)
        elif known[-1] != fingerprint:
            raise ArchiveKeyError(
                f"the key in keys/ (fingerprint {fingerprint}) is not the archive's key "
                f"recorded in the custody log ({known[-1]})"
            )


def _write_new_key(home: Path) -> None:
    """Create the key pair; an existing private key (another process was faster) wins."""
    private_path, public_path = key_paths(home)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_key_files(private_path, public_path, pem, lambda: _loaded(home).public.pem)


def _loaded(home: Path) -> SigningKey:
    signing = load_signing_key(home)
    assert signing is not None
    return signing


def ensure_key(archive: Archive) -> SigningKey:
    """The archive's signing key, created (with a `key.created` custody event) on first need.

    Raises ArchiveKeyError when the key in `keys/` is not the one the custody log recorded.
    """
    home = archive.home
    signing = load_signing_key(home)
    if signing is None:
        _write_new_key(home)
        signing = load_signing_key(home)
        assert signing is not None
    public = load_public_key(home)
    if public is not None and public.raw != signing.public.raw:
        raise ArchiveKeyError(
            f"keys/{PUBLIC_FILE} does not belong to keys/{PRIVATE_FILE}: the key files were altered"
        )
    record_key_created(
        archive,
        CustodyAction.KEY_CREATED,
        signing.public.fingerprint,
        {
            "algorithm": "Ed25519",
            "public_key": signing.public.raw_base64,
            "fingerprint": signing.public.fingerprint,
        },
    )
    return signing
