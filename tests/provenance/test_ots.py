"""OpenTimestamps: every checkpoint stamped through a loopback calendar built with the
`opentimestamps` library, `timestamp --upgrade`, and verify against offline block headers."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from archive.archive import Archive
from archive.export import export
from archive.export.package_verify import verify_package
from archive.provenance import checks, ots
from archive.provenance.anchors import current_proofs, upgrade_pending
from archive.provenance.findings import OK, PENDING, TAMPERED, UNVERIFIABLE
from archive.provenance.models import Checkpoint
from archive.provenance.seal import finish_writes
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from collector.cli.app import app
from tests.provenance.ots_calendar import HEIGHT, OtsCalendar
from tests.provenance.sealing import seal_sample_captures
from tests.provenance.tsa import LocalTsa


@pytest.fixture
def calendar(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtsCalendar]:
    running = OtsCalendar().start()
    monkeypatch.setenv("EVIDENCE_OTS_CALENDARS", running.url)
    monkeypatch.delenv("EVIDENCE_TSA_URLS", raising=False)
    yield running
    running.stop()


def _stamped(archive: Archive) -> tuple[int, str]:
    with archive.session() as session:
        archive.ensure_case(session, "OTS")
    finish = finish_writes(archive)
    assert finish.checkpoint is not None
    (proof,) = finish.ots_proofs
    assert proof.status == "pending" and proof.tree_size == finish.checkpoint.tree_size
    return finish.checkpoint.tree_size, finish.checkpoint.note


def _ots_findings(archive: Archive, headers: dict[int, bytes] | None = None) -> list:
    return [
        f for f in verify_archive(archive, block_headers=headers) if "OpenTimestamps" in f.check
    ]


def _cli(archive: Archive, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(archive.home), *args])
    return result.exit_code, result.stdout + result.stderr


def test_checkpoint_stamped_pending_then_upgraded_and_verified(
    archive: Archive, calendar: OtsCalendar, tmp_path: Path
) -> None:
    size, note = _stamped(archive)
    (finding,) = _ots_findings(archive)
    assert finding.status == PENDING and calendar.url in (finding.found or "")
    code, out = _cli(archive, "timestamp", "--upgrade", "--json")
    assert code == 0 and json.loads(out) == {"upgraded": [], "still_pending": [size]}
    calendar.mine()
    code, out = _cli(archive, "timestamp", "--upgrade", "--json")
    assert code == 0, out
    answer = json.loads(out)
    assert answer["upgraded"][0]["status"] == "complete" and answer["still_pending"] == []
    with archive.session() as session:
        current = current_proofs(session)[size]
        assert current.status == "complete"
        assert current.message_sha256 == hashlib.sha256(note.encode()).hexdigest()
    (missing,) = _ots_findings(archive)
    assert missing.status == UNVERIFIABLE and str(HEIGHT) in (missing.expected or "")
    headers = tmp_path / "headers.txt"
    headers.write_text(f"# from my node\n{HEIGHT} {calendar.header().hex()}\n")
    code, out = _cli(archive, "verify", "--json", "--block-headers", str(headers))
    assert code == 0, out
    found = [f for f in json.loads(out)["findings"] if f["check"] == "OpenTimestamps proof"]
    assert found[0]["status"] == OK
    assert found[0]["found"] == f"Bitcoin block {HEIGHT} at 2024-12-02T00:00:00.000000Z"


def test_a_header_that_does_not_commit_is_tampered(archive: Archive, calendar: OtsCalendar) -> None:
    size, note = _stamped(archive)
    calendar.mine()
    _cli(archive, "timestamp", "--upgrade")
    other = OtsCalendar()
    other.commitments.append(b"\x01" * 32)
    (finding,) = _ots_findings(archive, {HEIGHT: other.header()})
    assert finding.status == TAMPERED
    other.server.server_close()


def test_proof_of_other_bytes_is_tampered(archive: Archive, calendar: OtsCalendar) -> None:
    _stamped(archive)
    with archive.session() as session:
        row = next(iter(current_proofs(session).values()))
        proof = archive.blobs.get(row.proof_sha256 or "")
    assert checks.ots_finding("c", proof, b"another note", {}).status == TAMPERED
    assert checks.ots_finding("c", b"not a proof", b"x", {}).status == TAMPERED


def test_calendar_down_is_recorded_and_never_fails_the_finish(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDENCE_OTS_CALENDARS", "http://127.0.0.1:9")
    monkeypatch.delenv("EVIDENCE_TSA_URLS", raising=False)
    with archive.session() as session:
        archive.ensure_case(session, "OTS")
    finish = finish_writes(archive)
    (proof,) = finish.ots_proofs
    assert proof.status == "failed" and "127.0.0.1:9" in proof.errors[0]
    (finding,) = _ots_findings(archive)
    assert finding.status == UNVERIFIABLE


def test_no_calendar_no_stamp(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIDENCE_OTS_CALENDARS", raising=False)
    with archive.session() as session:
        archive.ensure_case(session, "OTS")
    assert finish_writes(archive).ots_proofs == []
    code, out = _cli(archive, "timestamp", "--upgrade")
    assert code == 1 and "EVIDENCE_OTS_CALENDARS" in out


@pytest.mark.parametrize(
    "text", ["870000", "870000 zz", "-1 " + "00" * 80, "5 " + "00" * 79, "5 " + "00" * 80 + " x"]
)
def test_bad_header_files_are_one_line_errors(archive: Archive, tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        ots.read_block_headers(text)
    path = tmp_path / "h.txt"
    path.write_text(text)
    code, out = _cli(archive, "verify", "--block-headers", str(path))
    assert code == 1 and out.startswith("error: ") and "Traceback" not in out


def test_every_checkpoint_is_stamped_once(archive: Archive, calendar: OtsCalendar) -> None:
    _stamped(archive)
    finish = finish_writes(archive)  # the log grew by the ots.recorded event: a new checkpoint
    with archive.session() as session:
        sizes = sorted(p.tree_size for p in session.exec(select(Checkpoint)))
        assert sorted(current_proofs(session)) == sizes
    assert len(finish.ots_proofs) == 1
    assert calendar.submissions == 2


def test_packages_carry_the_proofs_and_their_verifier_checks_them(
    archive: Archive, calendar: OtsCalendar, tsa_env: LocalTsa, tmp_path: Path
) -> None:
    sealed = seal_sample_captures(archive)
    with archive.session() as session:
        assert len(current_proofs(session)) == 2  # both checkpoints, the unstamped first too
    calendar.mine()
    assert {p.status for p in upgrade_pending(archive)} == {"complete"}
    bag = tmp_path / "bag"
    export(archive, sealed.seals[0].capture_id, "bagit", bag)
    index = json.loads((bag / "data/provenance/package.json").read_text())
    anchors = [c["opentimestamps"] for c in index["checkpoints"] if c["opentimestamps"]]
    assert anchors and all((bag / a["path"]).read_bytes()[:1] == b"\x00" for a in anchors)
    trust = TrustStore.from_pem_file(tsa_env.bundle)
    found = [f for f in verify_package(bag, trust) if f.check == "OpenTimestamps proof"]
    assert found and {f.status for f in found} == {UNVERIFIABLE}
    headers = {HEIGHT + i: calendar.header(i) for i in range(len(calendar.commitments))}
    findings = verify_package(bag, trust, block_headers=headers)
    statuses = [f.status for f in findings if f.check == "OpenTimestamps proof"]
    assert statuses and set(statuses) == {OK}
