"""Read-only queries that turn archive rows into plain dicts with stable keys."""

import re
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from archive import custody
from archive.errors import NotFoundError
from archive.ids import PREFIXES
from archive.models import (
    Artifact,
    Blob,
    Capture,
    Case,
    Citation,
    CustodyEvent,
    PostSnapshot,
    Source,
    Target,
)
from archive.provenance.models import Checkpoint, TimestampToken
from archive.vocabulary import CustodyAction

MODELS: dict[str, type[SQLModel]] = {
    "Case": Case,
    "Source": Source,
    "Citation": Citation,
    "Target": Target,
    "Capture": Capture,
    "Artifact": Artifact,
    "PostSnapshot": PostSnapshot,
    "TimestampToken": TimestampToken,
}
LISTABLE: dict[str, type[SQLModel]] = {
    "cases": Case,
    "sources": Source,
    "targets": Target,
    "captures": Capture,
    "events": CustodyEvent,
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def as_dict(row: SQLModel) -> dict[str, Any]:
    """All columns of a row, in declaration order."""
    return {name: getattr(row, name) for name in type(row).model_fields}


def counts(session: Session) -> dict[str, int]:
    """Row counts for every table, keyed by table name."""
    models = [*MODELS.values(), Blob, CustodyEvent, Checkpoint]
    return {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()  # type: ignore[attr-defined]
        for model in models
    }


def list_rows(session: Session, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of one listable kind, newest first."""
    model = LISTABLE[kind]
    order = CustodyEvent.seq.desc() if model is CustodyEvent else model.id.desc()  # type: ignore[attr-defined]
    statement = select(model).order_by(order)
    if limit:
        statement = statement.limit(limit)
    return [as_dict(row) for row in session.exec(statement)]


def get_record(session: Session, record_id: str) -> dict[str, Any]:
    """One record by id (or blob by SHA-256, custody event by number) with its children."""
    if _SHA256.match(record_id):
        blob = session.get(Blob, record_id)
        if blob is None:
            raise NotFoundError(f"no blob with SHA-256 {record_id}")
        return {"type": "Blob", **as_dict(blob)}
    if record_id.isdigit():
        event = session.get(CustodyEvent, int(record_id))
        if event is None:
            raise NotFoundError(f"no custody event number {record_id}")
        return {"type": "CustodyEvent", **as_dict(event)}
    prefix = record_id.split("_", 1)[0]
    type_name = PREFIXES.get(prefix)
    if type_name is None:
        raise NotFoundError(
            f"{record_id!r} is not a record id (ids look like cap_01..., src_01..., tgt_01...)"
        )
    row = session.get(MODELS[type_name], record_id)
    if row is None:
        raise NotFoundError(f"no {type_name.lower()} with id {record_id}")
    record = {"type": type_name, **as_dict(row)}
    record.update(_children(session, row))
    record["events"] = [
        as_dict(event)
        for event in session.exec(
            select(CustodyEvent)
            .where(CustodyEvent.subject_id == record_id)
            .order_by(CustodyEvent.seq)  # type: ignore[arg-type]
        )
    ]
    return record


def _children(session: Session, row: SQLModel) -> dict[str, Any]:
    if isinstance(row, Capture):
        return {
            "artifacts": _all(session, select(Artifact).where(Artifact.capture_id == row.id)),
            "posts": _all(session, select(PostSnapshot).where(PostSnapshot.capture_id == row.id)),
        }
    if isinstance(row, Source):
        return {
            "citations": _all(
                session,
                select(Citation).where(Citation.source_id == row.id).order_by(Citation.position),  # type: ignore[arg-type]
            ),
            "captures": _all(session, select(Capture).where(Capture.source_id == row.id)),
        }
    if isinstance(row, Target):
        return {
            "captures": _all(session, select(Capture).where(Capture.target_id == row.id)),
            "citations": _all(session, select(Citation).where(Citation.target_id == row.id)),
        }
    if isinstance(row, Case):
        return {
            "sources": _all(session, select(Source).where(Source.case_id == row.id)),
            "captures": _all(session, select(Capture).where(Capture.case_id == row.id)),
        }
    return {}


def _all(session: Session, statement: Any) -> list[dict[str, Any]]:
    return [as_dict(row) for row in session.exec(statement)]


def chain_status(session: Session) -> dict[str, Any]:
    """The custody chain's length, head hash and any broken links."""
    last = custody.head(session)
    problems = custody.check_chain(session)
    return {
        "events": last.seq if last else 0,
        "head": last.entry_hash if last else custody.GENESIS_HASH,
        "intact": not problems,
        "problems": [problem.__dict__ for problem in problems],
    }


def changes(session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    """Changes rechecks recorded (`target.changed` custody events), newest first."""
    statement = (
        select(CustodyEvent)
        .where(CustodyEvent.action == CustodyAction.TARGET_CHANGED)
        .order_by(CustodyEvent.seq.desc())  # type: ignore[union-attr]
    )
    if limit:
        statement = statement.limit(limit)
    return [
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at,
            "target_id": event.subject_id,
            "from_capture": event.payload.get("from_capture"),
            "to_capture": event.payload.get("to_capture"),
            "changes": event.payload.get("changes", []),
        }
        for event in session.exec(statement)
    ]
