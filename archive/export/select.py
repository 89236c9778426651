"""Resolve an id (capture, source or case) to everything an export carries: the captures with
their artifacts and timestamp tokens, the sources and citations, the custody events that concern
them, and the latest checkpoint with an inclusion proof for each of those events.

A checkpoint covering the whole log is signed first when the log grew since the last one (a
checkpoint is not a custody event, so this does not grow the log).
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from archive import rowbinding
from archive.archive import Archive
from archive.errors import EvidenceError, NotFoundError
from archive.export.proofs import inclusion_proofs
from archive.export.tsa_chain import tsa_chain
from archive.models import (
    Artifact,
    Blob,
    Capture,
    Case,
    Citation,
    CustodyEvent,
    PostSnapshot,
    Source,
    Witness,
)
from archive.provenance import checkpoint_file, log, merkle
from archive.provenance.anchors import current_proofs
from archive.provenance.keys import PublicKey, ensure_key
from archive.provenance.models import Checkpoint, OtsProof, TimestampToken
from archive.provenance.sealing import SEALED_ROLE
from archive.timeutil import iso
from archive.vocabulary import CustodyAction

KEY_ACTIONS = (
    CustodyAction.KEY_CREATED,
    CustodyAction.WACZ_KEY_CREATED,
    CustodyAction.C2PA_CERT_RECORDED,
)
"""Events every package carries: the keys and certificates its signatures are checked with."""


@dataclass
class CaptureItem:
    """One capture with its artifacts, granted tokens and `capture.recorded` event."""

    capture: Capture
    artifacts: list[Artifact]
    tokens: list[TimestampToken]
    recorded_seq: int | None
    posts: list[PostSnapshot] = field(default_factory=list)
    witnesses: list[Witness] = field(default_factory=list)
    withheld: list[Artifact] = field(default_factory=list)
    """Sealed originals left out of the package: their rows travel, their bytes do not."""

    def artifact(self, *roles: str) -> Artifact | None:
        """The first artifact with one of `roles`, in the order given."""
        for role in roles:
            found = next((a for a in self.artifacts if a.role == role), None)
            if found is not None:
                return found
        return None


@dataclass
class CheckpointItem:
    """A checkpoint, its granted tokens and the inclusion proof (hex nodes) of each exported
    event it covers, by event number."""

    checkpoint: Checkpoint
    tokens: list[TimestampToken]
    proofs: dict[int, list[str]]
    consistency: list[str] = field(default_factory=list)  # RFC 9162 proof to the newest
    ots: OtsProof | None = None  # the current OpenTimestamps proof, if any


@dataclass
class Selection:
    """Everything one export holds."""

    kind: str  # capture | source | case
    id: str
    title: str
    key: PublicKey
    captures: list[CaptureItem]
    sources: list[Source] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    case: Case | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list["CheckpointItem"] = field(default_factory=list)
    sha512: dict[str, str] = field(default_factory=dict)
    kept_checkpoint: str | None = None  # the home's checkpoint file (`checkpoint_file`)
    records: list[dict[str, Any]] = field(default_factory=list)  # {"table", "row"} canonical
    tsa_intermediates: bytes | None = None  # PEM: the CA bundle's certificates on the tokens'
    # chains that are not roots (a verifier still needs the root from the TSA)
    damaged: dict[str, str] = field(default_factory=dict)  # blob -> found SHA-256, if allowed

    def tokens(self) -> list[TimestampToken]:
        """Every exported timestamp token (of captures and of checkpoints)."""
        return [t for c in self.captures for t in c.tokens] + [
            t for p in self.checkpoints for t in p.tokens
        ]

    def captures_of_target(self, target_id: str | None) -> list[CaptureItem]:
        """The selected captures of one target, newest first."""
        found = [c for c in self.captures if target_id and c.capture.target_id == target_id]
        return sorted(found, key=lambda c: c.capture.started_at, reverse=True)


def event_dict(event: CustodyEvent) -> dict[str, Any]:
    """A custody event as exported: every field, times as ISO UTC strings."""
    return {
        "seq": event.seq,
        "occurred_at": iso(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "payload": event.payload,
        "payload_sha256": event.payload_sha256,
        "prev_hash": event.prev_hash,
        "entry_hash": event.entry_hash,
    }


def _capture_ids(session: Session, kind: str, record_id: str) -> tuple[list[str], list[Source]]:
    """The capture ids and sources an id stands for."""
    if kind == "capture":
        return [record_id], []
    if kind == "source":
        sources = [session.get(Source, record_id)]
    else:
        sources = list(session.exec(select(Source).where(Source.case_id == record_id)))
    source_ids = [s.id for s in sources if s is not None]
    target_ids = set(
        session.exec(
            select(Citation.target_id).where(
                col(Citation.source_id).in_(source_ids), col(Citation.target_id).is_not(None)
            )
        )
    )
    statement = select(Capture.id).where(
        col(Capture.source_id).in_(source_ids) | col(Capture.target_id).in_(target_ids)
    )
    if kind == "case":
        statement = select(Capture.id).where(
            col(Capture.source_id).in_(source_ids)
            | col(Capture.target_id).in_(target_ids)
            | (Capture.case_id == record_id)
        )
    return sorted(set(session.exec(statement))), [s for s in sources if s is not None]


def _resolve(session: Session, record_id: str) -> tuple[str, str]:
    """(kind, title) of an exportable id, or NotFoundError."""
    prefix = record_id.split("_", 1)[0]
    model = {"cap": Capture, "src": Source, "case": Case}.get(prefix)
    if model is None:
        raise NotFoundError(
            f"{record_id!r} is not a capture, source or case id (cap_..., src_..., case_...)"
        )
    row = session.get(model, record_id)
    if row is None:
        raise NotFoundError(f"no {model.__tablename__} with id {record_id}")  # type: ignore[attr-defined]
    if isinstance(row, Capture):
        return "capture", row.final_url or row.requested_url
    if isinstance(row, Source):
        return "source", row.title or row.location
    return "case", row.name


def select_export(archive: Archive, record_id: str, include_sealed: bool = False) -> Selection:
    """Everything an export of `record_id` (a capture, source or case id) carries; sealed
    originals (`sealing.SEALED_ROLE`) only when `include_sealed`."""
    key = ensure_key(archive).public
    if _needs_checkpoint(archive):
        log.write_checkpoint(archive)
    with archive.session() as session:
        kind, title = _resolve(session, record_id)
        capture_ids, sources = _capture_ids(session, kind, record_id)
        if not capture_ids:
            raise EvidenceError(f"{record_id} has no captures to export")
        recorded = {
            e.subject_id: e
            for e in session.exec(
                select(CustodyEvent).where(
                    CustodyEvent.action == CustodyAction.CAPTURE_RECORDED,
                    col(CustodyEvent.subject_id).in_(capture_ids),
                )
            )
        }
        items = []
        for capture_id in capture_ids:
            capture = session.get(Capture, capture_id)
            assert capture is not None
            artifacts = list(
                session.exec(
                    select(Artifact)
                    .where(Artifact.capture_id == capture_id)
                    .order_by(Artifact.name)
                )
            )
            withheld = [a for a in artifacts if a.role == SEALED_ROLE and not include_sealed]
            artifacts = [a for a in artifacts if a not in withheld]
            tokens = list(
                session.exec(
                    select(TimestampToken).where(
                        TimestampToken.subject_type == "capture",
                        TimestampToken.subject_id == capture_id,
                        TimestampToken.status == "ok",
                    )
                )
            )
            posts = list(
                session.exec(select(PostSnapshot).where(PostSnapshot.capture_id == capture_id))
            )
            witnesses = list(
                session.exec(
                    select(Witness)
                    .where(Witness.capture_id == capture_id)
                    .order_by(col(Witness.created_at), col(Witness.id))
                )
            )
            event = recorded.get(capture_id)
            seq = event.seq if event else None
            items.append(CaptureItem(capture, artifacts, tokens, seq, posts, witnesses, withheld))
        digests = {a.blob_sha256 for item in items for a in item.artifacts}
        sha512 = {
            b.sha256: b.sha512
            for b in session.exec(select(Blob).where(col(Blob.sha256).in_(digests)))
        }
        source_ids = [s.id for s in sources]
        citations = list(
            session.exec(
                select(Citation)
                .where(col(Citation.source_id).in_(source_ids))
                .order_by(Citation.source_id, Citation.position)
            )
        )
        case_id = record_id if kind == "case" else None
        if kind == "capture":
            case_id = items[0].capture.case_id
        elif kind == "source" and sources:
            case_id = sources[0].case_id
        case = session.get(Case, case_id) if case_id else None
        witness_ids = {w.id for item in items for w in item.witnesses}
        subjects = {*capture_ids, *source_ids, *(c.id for c in citations), *witness_ids}
        if case is not None:
            subjects.add(case.id)
        records = _exported_records(session, items, sources, citations, case)
        keys = {rowbinding.row_key(r["table"], r["row"]["id"]) for r in records}
        chosen = [
            e
            for e in log.events(session)
            if e.subject_id in subjects
            or e.action in KEY_ACTIONS
            or keys & set(e.payload.get(rowbinding.PAYLOAD_KEY) or {})
        ]
        latest = log.latest_checkpoint(session)
        if latest is None:
            raise EvidenceError("the custody log has no checkpoint; run `evidence log checkpoint`")
        hashes = log.leaves(session)
        stamped = _stamped_checkpoints(session)
        anchored = current_proofs(session)
    chosen = [e for e in chosen if e.seq <= latest.tree_size]
    wanted = [latest.tree_size]
    for item in items:
        if not item.tokens and item.recorded_seq is not None:
            covering = [size for size in stamped if size >= item.recorded_seq]
            wanted += covering[:1]
    wanted += [size for size in stamped if size <= latest.tree_size][-1:]
    checkpoints = []
    for size in sorted(set(wanted), reverse=True):
        with archive.session() as session:
            checkpoint = session.get(Checkpoint, size)
        assert checkpoint is not None
        paths = inclusion_proofs(hashes, [e.seq - 1 for e in chosen if e.seq <= size], size)
        proofs = {index + 1: [node.hex() for node in path] for index, path in paths.items()}
        consistency = [p.hex() for p in merkle.consistency_proof(hashes, size, latest.tree_size)]
        checkpoints.append(
            CheckpointItem(
                checkpoint, stamped.get(size, []), proofs, consistency, anchored.get(size)
            )
        )
    selection = Selection(
        kind=kind,
        id=record_id,
        title=title,
        key=key,
        captures=items,
        sources=sources,
        citations=citations,
        case=case,
        events=[event_dict(e) for e in chosen],
        checkpoints=checkpoints,
        sha512=sha512,
        kept_checkpoint=checkpoint_file.read_note(checkpoint_file.path_in(archive.home)),
        records=records,
    )
    selection.tsa_intermediates = tsa_chain(archive, selection.tokens())
    return selection


def _needs_checkpoint(archive: Archive) -> bool:
    """False when every event after the latest checkpoint is an `export.created`: exports
    alone sign no new checkpoint, so a report and the bag exported after it hold the same one
    (an export's own event is never in a package: it comes after the checkpoint)."""
    with archive.session() as session:
        latest = log.latest_checkpoint(session)
        if latest is None:
            return True
        newer = list(
            session.exec(
                select(CustodyEvent.action).where(col(CustodyEvent.seq) > latest.tree_size)
            )
        )
    return not newer or any(action != CustodyAction.EXPORT_CREATED for action in newer)


def _exported_records(
    session: Session,
    items: list[CaptureItem],
    sources: list[Source],
    citations: list[Citation],
    case: Case | None,
) -> list[dict[str, Any]]:
    """The evidence rows a package carries, in their canonical form (`archive.rowbinding`),
    so a package verifier can hold each to the custody event that bound it."""
    wanted: dict[str, list[str]] = {
        "case": [case.id] if case else [],
        "source": [s.id for s in sources],
        "citation": [c.id for c in citations],
        "capture": [i.capture.id for i in items],
        "artifact": [a.id for i in items for a in [*i.artifacts, *i.withheld]],
        "post_snapshot": [p.id for i in items for p in i.posts],
        "timestamp_token": list(  # every request, failed ones too: each has its event
            session.exec(
                select(TimestampToken.id).where(
                    TimestampToken.subject_type == "capture",
                    col(TimestampToken.subject_id).in_([i.capture.id for i in items]),
                )
            )
        ),
    }
    records = []
    for name, ids in wanted.items():
        table = rowbinding.BOUND_TABLES[name]
        for values in sorted(rowbinding.read_rows(session, table, ids), key=lambda v: v["id"]):
            records.append({"table": name, "row": rowbinding.canonical_row(table, values)})
    return records


def _stamped_checkpoints(session: Session) -> dict[int, list[TimestampToken]]:
    """Granted checkpoint tokens by tree size, smallest tree first."""
    found: dict[int, list[TimestampToken]] = {}
    statement = select(TimestampToken).where(
        TimestampToken.subject_type == "checkpoint", TimestampToken.status == "ok"
    )
    for token in session.exec(statement):
        found.setdefault(int(token.subject_id), []).append(token)
    return dict(sorted(found.items()))
