"""Row binding: every evidence row is covered by the custody event that created it.

Each evidence row inserted through a session is noted when it is flushed; the next custody event
appended in that session (`archive.custody.append`) lists those rows under `bound_rows` with the
SHA-256 of each row's canonical form (RFC 8785 JSON of `canonical_row`, read back from the
database), so the event's entry hash commits to every column. `archive.provenance.binding`
reconciles both ways: each bound row exists and hashes as recorded, each row has its event.

The canonical form is the one place rows become hashable values: the same function runs when
recording and when verifying, over the rows as the database returns them.
"""

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, event, select
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from archive.canonical import canonical_json, sha256_hex
from archive.models import Artifact, Capture, Case, Citation, PostSnapshot, Source, Target, Witness
from archive.provenance.models import OtsProof, TimestampToken
from archive.timeutil import iso

BOUND_MODELS = (
    Case,
    Source,
    Target,
    Citation,
    Capture,
    Artifact,
    PostSnapshot,
    TimestampToken,
    Witness,
    OtsProof,
)
BOUND_TABLES: dict[str, Table] = {m.__table__.name: m.__table__ for m in BOUND_MODELS}  # type: ignore[attr-defined]
PAYLOAD_KEY = "bound_rows"
MARKER_KEY = "row_binding"  # in the `archive.initialized` payload of archives that bind rows
_PENDING = "evidence_rows_unbound"
_SAFE_INT = 2**53


def row_key(table: str, row_id: str) -> str:
    """The name a row has in `bound_rows`: "table/id"."""
    return f"{table}/{row_id}"


def _canonical_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT < value < _SAFE_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    return str(value)


def canonical_row(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of a row as a JSON value: datetimes as ISO UTC, bytes as hex, integers past
    2**53 as decimal strings."""
    return {column.name: _canonical_value(values.get(column.name)) for column in table.columns}


def row_hash(table: Table, values: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 JSON of the row's canonical form."""
    return sha256_hex(canonical_json(canonical_row(table, values)))


def read_rows(session: Session, table: Table, ids: Iterable[str] | None = None) -> list[Any]:
    """Rows of `table` as the database returns them (all, or those with the given ids)."""
    statement = select(table)
    if ids is not None:
        statement = statement.where(table.c.id.in_(list(ids)))
    return [row._mapping for row in session.connection().execute(statement)]


def take_unbound(session: Session) -> dict[str, str]:
    """The `bound_rows` entry for the rows flushed in `session` since its last custody event."""
    pending: dict[str, set[str]] = session.info.pop(_PENDING, {})
    bound: dict[str, str] = {}
    for name, ids in sorted(pending.items()):
        table = BOUND_TABLES[name]
        for values in read_rows(session, table, ids):
            bound[row_key(name, values["id"])] = row_hash(table, values)
    return dict(sorted(bound.items()))


@event.listens_for(OrmSession, "after_flush")
def _note_inserted(session: OrmSession, _context: Any) -> None:
    """Remember each evidence row this flush inserted, for the next custody event."""
    for instance in session.new:
        table = getattr(type(instance), "__table__", None)
        if table is not None and table.name in BOUND_TABLES:
            session.info.setdefault(_PENDING, {}).setdefault(table.name, set()).add(instance.id)


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    """Rows of a rolled-back transaction were never stored: nothing is left to bind."""
    session.info.pop(_PENDING, None)
