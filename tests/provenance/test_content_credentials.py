"""Content credentials (C2PA) on every image the tool makes, read back with c2pa's own Reader.

A post captured from the test world (`evidence capture`) gives screenshots, a thumbnail, the post
card and the evidence card; each gets a credentialed copy naming the sealed capture, the originals
stay as they were, a one-byte change in a copy fails both the Reader and `evidence verify`.
"""

import hashlib
import io
import json
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from sqlmodel import select
from typer.testing import CliRunner

from archive.archive import Archive
from archive.models import Artifact, Capture, CustodyEvent
from archive.provenance.c2pa_cert import CHAIN_FILE, PRIVATE_FILE, issue_chain
from archive.provenance.credentials import ASSERTION, credential_name
from archive.provenance.findings import OK, TAMPERED
from archive.provenance.verify import verify_archive
from archive.timeutil import iso
from archive.vocabulary import ArtifactRole, CustodyAction
from collector.capture.store import CaptureRows, insert_rows, seal_rows
from collector.cli.app import app
from tests.world.server import World

POST_URL = "https://x.com/UaSmart/status/934106870834454529"
TOOL_ROLES = {"screenshot-full", "screenshot-viewport", "thumbnail", "evidence-card", "post-card"}


@dataclass
class Captured:
    home: Path
    capture: dict[str, Any]
    artifacts: list[dict[str, Any]]

    def blob(self, sha256: str) -> bytes:
        return (self.home / "blobs" / sha256[:2] / sha256[2:4] / sha256).read_bytes()


@pytest.fixture(scope="module")
def captured(test_world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Captured]:
    """One post captured through the test world, with the CLI, into a fresh home."""
    home = tmp_path_factory.mktemp("c2pa-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EVIDENCE_HOST_RESOLVER_RULES", test_world.resolver_rules)
        patch.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
        patch.setenv("EVIDENCE_ALLOW_PRIVATE", "1")
        result = CliRunner().invoke(app, ["--home", str(home), "capture", "--json", POST_URL])
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    with Archive.open(home) as archive, archive.session() as session:
        capture = session.get(Capture, row["capture_id"]).model_dump()
        statement = select(Artifact).where(Artifact.capture_id == row["capture_id"])
        artifacts = [a.model_dump() for a in session.exec(statement)]
    yield Captured(home, capture, artifacts)


def reader(data: bytes, media_type: str, home: Path) -> c2pa.Reader:
    """c2pa's Reader trusting the CA of the archive's chain in `keys/`."""
    ca = x509.load_pem_x509_certificates((home / "keys" / CHAIN_FILE).read_bytes())[-1]
    anchors = ca.public_bytes(serialization.Encoding.PEM).decode()
    settings = {"trust": {"trust_anchors": anchors}, "verify": {"verify_trust": True}}
    context = c2pa.Context(c2pa.Settings.from_dict(settings))
    return c2pa.Reader(media_type, io.BytesIO(data), context=context)


def active_manifest(read: c2pa.Reader) -> dict[str, Any]:
    store = json.loads(read.json())
    return store["manifests"][store["active_manifest"]]  # type: ignore[no-any-return]


