"""Row binding: the canonical row form, archives made before it, and what a new archive binds."""

from datetime import UTC, datetime

import pytest

from archive import rowbinding
from archive.archive import Archive
from archive.models import Source
from archive.provenance.checks import NOT_BOUND
from archive.provenance.findings import TAMPERED, UNVERIFIABLE
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import verify_archive
from tests.provenance.sealing import seal_sample_captures
from tests.provenance.test_verify import attacker_sql, drop_triggers
from tests.provenance.tsa import LocalTsa


def test_canonical_row_values() -> None:
    table = Source.__table__  # type: ignore[attr-defined]
    moment = datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=UTC)
    row = rowbinding.canonical_row(table, {"id": "src_1", "fetched_at": moment, "http_status": 200})
    assert row["fetched_at"] == "2026-03-01T12:00:00.000005Z"
    assert row["http_status"] == 200 and row["title"] is None
    assert list(row) == [c.name for c in table.columns]
    assert rowbinding._canonical_value(2**60) == str(2**60)
    assert rowbinding._canonical_value(b"\x01\xff") == "01ff"


def test_archive_made_before_row_binding_still_verifies(
    tmp_path, tsa_env: LocalTsa, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its rows are 'not bound', unverifiable, never tampered; a new row made after the
    upgrade is bound."""
    with monkeypatch.context() as old_release:
        old_release.setattr(rowbinding, "MARKER_KEY", "not-the-marker")
        old_release.setattr(rowbinding, "take_unbound", lambda _session: {})
        archive = Archive.open(tmp_path / "home")
        seal_sample_captures(archive)
    trust = TrustStore.from_pem_file(tsa_env.bundle)
    findings = verify_archive(archive, trust)
    assert [f for f in findings if f.status == TAMPERED] == []
    unbound = [f for f in findings if f.found == NOT_BOUND]
    assert unbound and all(f.status == UNVERIFIABLE for f in unbound)
    with archive.session() as session:  # after the upgrade
        archive.ensure_case(session, "new")
    findings = verify_archive(archive, trust)
    assert not any(f.subject.startswith("case ") for f in findings if f.found == NOT_BOUND)
    archive.close()


def test_new_archive_binds_every_row(tmp_path, tsa_env: LocalTsa) -> None:
    archive = Archive.open(tmp_path / "home")
    seal_sample_captures(archive)
    findings = verify_archive(archive, TrustStore.from_pem_file(tsa_env.bundle))
    assert [f for f in findings if f.found == NOT_BOUND] == []
    summary = next(f for f in findings if f.check == "bound into the custody log")
    count, _of, total, _rows = summary.found.split()
    assert count == total and int(total) > 10
    attacker_sql(archive, *drop_triggers("capture"),
                 "UPDATE capture SET status = 'complete', manifest_sha256 = NULL")  # fmt: skip
    bad = [f for f in verify_archive(archive) if f.status == TAMPERED]
    checks = {f.check for f in bad}
    assert "manifest recorded in custody log" in checks  # tampered, not "not sealed"
    assert any(c.startswith("row hashes as custody event") for c in checks)
    archive.close()
