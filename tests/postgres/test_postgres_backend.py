"""The same archive code on PostgreSQL: migrations, append-only triggers, the custody chain."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from archive.archive import Archive
from archive.custody import check_chain, head
from archive.db import current_revision, head_revision
from archive.models import EVIDENCE_TABLES


def test_migrations_and_round_trip_on_postgres(tmp_path: Path, pg_url: str) -> None:
    with Archive.open(tmp_path, {"database_url": pg_url}) as archive:
        assert archive.engine.dialect.name == "postgresql"
        assert current_revision(archive.engine) == head_revision()
        assert set(EVIDENCE_TABLES) <= set(inspect(archive.engine).get_table_names())
        with archive.session() as session:
            blob = archive.store_blob(session, b"bytes on postgres")
            case = archive.ensure_case(session, "pg case")
        with archive.session() as session:
            assert archive.store_blob(session, b"bytes on postgres").sha256 == blob.sha256
            assert check_chain(session) == []
            assert head(session).subject_id == case.id
            assert head(session).occurred_at.tzinfo is not None


def test_append_only_triggers_on_postgres(tmp_path: Path, pg_url: str) -> None:
    with Archive.open(tmp_path, {"database_url": pg_url}) as archive:
        with archive.session() as session:  # a Blob row comes with its first user: add one
            archive.add_blob_row(session, archive.store_blob(session, b"x"))
        for statement in ("UPDATE custody_event SET actor = 'm'", "DELETE FROM blob"):
            with pytest.raises(DatabaseError, match="append-only"), archive.session() as session:
                session.exec(text(statement))


def test_concurrent_appends_serialize_on_postgres(tmp_path: Path, pg_url: str) -> None:
    with Archive.open(tmp_path, {"database_url": pg_url}) as archive:
        errors: list[BaseException] = []

        def writer(name: str) -> None:
            try:
                for n in range(10):
                    with archive.session() as session:
                        archive.record(session, "test.event", "writer", name, {"n": n})
            except BaseException as exc:  # noqa: BLE001 - asserted below
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not errors
        with archive.session() as session:
            assert check_chain(session) == []
            assert head(session).seq == 41


def test_sizes_beyond_two_gib_fit(tmp_path: Path, pg_url: str) -> None:
    from archive.models import Blob

    with Archive.open(tmp_path, {"database_url": pg_url}) as archive:
        with archive.session() as session:
            session.add(Blob(sha256="f" * 64, sha512="e" * 128, size=5 * 1024**3))
        with archive.session() as session:
            assert session.get(Blob, "f" * 64).size == 5 * 1024**3


def test_full_text_search_on_postgres(tmp_path: Path, pg_url: str) -> None:
    from archive.ids import new_id
    from archive.models import Source
    from collector.web.views import search

    with Archive.open(tmp_path, {"database_url": pg_url}) as archive:
        with archive.session() as session:
            session.add(
                Source(
                    id=new_id("src"),
                    kind="url",
                    location="https://ex.org/a",
                    title="Drone strikes report",
                )
            )
            session.add(
                Source(id=new_id("src"), kind="url", location="https://ex.org/b", title="Weather")
            )
        with archive.session() as session:
            hits = search(session, "DRONE rep")["sources"]
            assert [hit["title"] for hit in hits] == ["Drone strikes report"]
            assert search(session, "'; DROP TABLE source; --")["sources"] == []