def test_every_tool_made_image_has_a_credentialed_copy(captured: Captured) -> None:
    by_name = {a["name"]: a for a in captured.artifacts}
    originals = [
        a for a in captured.artifacts
        if a["role"] in TOOL_ROLES and a["media_type"].startswith("image/")
    ]  # fmt: skip
    assert {a["role"] for a in originals} == TOOL_ROLES
    copies = {
        a["details"]["of"]: a for a in captured.artifacts if a["role"] == "content-credentials"
    }
    assert set(copies) == {a["name"] for a in originals}
    assert not [a for a in captured.artifacts if a["role"] == "content-credentials-failed"]
    for role in ("media", "avatar", "media_preview"):  # platform media: never credentialed
        assert not [a for a in captured.artifacts if a["role"] == role and a["name"] in copies]
    capture = captured.capture
    manifest = json.loads(captured.blob(capture["manifest_sha256"]))
    in_manifest = {entry["name"] for entry in manifest["artifacts"]}
    for original in originals:
        copy = copies[original["name"]]
        assert copy["name"] == credential_name(original["name"]) not in in_manifest
        assert original["name"] in in_manifest  # the original is what the manifest signs
        data = captured.blob(copy["blob_sha256"])
        stored = captured.blob(original["blob_sha256"])
        assert hashlib.sha256(stored).hexdigest() == original["blob_sha256"]  # never altered
        assert data != stored
        with Image.open(io.BytesIO(data)) as shown, Image.open(io.BytesIO(stored)) as first:
            assert shown.size == first.size and shown.tobytes() == first.tobytes()
        read = reader(data, copy["media_type"], captured.home)
        assert read.get_validation_state() == "Trusted", read.get_validation_results()
        active = active_manifest(read)
        (claim,) = [a["data"] for a in active["assertions"] if a["label"] == ASSERTION]
        assert claim["capture_id"] == capture["id"]
        assert claim["url"] == capture["final_url"] and claim["requested_url"] == POST_URL
        assert claim["captured_at"] == iso(capture["started_at"])
        assert claim["tool"] == {"name": "evidence-collector", "version": capture["tool_version"]}
        assert claim["capture_manifest_sha256"] == capture["manifest_sha256"]
        assert claim["original"]["sha256"] == original["blob_sha256"]
        parent, *parts = active["ingredients"]
        assert parent["relationship"] == "parentOf" and parent["title"] == original["name"]
        assert parent["instance_id"] == f"sha256:{original['blob_sha256']}"
        shown = {i["instance_id"] for i in parts}
        assert all(i["relationship"] == "componentOf" for i in parts)
        assert shown == {f"sha256:{s['sha256']}" for s in claim["shows"]}
        for item in claim["shows"]:
            assert by_name[item["name"]]["blob_sha256"] == item["sha256"]
        if original["role"] == "post-card":  # the post's photo, drawn on the card
            assert [s["name"] for s in claim["shows"]] == ["media/01-photo.png"]
        if original["role"] in ("thumbnail", "evidence-card"):  # the image it was made of
            assert [s["name"] for s in claim["shows"]] == [original["details"]["of"]]
        assert "thumbnail" not in active  # no embedded C2PA thumbnail
        assert len(data) - len(stored) < 40_000


def test_verify_checks_every_credential(captured: Captured) -> None:
    with Archive.open(captured.home) as archive:
        findings = verify_archive(archive)
    assert [f for f in findings if f.status == TAMPERED] == []
    named = [f for f in findings if f.check == "content credentials name the capture"]
    signed = [f for f in findings if f.check == "content credentials signature"]
    copies = [a for a in captured.artifacts if a["role"] == "content-credentials"]
    assert len(named) == len(signed) == len(copies) == 6
    assert {f.status for f in named + signed} == {OK}


def _tampered_home(captured: Captured, tmp_path: Path, role: str) -> tuple[Path, dict[str, Any]]:
    home = tmp_path / "home"
    shutil.copytree(captured.home, home)
    copy = next(
        a for a in captured.artifacts
        if a["role"] == "content-credentials" and a["details"]["of"].startswith(role)
    )  # fmt: skip
    sha = copy["blob_sha256"]
    path = home / "blobs" / sha[:2] / sha[2:4] / sha
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return home, copy


@pytest.mark.parametrize("role", ["screenshot-full", "evidence-card", "screenshot-full.thumb"])
def test_one_byte_changed_in_a_copy_breaks_it(
    captured: Captured, tmp_path: Path, role: str
) -> None:
    home, copy = _tampered_home(captured, tmp_path, role)
    sha = copy["blob_sha256"]
    data = (home / "blobs" / sha[:2] / sha[2:4] / sha).read_bytes()
    try:
        state = reader(data, copy["media_type"], home).get_validation_state()
    except c2pa.C2paError:
        state = "unreadable"
    assert state in ("Invalid", "unreadable")
    with Archive.open(home) as archive:
        findings = verify_archive(archive)
    broken = [f for f in findings if f.status == TAMPERED and copy["name"] in f.subject]
    assert {f.check for f in broken} >= {"content credentials signature", "sha256"}
    (signature,) = [f for f in broken if f.check == "content credentials signature"]
    assert "mismatch" in str(signature.found) or "unreadable" in str(signature.found)
    result = CliRunner().invoke(app, ["--home", str(home), "verify"])
    assert result.exit_code == 1


def test_credential_of_another_capture_is_caught(captured: Captured, tmp_path: Path) -> None:
    """A valid copy put where another belongs (same archive, other image): signature fine,
    but it names another original."""
    from archive.provenance.credential_check import capture_findings

    copies = [a for a in captured.artifacts if a["role"] == "content-credentials"]
    original = {a["name"]: a["blob_sha256"] for a in captured.artifacts}
    first = copies[0]
    # another image: a page that fits the viewport has identical viewport and full shots
    second = next(
        c for c in copies if original[c["details"]["of"]] != original[first["details"]["of"]]
    )
    swapped = [
        {**a, "blob_sha256": second["blob_sha256"], "media_type": second["media_type"]}
        if a["id"] == first["id"] else a
        for a in captured.artifacts
    ]  # fmt: skip
    with Archive.open(captured.home) as archive, archive.session() as session:
        from archive.provenance.c2pa_cert import logged_chains

        chains = logged_chains(session)
    findings = capture_findings("capture", captured.capture, swapped, chains, captured.blob)
    bad = [f for f in findings if f.status == TAMPERED]
    assert {f.check for f in bad} == {
        "content credentials: original_sha256",
        "content credentials: original ingredient",
    }


