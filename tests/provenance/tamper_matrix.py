"""The tamper matrix: insert, delete and edit every evidence row and column, as an insider would.

Cases are generated from the SQLModel metadata (`archive.rowbinding.BOUND_TABLES`), so a new
evidence table or column is covered without touching this file. Each case is applied through a
plain SQLAlchemy connection (no archive listeners) after the append-only triggers are dropped.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, UniqueConstraint, select, text

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Citation, PostSnapshot, Source, Target, Witness
from archive.provenance.models import OtsProof
from archive.rowbinding import BOUND_TABLES
from archive.vocabulary import (
    Availability,
    CitationKind,
    CustodyAction,
    OtsStatus,
    WitnessMethod,
    WitnessService,
    WitnessStatus,
)
from tests.provenance.sealing import seal_sample_captures, store_capture

FORGED_ID_SUFFIX = "forged"


@dataclass(frozen=True)
class Case:
    """One change: `action` (insert | delete | edit) on `table`'s row `row_id` (`column`)."""

    table: str
    action: str
    row_id: str
    column: str | None = None

    @property
    def name(self) -> str:
        column = f".{self.column}" if self.column else ""
        return f"{self.action} {self.table}{column}"

    @property
    def named_ids(self) -> tuple[str, ...]:
        """Ids a finding may name to name this record."""
        return (self.row_id, self.row_id + FORGED_ID_SUFFIX)


def populate(archive: Archive) -> str:
    """An archive with at least one row in every evidence table, each made with its event;
    returns the id of the oldest capture, which has a post snapshot and timestamp tokens."""

    def post(capture_id: str) -> list[PostSnapshot]:
        return [
            PostSnapshot(
                id=new_id("post"),
                capture_id=capture_id,
                platform="twitter",
                post_id="1",
                availability=Availability.AVAILABLE,
                author_handle="a",
                author_name="A",
                author_id="11",
                posted_at=datetime(2026, 2, 1, tzinfo=UTC),
                text="hello",
                language="en",
                reply_to_id="0",
                quoted_post_id="2",
                media=[{"k": 1}],
                links=[{"u": 1}],
                metrics={"likes": 3},
            )  # fmt: skip
        ]

    seal, _ = store_capture(archive, "https://x.com/a/status/1", b"first", posts=post)
    seal_sample_captures(archive)
    with archive.session() as session:
        case = archive.ensure_case(session, "matrix", "every evidence table")
        blob = archive.store_blob(session, b"<html><title>Article</title></html>")
        source = Source(
            id=new_id("src"), case_id=case.id, kind="url", location="https://news.example/a",
            final_url="https://news.example/a", http_status=200, media_type="text/html",
            title="Article", content_sha256=blob.sha256, investigator="Jane Doe",
            fetched_at=datetime(2026, 3, 1, tzinfo=UTC),
        )  # fmt: skip
        target = Target(
            id=new_id("tgt"), key="x.com/a/status/1", platform="twitter",
            kind=CitationKind.POST, canonical_url="https://x.com/a/status/1", post_id="1",
            author_handle="a",
        )  # fmt: skip
        session.add_all([source, target])
        session.flush()
        session.add(
            Citation(
                id=new_id("cit"),
                source_id=source.id,
                target_id=target.id,
                position=0,
                kind=CitationKind.POST,
                platform="twitter",
                url=target.canonical_url,
                post_id="1",
                author_handle="a",
                author_name="A",
                posted_at="2026-02-01",
                text="cited",
                occurrences=[{"at": 1}],
                links=[{"url": "https://t.co/x"}],
            )  # fmt: skip
        )
        session.flush()
        archive.record(session, CustodyAction.SOURCE_EXTRACTED, "source", source.id, {})
    with archive.session() as session:
        witness = Witness(
            id=new_id("wit"), target_id=target.id, capture_id=seal.capture_id,
            service=WitnessService.WAYBACK, method=WitnessMethod.AVAILABILITY,
            status=WitnessStatus.FOUND, request_url="https://web.archive.example/wayback/available",
            url=target.canonical_url, memento_url="https://web.archive.example/web/1/x",
            memento_at=datetime(2026, 3, 2, tzinfo=UTC), mementos=[{"url": "m"}],
            details={"answer": 1},
        )  # fmt: skip
        session.add(witness)
        session.flush()
        archive.record(session, CustodyAction.WITNESS_RECORDED, "witness", witness.id, {})
    with archive.session() as session:
        proof = OtsProof(
            id=new_id("ots"), tree_size=1, message_sha256="0" * 64, status=OtsStatus.FAILED,
            calendars=["https://calendar.example"], errors=["calendar down"],
        )  # fmt: skip
        session.add(proof)
        session.flush()
        archive.record(session, CustodyAction.OTS_RECORDED, "ots_proof", proof.id, {})
    return seal.capture_id


def cases(connection: Connection) -> list[Case]:
    """Insert, delete and every column's edit, on one row of every evidence table."""
    found = []
    for name, table in BOUND_TABLES.items():
        row_id = connection.execute(select(table.c.id).order_by(table.c.id)).scalars().first()
        assert row_id is not None, f"the matrix archive has no {name} row"
        found += [Case(name, "insert", row_id), Case(name, "delete", row_id)]
        found += [Case(name, "edit", row_id, column.name) for column in table.columns]
    return found


def _changed(value: Any) -> Any:
    """A different value of the same type."""
    if isinstance(value, datetime):
        return value + timedelta(seconds=1)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):  # same length: columns may have a maximum
        return value[:-1] + ("y" if value.endswith("x") else "x")
    if isinstance(value, dict):
        return {**value, "forged": 1}
    if isinstance(value, list):
        return [*value, "forged"]
    raise TypeError(f"no edit for {value!r}")


def _value_for_null(table: Table, column: str) -> Any:
    python_type = table.c[column].type.python_type
    if python_type is datetime:
        return datetime(2026, 1, 1, tzinfo=UTC)
    return {int: 1, str: "forged"}.get(python_type, "forged")


def _unique_columns(table: Table) -> set[str]:
    names = {c.name for c in table.columns if c.unique}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            names |= {c.name for c in constraint.columns}
    return names


def drop_triggers(connection: Connection, table: str) -> None:
    """What an insider with the database does first: drop the append-only triggers."""
    on = f' ON "{table}"' if connection.dialect.name == "postgresql" else ""
    for verb in ("update", "delete"):
        connection.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}{on}"))


def apply(connection: Connection, case: Case) -> None:
    """Make the case's change (foreign keys unchecked, as with the `sqlite3` CLI)."""
    table = BOUND_TABLES[case.table]
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET session_replication_role = replica"))
    drop_triggers(connection, case.table)
    where = table.c.id == case.row_id
    row = dict(connection.execute(select(table).where(where)).one()._mapping)
    if case.action == "delete":
        connection.execute(table.delete().where(where))
    elif case.action == "insert":
        copy = {**row, "id": case.row_id + FORGED_ID_SUFFIX}
        for name in _unique_columns(table) - {"id"}:
            if isinstance(copy[name], str):
                copy[name] += "-copy"
        connection.execute(table.insert().values(copy))
    else:
        assert case.column is not None
        current = row[case.column]
        value = _value_for_null(table, case.column) if current is None else _changed(current)
        if case.column == "id":
            value = case.row_id + FORGED_ID_SUFFIX
        connection.execute(table.update().where(where).values({case.column: value}))
