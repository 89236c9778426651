"""`evidence verify` on the archive also holds the WACZ signing key to its custody event."""

import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from archive.archive import Archive
from archive.provenance.verify import verify_archive
from archive.provenance.wacz_key import PRIVATE_FILE, PUBLIC_FILE, ensure_wacz_key


def _found(archive: Archive) -> dict[tuple[str, str], str]:
    return {
        (f.subject, f.check): f.status for f in verify_archive(archive) if f.subject == "WACZ key"
    }


def _other_public_pem() -> bytes:
    return (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def test_no_wacz_key_no_finding(archive: Archive) -> None:
    assert _found(archive) == {}


def test_logged_key_holds(archive: Archive) -> None:
    ensure_wacz_key(archive)
    assert _found(archive) == {("WACZ key", "WACZ signing key"): "ok"}


def test_replaced_public_file_is_tampering(archive: Archive) -> None:
    ensure_wacz_key(archive)
    public = archive.home / "keys" / PUBLIC_FILE
    public.write_bytes(_other_public_pem())
    assert _found(archive) == {("WACZ key", "file is the logged key"): "tampered"}


def test_key_files_without_their_event_are_tampering(archive: Archive) -> None:
    keys = archive.home / "keys"
    private = ec.generate_private_key(ec.SECP384R1())
    (keys / PRIVATE_FILE).write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )  # fmt: skip
    os.chmod(keys / PRIVATE_FILE, 0o600)
    (keys / PUBLIC_FILE).write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    assert _found(archive) == {("WACZ key", "key recorded in custody log"): "tampered"}


def test_garbage_public_file_is_a_finding(archive: Archive) -> None:
    ensure_wacz_key(archive)
    (archive.home / "keys" / PUBLIC_FILE).write_text("not a key")
    assert _found(archive) == {("WACZ key", "public key file"): "tampered"}
