"""Blob rows go into the database with the first row that refers to them.

`Archive.store_blob` writes the bytes and remembers the Blob row; this session listener inserts
it, just before a flush adds a row whose foreign key names that blob (a source's content, an
artifact, a timestamp token), in the same transaction. So the Blob row commits with its first
user or not at all: a crash or failed save between storing bytes and saving rows leaves no
unreferenced Blob row (only a file, which no record claims).
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from archive.models import Blob

REGISTRY = "stored_blobs"  # session.info key: the archive's {sha256: Blob} not yet inserted


def _blob_columns(model: type) -> list[str]:
    table = getattr(model, "__table__", None)
    if table is None:
        return []
    return [
        column.name
        for column in table.columns
        if any(fk.column.table.name == "blob" for fk in column.foreign_keys)
    ]


def insert_rows(session: Session | OrmSession, blobs: Iterable[Blob]) -> None:
    """Insert Blob rows, skipping any already there (content-addressed: same hash, same row)."""
    dialect = session.get_bind().dialect.name
    for blob in blobs:
        row = {"sha256": blob.sha256, "sha512": blob.sha512, "size": blob.size,
               "created_at": blob.created_at}  # fmt: skip
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite_insert if dialect == "sqlite" else pg_insert
            session.connection().execute(insert(Blob).values(**row).on_conflict_do_nothing())
        elif session.get(Blob, blob.sha256) is None:
            session.connection().execute(Blob.__table__.insert().values(**row))  # type: ignore[attr-defined]


def find(session: Session, sha256: str) -> Blob | None:
    """The Blob row of `sha256`: stored by this archive and not inserted yet, or in the
    database, or None."""
    stored: dict[str, Blob] = session.info.get(REGISTRY) or {}
    return stored.get(sha256) or session.get(Blob, sha256)


@event.listens_for(OrmSession, "before_flush")
def _insert_referenced(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Before rows that name stored blobs are inserted, insert those blobs' rows."""
    stored: dict[str, Blob] = session.info.get(REGISTRY) or {}
    if not stored:
        return
    wanted = []
    for instance in session.new:
        for name in _blob_columns(type(instance)):
            sha256 = getattr(instance, name, None)
            if sha256 in stored:  # kept: a rolled-back user leaves it for the next one
                wanted.append(stored[sha256])
    insert_rows(session, wanted)
