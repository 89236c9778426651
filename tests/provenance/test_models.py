"""Migration 0003: the provenance tables exist, are append-only, and downgrade cleanly."""

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from archive.archive import Archive
from archive.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from archive.provenance.log import write_checkpoint
from archive.provenance.models import PROVENANCE_TABLES


def test_provenance_rows_are_append_only(archive: Archive) -> None:
    assert write_checkpoint(archive) is not None
    connection = sqlite3.connect(archive.home / "evidence.db")
    connection.execute(
        "INSERT INTO timestamp_token (id, subject_type, subject_id, message_sha256, tsa_url, "
        "status, created_at) VALUES ('tst_1', 'checkpoint', '2', 'aa', 'http://tsa', 'failed', "
        "'2026-01-01 00:00:00')"
    )
    connection.commit()
    for statement in (
        "UPDATE checkpoint SET root_hash = 'x'",
        "DELETE FROM checkpoint",
        "UPDATE timestamp_token SET status = 'ok'",
        "DELETE FROM timestamp_token",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute(statement)
    connection.close()


def test_downgrade_to_0002_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    upgrade(engine)
    assert set(PROVENANCE_TABLES) <= set(inspect(engine).get_table_names())
    command.downgrade(alembic_config(engine), "0002")
    assert current_revision(engine) == "0002"
    assert not set(PROVENANCE_TABLES) & set(inspect(engine).get_table_names())
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
