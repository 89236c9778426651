"""The archive key, the manifest and its signature, checked with OpenSSL as an outsider would."""

import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from sqlmodel import select

from archive.archive import Archive
from archive.models import CustodyEvent
from archive.provenance.keys import ArchiveKeyError, ensure_key, key_paths
from archive.provenance.manifest import build_manifest, jsonable, parse_manifest
from tests.provenance.sealing import KINDS, store_capture


def test_key_created_once_private_0600_and_logged(archive: Archive) -> None:
    first = ensure_key(archive)
    private_path, public_path = key_paths(archive.home)
    assert stat.S_IMODE(private_path.stat().st_mode) == 0o600
    assert b"BEGIN PRIVATE KEY" in private_path.read_bytes()
    assert public_path.read_text() == first.public.pem
    assert first.public.fingerprint == hashlib.sha256(first.public.raw).hexdigest()
    assert ensure_key(archive).public == first.public
    with archive.session() as session:
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "key.created")
        ).all()
    assert [e.subject_id for e in events] == [first.public.fingerprint]
    assert events[0].payload["public_key"] == first.public.raw_base64


def test_replaced_key_is_refused_for_signing(archive: Archive) -> None:
    ensure_key(archive)
    private_path, public_path = key_paths(archive.home)
    intruder = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        intruder.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    public_path.unlink()
    with pytest.raises(ArchiveKeyError, match="not the archive's key recorded"):
        ensure_key(archive)


def test_manifest_lists_every_artifact_and_openssl_verifies_it(
    archive: Archive, tmp_path: Path
) -> None:
    seal, artifacts = store_capture(archive, "https://x.com/a/status/1")
    assert seal.manifest == rfc8785.dumps(json.loads(seal.manifest))  # canonical
    document = parse_manifest(seal.manifest)
    listed = {a["name"]: a for a in document["artifacts"]}
    assert set(listed) == set(KINDS)  # the seal's own artifacts are not listed
    for name, (role, media_type, data) in KINDS.items():
        assert listed[name]["role"] == role and listed[name]["media_type"] == media_type
        assert listed[name]["size"] == str(len(data))
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert listed[name]["sha512"] == hashlib.sha512(data).hexdigest()
    capture = document["capture"]
    assert capture["started_at"] == "2026-03-01T12:30:45.123456Z"
    assert capture["redirect_chain"] == [{"url": "https://t.co/abc", "status": 301}]
    assert document["investigator"] == "Jane Doe"
    assert document["collection"]["persona"] == "logged out"
    assert document["collection"]["tool"]["name"] == "evidence-collector"
    with archive.session() as session:
        events = session.exec(select(CustodyEvent).order_by(CustodyEvent.seq)).all()
    assert document["custody"]["previous_log_head"] == events[-2].entry_hash
    assert {a["role"] for a in artifacts} >= {"manifest", "signature"}

    (tmp_path / "manifest.json").write_bytes(seal.manifest)
    (tmp_path / "manifest.sig").write_bytes(seal.signature)
    public = key_paths(archive.home)[1]
    manifest, signature = tmp_path / "manifest.json", tmp_path / "manifest.sig"
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin",
               "-in", str(manifest), "-sigfile", str(signature)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout
    (tmp_path / "manifest.json").write_bytes(seal.manifest.replace(b"Jane", b"John"))
    assert subprocess.run(command, capture_output=True, check=False).returncode != 0


def test_manifest_sizes_are_strings_and_big_numbers_survive() -> None:
    artifact = {
        "role": "media",
        "name": "video.mp4",
        "media_type": "video/mp4",
        "size": 5 * 2**40,
        "blob_sha256": "a" * 64,
        "sha512": "b" * 128,
    }
    data = build_manifest(
        {"id": "cap_1", "details": {"views": 2**60}},
        [artifact],
        previous_log_head="0" * 64,
        investigator=None,
        case=None,
        berkeley={},
        signer_fingerprint="f" * 64,
    )
    document = json.loads(data)
    assert document["artifacts"][0]["size"] == str(5 * 2**40)
    assert document["capture"]["details"]["views"] == str(2**60)
    with pytest.raises(TypeError):
        jsonable({"x": object()})


def test_concurrent_first_use_makes_one_key(tmp_path: Path) -> None:
    """Several processes opening a new archive at once agree on one key and one event."""
    home = tmp_path / "home"
    Archive.open(home).close()
    script = (
        "import sys; from archive.archive import Archive; "
        "from archive.provenance.keys import ensure_key; "
        "a = Archive.open(sys.argv[1]); print(ensure_key(a).public.fingerprint)"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(home)],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).parents[2],
        )
        for _ in range(4)
    ]
    prints = {worker.communicate(timeout=120)[0].decode().strip() for worker in workers}
    assert all(worker.returncode == 0 for worker in workers)
    assert len(prints) == 1
    with Archive.open(home) as archive, archive.session() as session:
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "key.created")
        ).all()
    assert [e.subject_id for e in events] == list(prints)