def test_archive_certificate_made_once_with_private_files(captured: Captured) -> None:
    keys = captured.home / "keys"
    assert stat.S_IMODE((keys / PRIVATE_FILE).stat().st_mode) == 0o600
    chain = x509.load_pem_x509_certificates((keys / CHAIN_FILE).read_bytes())
    leaf, ca = chain
    assert leaf.issuer == ca.subject != leaf.subject  # not self-signed
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey)
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    before = (keys / PRIVATE_FILE).read_bytes(), (keys / CHAIN_FILE).read_bytes()
    with Archive.open(captured.home) as archive:
        from archive.provenance.c2pa_cert import ensure_credential_signer

        again = ensure_credential_signer(archive)
        with archive.session() as session:
            events = session.exec(
                select(CustodyEvent).where(CustodyEvent.action == CustodyAction.C2PA_CERT_RECORDED)
            ).all()
    assert ((keys / PRIVATE_FILE).read_bytes(), (keys / CHAIN_FILE).read_bytes()) == before
    assert len(events) == 1 and events[0].subject_id == again.fingerprint
    assert events[0].payload["origin"] == "archive"


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _seal_screenshot(
    archive: Archive, data: bytes, *more: tuple[str, str, bytes, dict[str, Any]]
) -> CaptureRows:
    """A sealed capture holding a screenshot (and `more` images: role, name, bytes, details),
    through the storing steps every capture takes."""
    from archive.ids import new_id
    from archive.timeutil import utcnow

    capture_id = new_id("cap")
    artifacts = []
    with archive.session() as session:
        for role, name, content, details in (("screenshot-full", "screenshot-full.png", data, {}),
                                             *more):  # fmt: skip
            blob = archive.store_blob(session, content)
            artifacts.append(
                {
                    "id": new_id("art"), "capture_id": capture_id, "role": role, "name": name,
                    "blob_sha256": blob.sha256, "size": blob.size, "media_type": "image/png",
                    "original_url": None, "details": details,
                }
            )  # fmt: skip
    now = utcnow()
    rows = CaptureRows(
        {
            "id": capture_id, "requested_url": "https://example.org/a", "final_url": None,
            "status": "complete", "started_at": now, "finished_at": now, "tool_version": "9.9",
            "investigator": "tester", "details": {}, "redirect_chain": [],
        },
        artifacts,
    )  # fmt: skip
    seal_rows(archive, rows)
    insert_rows(archive, rows)
    return rows


def test_organisation_certificate_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "org.pem").write_bytes(issue_chain(key, "Newsroom Ltd"))
    (tmp_path / "org.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("EVIDENCE_C2PA_CERTIFICATE", str(tmp_path / "org.pem"))
    monkeypatch.setenv("EVIDENCE_C2PA_PRIVATE_KEY", str(tmp_path / "org.key"))
    with Archive.open(tmp_path / "home") as archive:
        rows = _seal_screenshot(archive, _png(64, 48))
        (copy,) = [a for a in rows.artifacts if a["role"] == ArtifactRole.CONTENT_CREDENTIALS]
        data = archive.blobs.get(copy["blob_sha256"])
        findings = verify_archive(archive)
        with archive.session() as session:
            (event,) = session.exec(
                select(CustodyEvent).where(CustodyEvent.action == CustodyAction.C2PA_CERT_RECORDED)
            ).all()
    assert not (tmp_path / "home" / "keys" / PRIVATE_FILE).exists()
    assert event.payload["origin"] == "organisation"
    assert "Newsroom Ltd" in event.payload["subject"]
    context = c2pa.Context(c2pa.Settings.from_dict({"verify": {"verify_trust": False}}))
    info = active_manifest(c2pa.Reader("image/png", io.BytesIO(data), context=context))
    assert info["signature_info"]["common_name"] == "Newsroom Ltd content credentials"
    signed = [f for f in findings if f.check == "content credentials signature"]
    assert [f.status for f in signed] == [OK]
    assert [f for f in findings if f.status == TAMPERED] == []


def test_organisation_key_not_matching_its_certificate_is_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "org.pem").write_bytes(issue_chain(ec.generate_private_key(ec.SECP256R1()), "A"))
    (tmp_path / "org.key").write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("EVIDENCE_C2PA_CERTIFICATE", str(tmp_path / "org.pem"))
    monkeypatch.setenv("EVIDENCE_C2PA_PRIVATE_KEY", str(tmp_path / "org.key"))
    from archive.errors import EvidenceError

    with Archive.open(tmp_path / "home") as archive, pytest.raises(EvidenceError) as caught:
        _seal_screenshot(archive, _png(8, 8))
    assert "does not belong to the private key" in str(caught.value)


