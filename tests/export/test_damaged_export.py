"""Export refuses damaged evidence: with one byte of a stored blob flipped (or the blob gone),
every format stops with a one-line error naming the blob and its capture, exits 1 and leaves
nothing behind; `--allow-damaged` packs it with the damage recorded in package.json,
VERIFY.md, the report and the custody log, and `evidence verify` still reports it."""

import hashlib
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from archive.archive import Archive
from archive.models import Artifact, CustodyEvent
from archive.vocabulary import CustodyAction
from tests.export.checks import cli, verify_json
from tests.export.conftest import ExportWorld, Packages

OUTPUTS = ["bag", "bag.zip", "out.wacz", "report.html"]
FORMATS = {"bag": "bagit", "bag.zip": "bagit", "out.wacz": "wacz", "report.html": "report"}


def _copy_home(source: Path, target: Path) -> None:
    """A consistent copy of an open archive home (SQLite through its backup API)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("evidence.db*"))
    with (
        sqlite3.connect(source / "evidence.db") as old,
        sqlite3.connect(target / "evidence.db") as new,
    ):
        old.backup(new)


@pytest.fixture
def damaged(export_world: ExportWorld, tmp_path: Path) -> Iterator[tuple[Path, Artifact]]:
    """A copy of the export archive whose first capture's viewport screenshot blob has one
    byte flipped; (home, that artifact)."""
    home = tmp_path / "home"
    _copy_home(export_world.home, home)
    archive = Archive.open(home)
    try:
        with archive.session() as session:
            artifact = session.exec(
                select(Artifact).where(
                    Artifact.capture_id == export_world.capture_ids[0],
                    Artifact.role == "screenshot-viewport",
                )
            ).one()
        path = archive.blobs.path(artifact.blob_sha256)  # type: ignore[attr-defined]
    finally:
        archive.close()
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    yield home, artifact


@pytest.mark.parametrize("name", OUTPUTS)
def test_export_of_damaged_evidence_is_refused(
    name: str, damaged: tuple[Path, Artifact], export_world: ExportWorld, tmp_path: Path
) -> None:
    home, artifact = damaged
    out = tmp_path / "out"
    out.mkdir()
    code, output = cli(
        "export", export_world.source_id, "--format", FORMATS[name], "-o", str(out / name),
        home=home,
    )  # fmt: skip
    assert code == 1
    line = output.strip()
    assert "\n" not in line and "Traceback" not in output
    assert artifact.blob_sha256 in line and artifact.capture_id in line
    assert any(f" {n}: blob" in line for n in _names_of(home, artifact.blob_sha256))
    assert "--allow-damaged" in line
    assert list(out.iterdir()) == []  # no package, no temporary left behind


def test_missing_blob_is_refused(
    damaged: tuple[Path, Artifact], export_world: ExportWorld, tmp_path: Path
) -> None:
    home, artifact = damaged
    archive = Archive.open(home)
    try:
        archive.blobs.path(artifact.blob_sha256).unlink()  # type: ignore[attr-defined]
    finally:
        archive.close()
    code, output = cli(
        "export", export_world.source_id, "--format", "bagit", "-o", str(tmp_path / "b"),
        home=home,
    )  # fmt: skip
    assert code == 1 and "is missing from the archive" in output
    assert not (tmp_path / "b").exists()


def _names_of(home: Path, blob: str) -> set[str]:
    """The names of every artifact holding `blob` (a fixture capture reuses its screenshot
    as a media file)."""
    archive = Archive.open(home)
    try:
        with archive.session() as session:
            return set(session.exec(select(Artifact.name).where(Artifact.blob_sha256 == blob)))
    finally:
        archive.close()


def _damage_event(home: Path) -> dict[str, object]:
    archive = Archive.open(home)
    try:
        with archive.session() as session:
            event = session.exec(
                select(CustodyEvent)
                .where(CustodyEvent.action == CustodyAction.EXPORT_CREATED)
                .order_by(CustodyEvent.seq.desc())  # type: ignore[attr-defined]
            ).first()
            assert event is not None
            return dict(event.payload)
    finally:
        archive.close()


def test_allow_damaged_packs_and_records_the_damage(
    damaged: tuple[Path, Artifact], export_world: ExportWorld, tmp_path: Path
) -> None:
    home, artifact = damaged
    bag = tmp_path / "bag"
    code, output = cli(
        "export", export_world.source_id, "--format", "bagit", "-o", str(bag),
        "--allow-damaged", home=home,
    )  # fmt: skip
    assert code == 0, output
    assert "WARNING" in output and artifact.blob_sha256 in output
    index = json.loads((bag / "data/provenance/package.json").read_text())
    record = next(d for d in index["damaged"] if d["path"].endswith(artifact.name))
    assert {d["expected_sha256"] for d in index["damaged"]} == {artifact.blob_sha256}
    assert len(index["damaged"]) == len(_names_of(home, artifact.blob_sha256))
    assert record["path"] == f"data/captures/{artifact.capture_id}/{artifact.name}"
    stored = (bag / record["path"]).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == record["found_sha256"] != artifact.blob_sha256
    assert record["path"] in (bag / "data/provenance/VERIFY.md").read_text()
    assert "damaged evidence" in (bag / "data/provenance/VERIFY.md").read_text()
    payload = _damage_event(home)
    assert payload["damaged"] == [
        {"blob": artifact.blob_sha256, "found_sha256": record["found_sha256"]}
    ]
    code, report = verify_json(bag, "--tsa-ca-bundle", str(export_world.tsa.pki / "root.crt"))
    assert code == 1
    checks = {(f["subject"], f["check"]) for f in report["findings"] if f["status"] == "tampered"}
    assert (f"package file {record['path']}", f"damage recorded at export ({record['what']})") in (
        checks
    )
    assert (f"capture {artifact.capture_id} {artifact.name}", "sha256") in checks


def test_allow_damaged_wacz_and_report_say_so(
    damaged: tuple[Path, Artifact], export_world: ExportWorld, tmp_path: Path
) -> None:
    home, artifact = damaged
    wacz, report = tmp_path / "x.wacz", tmp_path / "r.html"
    for fmt, path in (("wacz", wacz), ("report", report)):
        code, output = cli(
            "export", export_world.source_id, "--format", fmt, "-o", str(path),
            "--allow-damaged", home=home,
        )  # fmt: skip
        assert code == 0, output
    with zipfile.ZipFile(wacz) as zipped:
        index = json.loads(zipped.read("provenance/package.json"))
    assert {d["expected_sha256"] for d in index["damaged"]} == {artifact.blob_sha256}
    text = report.read_text()
    assert "Damaged evidence" in text and artifact.blob_sha256 in text
    assert _damage_event(home)["damaged"]


def test_intact_export_records_no_damage(packages: Packages) -> None:
    bag = packages.bag
    index = json.loads((bag / "data/provenance/package.json").read_text())
    assert index["damaged"] == []
    assert "damaged" not in (bag / "data/provenance/VERIFY.md").read_text()
