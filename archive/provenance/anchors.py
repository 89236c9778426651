"""OpenTimestamps proofs of log checkpoints in the archive: stamp the checkpoints that have
none, upgrade pending ones, read the current proof of each. Every new proof row (a stamp or an
upgrade) is stored with its `.ots` bytes as a blob and an `ots.recorded` custody event."""

from sqlmodel import Session, col, select

from archive.archive import Archive
from archive.canonical import sha256_hex
from archive.ids import new_id
from archive.provenance import ots
from archive.provenance.models import Checkpoint, OtsProof
from archive.vocabulary import CustodyAction, OtsStatus
from archive.witness_settings import witness_settings


def current_proofs(session: Session) -> dict[int, OtsProof]:
    """The newest proof row of each checkpoint."""
    rows = session.exec(select(OtsProof).order_by(col(OtsProof.created_at), col(OtsProof.id)))
    return {row.tree_size: row for row in rows}


def _store(
    archive: Archive, tree_size: int, note: str, answer: ots.OtsAnswer, calendars: list[str]
) -> OtsProof:
    with archive.session() as session:
        blob = archive.store_blob(session, answer.proof) if answer.proof else None
        if blob is None:
            status = OtsStatus.FAILED
        else:
            status = OtsStatus.COMPLETE if answer.complete else OtsStatus.PENDING
        row = OtsProof(
            id=new_id("ots"),
            tree_size=tree_size,
            message_sha256=sha256_hex(note.encode("utf-8")),
            status=status,
            proof_sha256=blob.sha256 if blob else None,
            calendars=calendars,
            errors=answer.errors,
        )
        session.add(row)
        session.flush()
        payload = row.model_dump(mode="json", exclude={"created_at"})
        archive.record(session, CustodyAction.OTS_RECORDED, "checkpoint", str(tree_size), payload)
        session.expunge(row)
    return row


def stamp_checkpoints(archive: Archive, timeout: float = 20.0) -> list[OtsProof]:
    """Stamp every checkpoint that has no pending or complete proof yet (none when no
    `ots_calendars` are configured)."""
    calendars = list(witness_settings(archive.settings).ots_calendars)
    if not calendars:
        return []
    with archive.session() as session:
        current = current_proofs(session)
        todo = [
            (point.tree_size, point.note)
            for point in session.exec(select(Checkpoint).order_by(col(Checkpoint.tree_size)))
            if point.tree_size not in current or current[point.tree_size].status == OtsStatus.FAILED
        ]
    return [
        _store(archive, size, note, ots.stamp(note.encode("utf-8"), calendars, timeout), calendars)
        for size, note in todo
    ]


def upgrade_pending(archive: Archive, timeout: float = 20.0) -> list[OtsProof]:
    """Ask the calendars to complete every pending proof; a new row for each that changed."""
    calendars = list(witness_settings(archive.settings).ots_calendars)
    with archive.session() as session:
        pending = [
            (row.tree_size, row.proof_sha256)
            for row in current_proofs(session).values()
            if row.status == OtsStatus.PENDING and row.proof_sha256
        ]
        notes = {
            point.tree_size: point.note
            for point in session.exec(select(Checkpoint))
            if point.tree_size in {size for size, _ in pending}
        }
    upgraded = []
    for size, proof_sha in pending:
        old = archive.blobs.get(str(proof_sha))
        answer = ots.upgrade(old, calendars, timeout)
        if answer.complete or answer.proof != old:
            upgraded.append(_store(archive, size, notes[size], answer, calendars))
    return upgraded
