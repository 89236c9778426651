"""Sealing, checkpoints, tokens and verify on a real PostgreSQL (skipped without its binaries)."""

from pathlib import Path

import pytest
from sqlalchemy import text

from archive.archive import Archive
from archive.provenance.timestamps import TrustStore
from archive.provenance.verify import TAMPERED, UNVERIFIABLE, verify_archive
from tests.postgres.conftest import pg_url, postgres  # noqa: F401 (fixtures)
from tests.provenance.sealing import seal_sample_captures
from tests.provenance.tsa import LocalTsa


def test_seal_and_verify_on_postgres(
    pg_url: str,  # noqa: F811
    tsa_env: LocalTsa,
    tmp_path: Path,
) -> None:
    with Archive.open(tmp_path / "home", {"database_url": pg_url}) as archive:
        sealed = seal_sample_captures(archive)
        findings = verify_archive(archive, TrustStore.from_pem_file(tsa_env.bundle))
        assert [f for f in findings if f.status in (TAMPERED, UNVERIFIABLE)] == []
        with archive.engine.connect() as connection, pytest.raises(Exception, match="append-only"):
            connection.execute(text("DELETE FROM checkpoint"))
        assert sealed.seals
