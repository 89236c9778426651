"""`evidence verify PACKAGE`: exit 0 on untouched packages with no database, and exit 1 with the
precise finding for each kind of tampering."""

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from archive.models import CustodyEvent
from tests.export.checks import cli, copy_bag, flip_byte, rewrite_zip_member, tampered, verify_json
from tests.export.conftest import ExportWorld, Packages


def index_of(bag: Path) -> dict[str, Any]:
    return json.loads((bag / "data/provenance/package.json").read_text())


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No archive reachable: EVIDENCE_HOME points at a folder that does not exist."""
    monkeypatch.setenv("EVIDENCE_HOME", str(tmp_path / "no-archive"))
    monkeypatch.delenv("EVIDENCE_TSA_CA_BUNDLE", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "no-archive"


@pytest.mark.parametrize("kind", ["bag", "zipped_bag", "wacz"])
def test_untouched_package_verifies_without_database(
    kind: str, packages: Packages, export_world: ExportWorld, isolated: Path, tmp_path: Path
) -> None:
    original = getattr(packages, kind)
    copy = tmp_path / f"copy-{original.name}"
    if original.is_dir():
        copy_bag(original, copy)
    else:
        shutil.copy(original, copy)
    bundle = str(export_world.tsa.bundle)
    code, report = verify_json(copy, "--tsa-ca-bundle", bundle)
    assert code == 0, tampered(report)
    assert report["summary"]["tampered"] == 0 and report["summary"]["unverifiable"] == 0
    checks = {(f["check"], f["status"]) for f in report["findings"]}
    assert ("signature", "ok") in checks
    assert ("TSA signature and chain", "ok") in checks
    assert ("artifacts match the signed manifest", "ok") in checks
    assert ("inclusion proofs", "ok") in checks
    assert not isolated.exists(), "verifying a package must not create an archive home"
    # with the published fingerprint, and without trust roots (tokens then unverifiable)
    fingerprint = index_of(packages.bag)["key"]["fingerprint"]
    code, report = verify_json(copy, "--key", fingerprint)
    assert code == 0 and report["summary"]["unverifiable"] >= 2
    code, report = verify_json(copy, "--key", "0" * 64)
    assert code == 1
    assert ("published fingerprint", "0" * 64, fingerprint) in [t[1:] for t in tampered(report)]


@pytest.fixture
def bag(packages: Packages, tmp_path: Path) -> Path:
    return copy_bag(packages.bag, tmp_path / "bag")


def _first_capture(bag: Path) -> dict[str, Any]:
    return index_of(bag)["captures"][0]


def _artifact(capture: dict[str, Any], prefix: str) -> tuple[str, str]:
    name = next(n for n in capture["artifacts"] if n.startswith(prefix))
    return name, capture["artifacts"][name]


@pytest.mark.parametrize(
    "prefix", ["capture-", "screenshot-viewport", "dom.html", "media/01-photo.png"]
)
def test_flipped_artifact_byte(bag: Path, export_world: ExportWorld, prefix: str) -> None:
    capture = _first_capture(bag)
    name, path = _artifact(capture, prefix)
    manifest = json.loads((bag / capture["manifest"]).read_bytes())
    expected = next(a["sha256"] for a in manifest["artifacts"] if a["name"] == name)
    flip_byte(bag / path)
    code, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.bundle))
    assert code == 1
    found = [t for t in tampered(report) if t[0] == f"capture {capture['id']} {name}"]
    assert len(found) == 1 and found[0][1:3] == ("sha256", expected)
    assert found[0][3] != expected
    assert any(t[0] == f"bag file {path}" for t in tampered(report)), "BagIt notices too"


def test_flipped_manifest_byte(bag: Path) -> None:
    capture = _first_capture(bag)
    flip_byte(bag / capture["manifest"])
    code, report = verify_json(bag)
    assert code == 1
    mine = {t[:2] for t in tampered(report) if t[0].startswith(f"capture {capture['id']}")}
    assert (f"capture {capture['id']} manifest.json", "sha256 recorded in custody log") in mine
    assert (f"capture {capture['id']}", "signature") in mine


def test_flipped_signature_byte(bag: Path) -> None:
    capture = _first_capture(bag)
    flip_byte(bag / capture["signature"], offset=0)
    code, report = verify_json(bag)
    assert code == 1
    subject = f"capture {capture['id']}"
    assert (subject, "signature") in {t[:2] for t in tampered(report)}
    assert (f"{subject} manifest.json.sig", "sha256 recorded in custody log") in {
        t[:2] for t in tampered(report)
    }


def test_flipped_token_byte(bag: Path, export_world: ExportWorld) -> None:
    token = _first_capture(bag)["tokens"][0]["path"]
    flip_byte(bag / token, offset=(bag / token).stat().st_size - 5)
    code, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.bundle))
    assert code == 1
    mine = [t for t in tampered(report) if t[0].startswith(f"timestamp {token}")]
    assert [t[1] for t in mine] == ["TSA signature and chain"]


def test_token_from_another_capture(bag: Path, export_world: ExportWorld) -> None:
    first, second = index_of(bag)["captures"][:2]
    target = bag / first["tokens"][0]["path"]
    target.chmod(0o644)
    target.write_bytes((bag / second["tokens"][0]["path"]).read_bytes())
    code, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.bundle))
    assert code == 1
    mine = [
        t for t in tampered(report) if t[0].startswith(f"timestamp {first['tokens'][0]['path']}")
    ]
    assert len(mine) == 1 and mine[0][1] == "token covers the subject"
    assert "message imprint mismatch" in str(mine[0][3])


def test_flipped_checkpoint_byte(bag: Path) -> None:
    checkpoint = index_of(bag)["checkpoints"][0]["path"]
    flip_byte(bag / checkpoint, offset=len("evidence-collector.local/log/") + 3)
    code, report = verify_json(bag)
    assert code == 1
    assert (f"checkpoint {checkpoint}", "note signature") in {t[:2] for t in tampered(report)}


def test_replaced_public_key(bag: Path) -> None:
    index = index_of(bag)
    other = Ed25519PrivateKey.generate().public_key()
    pem = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key_file = bag / index["key"]["path"]
    key_file.chmod(0o644)
    key_file.write_bytes(pem)
    code, report = verify_json(bag)
    assert code == 1
    checks = {t[1] for t in tampered(report)}
    assert "embedded key is the key.created event's key" in checks
    assert "signature" in checks and "note signature" in checks
    logged = next(t for t in tampered(report) if t[1].startswith("embedded key is"))
    assert logged[2] == index["key"]["fingerprint"]


def test_edited_custody_event(bag: Path) -> None:
    path = bag / index_of(bag)["custody"]
    lines = path.read_text().splitlines()
    event = json.loads(lines[-1])
    event["actor"] = "someone else"
    lines[-1] = json.dumps(event)
    path.chmod(0o644)
    path.write_text("\n".join(lines) + "\n")
    code, report = verify_json(bag)
    assert code == 1
    assert (f"custody event {event['seq']}", "entry hash") in {t[:2] for t in tampered(report)}


def test_wacz_flipped_warc_and_signature(packages: Packages, tmp_path: Path) -> None:
    with zipfile.ZipFile(packages.wacz) as zipped:
        warc = next(n for n in zipped.namelist() if n.startswith("archive/"))
        data = bytearray(zipped.read(warc))
        digest = json.loads(zipped.read("datapackage-digest.json"))
    data[len(data) // 2] ^= 0xFF
    edited = tmp_path / "edited.wacz"
    rewrite_zip_member(packages.wacz, edited, warc, bytes(data))
    code, report = verify_json(edited)
    assert code == 1
    subjects = {t[0]: t[1] for t in tampered(report)}
    assert subjects[f"WACZ file {warc}"] == "datapackage.json sha256"
    assert any(s.startswith("capture ") and s.endswith(warc.split("-", 1)[1]) for s in subjects)

    signature = bytearray(base64.b64decode(digest["signedData"]["signature"]))
    signature[0] ^= 0xFF
    digest["signedData"]["signature"] = base64.b64encode(signature).decode()
    forged = tmp_path / "forged.wacz"
    rewrite_zip_member(
        packages.wacz, forged, "datapackage-digest.json", json.dumps(digest).encode()
    )
    code, report = verify_json(forged)
    assert code == 1
    wacz_key = hashlib.sha256(base64.b64decode(digest["signedData"]["publicKey"])).hexdigest()
    assert tampered(report) == [
        ("datapackage-digest.json", "wacz-auth anonymous signature",
         f"valid ECDSA P-384 (SHA-256) by {wacz_key}", "does not verify"),
    ]  # fmt: skip


def test_zip_with_bad_crc_is_reported(packages: Packages, tmp_path: Path) -> None:
    raw = bytearray(packages.wacz.read_bytes())
    marker = raw.find(b"WARC/1.1")
    raw[marker + 200] ^= 0xFF
    damaged = tmp_path / "damaged.wacz"
    damaged.write_bytes(bytes(raw))
    code, report = verify_json(damaged)
    assert code == 1
    assert any(t[1] == "zip CRC" for t in tampered(report))


def test_not_a_package(tmp_path: Path, isolated: Path) -> None:
    (tmp_path / "plain").mkdir()
    code, out = cli("verify", str(tmp_path / "plain"))
    assert code == 1 and "is not a BagIt bag or a WACZ" in out
    code, out = cli("verify", str(tmp_path / "missing.wacz"))
    assert code == 1 and "does not exist" in out
    (tmp_path / "text.wacz").write_text("hello")
    code, out = cli("verify", str(tmp_path / "text.wacz"))
    assert code == 1 and "neither a folder nor a zip" in out
    assert not isolated.exists()


def test_unsealed_capture_checked_against_custody_log(
    export_world: ExportWorld, tmp_path: Path
) -> None:
    unsealed = export_world.capture_ids[2]
    bag = tmp_path / "bag"
    code, out = cli("export", unsealed, "--format", "bagit", "-o", str(bag), home=export_world.home)
    assert code == 0, out
    capture = _first_capture(bag)
    name, path = _artifact(capture, "dom.html")
    with export_world.archive.session() as session:
        recorded = session.exec(
            select(CustodyEvent).where(
                CustodyEvent.action == "capture.recorded", CustodyEvent.subject_id == unsealed
            )
        ).one()
    flip_byte(bag / path)
    code, report = verify_json(bag)
    assert code == 1
    mine = [t for t in tampered(report) if t[0] == f"capture {unsealed} {name}"]
    assert len(mine) == 1 and mine[0][1:3] == ("sha256", recorded.payload["artifacts"][name])


def test_older_checkpoint_is_consistent_with_newest(packages: Packages, tmp_path: Path) -> None:
    with zipfile.ZipFile(packages.zipped_bag) as zipped:
        zipped.extractall(tmp_path)
    (bag,) = list(tmp_path.iterdir())
    index = index_of(bag)
    sizes = sorted(c["tree_size"] for c in index["checkpoints"])
    assert len(sizes) == 2, "the newest checkpoint and the newest timestamped one"
    code, report = verify_json(bag)
    assert code == 0
    check = f"consistent with checkpoint {sizes[1]}"
    assert (f"checkpoint {sizes[0]}", check, "ok") in {
        (f["subject"], f["check"], f["status"]) for f in report["findings"]
    }
    older = next(c for c in index["checkpoints"] if c["tree_size"] == sizes[0])
    older["consistency_with_newest"][0] = "00" * 32
    (bag / "data/provenance/package.json").write_text(json.dumps(index))
    code, report = verify_json(bag)
    assert code == 1
    assert (f"checkpoint {sizes[0]}", check) in {t[:2] for t in tampered(report)}


def test_malformed_index_and_unsafe_zip_names_are_findings(
    packages: Packages, tmp_path: Path
) -> None:
    edited = tmp_path / "edited.wacz"
    with zipfile.ZipFile(packages.wacz) as zipped:
        index = json.loads(zipped.read("provenance/package.json"))
    index["captures"][0]["artifacts"] = ["not", "a", "mapping"]
    rewrite_zip_member(packages.wacz, edited, "provenance/package.json", json.dumps(index).encode())
    code, report = verify_json(edited)
    assert code == 1
    assert ("package.json", "index format") in {t[:2] for t in tampered(report)}
    sneaky = tmp_path / "sneaky.wacz"
    shutil.copy(packages.wacz, sneaky)
    with zipfile.ZipFile(sneaky, "a") as zipped:
        zipped.writestr("../outside.txt", b"escape")
    code, report = verify_json(sneaky)
    assert code == 1
    assert ("zip member ../outside.txt", "safe path") in {t[:2] for t in tampered(report)}
    assert not (tmp_path.parent / "outside.txt").exists()


def test_capture_without_own_token_is_covered_by_a_timestamped_checkpoint(
    bag: Path, export_world: ExportWorld
) -> None:
    index = index_of(bag)
    capture = index["captures"][0]
    capture["tokens"] = []  # as for a capture whose own TSA request failed (batch mode)
    stamped = [c["tree_size"] for c in index["checkpoints"] if c["tokens"]]
    (bag / "data/provenance/package.json").write_text(json.dumps(index))
    _, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.bundle))
    found = {(f["subject"], f["check"]): (f["status"], f["found"]) for f in report["findings"]}
    assert found[(f"capture {capture['id']}", "timestamped")] == (
        "ok", f"via checkpoint {min(stamped)}",
    )  # fmt: skip
    for point in index["checkpoints"]:
        point["tokens"] = []
    (bag / "data/provenance/package.json").write_text(json.dumps(index))
    _, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.bundle))
    found = {(f["subject"], f["check"]): (f["status"], f["found"]) for f in report["findings"]}
    assert found[(f"capture {capture['id']}", "timestamped")] == ("unverifiable", "not timestamped")


def test_zip_larger_than_the_free_disk_is_refused(tmp_path, monkeypatch):
    """A zip bomb (or a package bigger than the disk) is refused before anything unpacks."""
    import collections
    import zipfile

    from archive.errors import EvidenceError
    from archive.export import package_verify, unpack

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data/zeros.bin", b"\0" * (8 << 20))
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(unpack.shutil, "disk_usage", lambda _p: usage(0, 0, 1 << 20))
    with pytest.raises(EvidenceError, match="unpacks to 8,388,608 bytes"):
        package_verify.verify_package(bomb)
