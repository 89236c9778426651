"""Schema migrations: an empty database and an archive from an older revision both upgrade."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect

from archive.archive import Archive
from archive.db import current_revision, head_revision, make_engine, upgrade
from archive.errors import ArchiveHomeError
from archive.models import EVIDENCE_TABLES


def test_empty_database_upgrades_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(EVIDENCE_TABLES) | {"case", "alembic_version"} <= tables
    upgrade(engine)  # idempotent
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_archive_from_first_revision_keeps_its_data(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0001")
    engine.dispose()
    connection = sqlite3.connect(db)
    connection.execute(
        "INSERT INTO \"case\" (id, name, created_at) VALUES ('case_old', 'old case', "
        "'2025-01-01 00:00:00.000000')"
    )
    connection.execute(
        "INSERT INTO blob (sha256, sha512, size, created_at) VALUES "
        f"('{'a' * 64}', '{'b' * 128}', 3, '2025-01-01 00:00:00.000000')"
    )
    connection.commit()
    connection.close()

    with Archive.open(tmp_path) as archive:
        assert current_revision(archive.engine) == head_revision()
        with archive.engine.connect() as conn:
            assert conn.exec_driver_sql('SELECT name FROM "case"').scalar() == "old case"
            assert conn.exec_driver_sql("SELECT size FROM blob").scalar() == 3
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        sqlite3.connect(db).execute("DELETE FROM blob")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    with Archive.open(tmp_path):
        pass
    connection = sqlite3.connect(tmp_path / "evidence.db")
    connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    connection.commit()
    with pytest.raises(ArchiveHomeError, match="newer than this release"):
        Archive.open(tmp_path)


def test_schema_head_constant_is_alembics_head() -> None:
    """The quick open path compares with SCHEMA_HEAD; it must name the newest migration."""
    from archive.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_opening_an_up_to_date_archive_loads_no_alembic(tmp_path) -> None:
    """Every command after the first opens the archive without importing Alembic."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from archive.archive import Archive\n"
        f"Archive.open({str(tmp_path)!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert first.stdout.strip() == "True"
    assert again.stdout.strip() == "False"
