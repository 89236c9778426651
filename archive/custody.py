"""The custody log: a hash chain of every write that creates or changes evidence.

Each event's `entry_hash` is the SHA-256 of the canonical JSON of its fields and the previous
event's hash, so removing, reordering or editing any event breaks every later link.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from archive import rowbinding
from archive.canonical import canonical_json, sha256_hex
from archive.models import CustodyEvent
from archive.timeutil import iso, utcnow

GENESIS_HASH = "0" * 64
_PG_APPEND_LOCK = 0x45564944  # advisory lock id that serializes appends on PostgreSQL


ENTRY_FIELDS = (
    "seq", "occurred_at", "actor", "action", "subject_type", "subject_id", "payload_sha256",
    "prev_hash",
)  # fmt: skip


def payload_hash(payload: Any) -> str:
    """The `payload_sha256` an event's payload must carry."""
    return sha256_hex(canonical_json(payload))


def record_entry_hash(record: Mapping[str, Any]) -> str:
    """The entry hash of an event given as a record (`occurred_at` an ISO string, as exported);
    KeyError when a field is missing."""
    return sha256_hex(canonical_json({name: record[name] for name in ENTRY_FIELDS}))


def entry_hash(event: CustodyEvent) -> str:
    """The hash an event must carry, computed from its own fields."""
    fields = {name: getattr(event, name) for name in ENTRY_FIELDS}
    return record_entry_hash({**fields, "occurred_at": iso(event.occurred_at)})


def head(session: Session) -> CustodyEvent | None:
    """The newest event, or None for an empty log."""
    statement = select(CustodyEvent).order_by(CustodyEvent.seq.desc()).limit(1)  # type: ignore[union-attr]
    return session.exec(statement).first()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, Any],
) -> CustodyEvent:
    """Append one event inside the caller's transaction and return it.

    The evidence rows flushed in this session since its previous event are bound into this one:
    listed under `bound_rows` in the payload with the hash of each row (`archive.rowbinding`).
    """
    session.flush()
    bound = rowbinding.take_unbound(session)
    if bound:
        payload = {**payload, rowbinding.PAYLOAD_KEY: bound}
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text(f"SELECT pg_advisory_xact_lock({_PG_APPEND_LOCK})"))  # type: ignore[call-overload]
    last = head(session)
    event = CustodyEvent(
        seq=(last.seq + 1) if last else 1,
        occurred_at=utcnow(),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        payload_sha256=payload_hash(payload),
        prev_hash=last.entry_hash if last else GENESIS_HASH,
        entry_hash="",
    )
    event.entry_hash = entry_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    """One broken link found by `check_chain`."""

    seq: int
    check: str
    expected: str
    found: str


def check_chain(session: Session) -> list[ChainProblem]:
    """Re-derive every hash in the log; return what does not hold (empty when intact)."""
    problems: list[ChainProblem] = []
    previous_hash = GENESIS_HASH
    expected_seq = 1
    statement = select(CustodyEvent).order_by(CustodyEvent.seq)  # type: ignore[arg-type]
    for event in session.exec(statement):
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, "sequence", str(expected_seq), str(event.seq)))
        recomputed_payload = payload_hash(event.payload)
        if recomputed_payload != event.payload_sha256:
            problems.append(
                ChainProblem(event.seq, "payload hash", event.payload_sha256, recomputed_payload)
            )
        if event.prev_hash != previous_hash:
            problems.append(
                ChainProblem(event.seq, "previous hash", previous_hash, event.prev_hash)
            )
        recomputed = entry_hash(event)
        if recomputed != event.entry_hash:
            problems.append(ChainProblem(event.seq, "entry hash", recomputed, event.entry_hash))
        previous_hash = event.entry_hash
        expected_seq = event.seq + 1
    return problems