def test_image_c2pa_cannot_sign_is_recorded_as_missing(tmp_path: Path) -> None:
    """A broken screenshot gets a recorded failure, and the evidence card drawn over it a copy
    that says the screenshot could not be recorded as its ingredient."""
    card = ("evidence-card", "evidence-card.png", _png(30, 20), {"of": "screenshot-full.png"})
    with Archive.open(tmp_path / "home") as archive:
        rows = _seal_screenshot(archive, b"\x89PNG\r\n\x1a\n not really a png", card)
        findings = verify_archive(archive)
        made = {a["details"]["of"]: a for a in rows.artifacts if "c2pa/" in a["name"]}
        copy = archive.blobs.get(made["evidence-card.png"]["blob_sha256"])
    failed = made["screenshot-full.png"]
    assert failed["role"] == ArtifactRole.CONTENT_CREDENTIALS_FAILED and failed["details"]["error"]
    assert failed["name"] == "c2pa/screenshot-full.png.error.json"
    (finding,) = [f for f in findings if f.check == "content credentials"]
    assert finding.status == "unverifiable" and finding.found == failed["details"]["error"]
    assert finding.subject.endswith("screenshot-full.png")
    context = c2pa.Context(c2pa.Settings.from_dict({"verify": {"verify_trust": False}}))
    active = active_manifest(c2pa.Reader("image/png", io.BytesIO(copy), context=context))
    (claim,) = [a["data"] for a in active["assertions"] if a["label"] == ASSERTION]
    assert claim["shows"] == [] and claim["shows_omitted"]
    assert [i["relationship"] for i in active["ingredients"]] == ["parentOf"]
    assert [f for f in findings if f.status == TAMPERED] == []


@pytest.mark.parametrize("fmt", ["bagit", "wacz"])
def test_packages_carry_and_check_the_credentials(
    captured: Captured, tmp_path: Path, fmt: str
) -> None:
    from archive.export import export
    from archive.export.package_verify import verify_package
    from archive.export.unpack import unpacked

    home = tmp_path / "home"
    shutil.copytree(captured.home, home)
    package = tmp_path / f"package.{fmt}"
    with Archive.open(home) as archive:
        export(archive, captured.capture["id"], fmt, package)
    findings = verify_package(package)
    assert [f for f in findings if f.status == TAMPERED] == []
    signed = [f for f in findings if f.check == "content credentials signature"]
    named = [f for f in findings if f.check == "content credentials name the capture"]
    assert len(signed) == len(named) == 6 and {f.status for f in signed + named} == {OK}
    if fmt != "bagit":
        return
    with unpacked(package, []) as root:
        shutil.copytree(root, tmp_path / "bag")
    copy = next(p for p in (tmp_path / "bag").rglob("*") if p.match("c2pa/evidence-card.png"))
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    copy.write_bytes(bytes(data))
    broken = [f for f in verify_package(tmp_path / "bag") if f.status == TAMPERED]
    assert any(
        f.check == "sha256 recorded in custody log" and "c2pa/evidence-card.png" in f.subject
        for f in broken
    )


def test_key_show_lists_the_certificate_once_made(tmp_path: Path) -> None:
    shown = []
    for _ in range(2):
        result = CliRunner().invoke(app, ["--home", str(tmp_path), "key", "show", "--json"])
        assert result.exit_code == 0, result.stderr
        shown.append(json.loads(result.stdout)["c2pa_certificate"])
    assert shown[0] == shown[1] and shown[0]["origin"] == "archive"
    assert shown[0]["certificate_file"] == str(tmp_path / "keys" / CHAIN_FILE)
    leaf = x509.load_pem_x509_certificates(shown[0]["certificate_chain_pem"].encode())[0]
    with Archive.open(tmp_path) as archive, archive.session() as session:
        (event,) = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == CustodyAction.C2PA_CERT_RECORDED)
        ).all()
    assert (
        event.subject_id
        == shown[0]["fingerprint_sha256"]
        == hashlib.sha256(leaf.public_bytes(serialization.Encoding.DER)).hexdigest()
    )
    text = CliRunner().invoke(app, ["--home", str(tmp_path), "key", "show"]).stdout
    assert "Content credentials certificate" in text and "BEGIN CERTIFICATE" in text
