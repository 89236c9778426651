"""Full-text search: FTS5 on SQLite, filled by insert triggers and backfilled by migration."""

import sqlite3
from pathlib import Path

from archive.archive import Archive
from archive.db import make_engine, upgrade
from archive.ids import new_id
from archive.models import Source
from collector.web.views import search


def _add_source(archive: Archive, title: str) -> str:
    with archive.session() as session:
        source = Source(id=new_id("src"), kind="url", location="https://ex.org/a", title=title)
        session.add(source)
    return source.id


def test_prefix_accent_and_case_insensitive(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        drones = _add_source(archive, "Drohnen über Kyjiw: Bericht")
        _add_source(archive, "Something unrelated")
        with archive.session() as session:
            assert [s["id"] for s in search(session, "uber DROHNE")["sources"]] == [drones]
            assert search(session, "drohnen missing-word")["sources"] == []
            assert search(session, '"); DROP TABLE source; --')["sources"] == []
            assert search(session, "   ")["sources"] == []


def test_migration_backfills_rows_written_before_it(tmp_path: Path) -> None:
    db = tmp_path / "evidence.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0003")
    engine.dispose()
    connection = sqlite3.connect(db)
    connection.execute(
        "INSERT INTO source (id, kind, location, title, created_at) VALUES "
        "('src_old', 'url', 'https://ex.org/old', 'An older archived article', "
        "'2025-01-01 00:00:00.000000')"
    )
    connection.commit()
    connection.close()
    with Archive.open(tmp_path) as archive, archive.session() as session:
        assert [s["id"] for s in search(session, "older")["sources"]] == ["src_old"]
