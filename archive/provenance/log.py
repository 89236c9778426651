"""The custody log as an RFC 9162 Merkle tree, with signed checkpoints.

Leaf `seq - 1` is custody event `seq`; its leaf data is the event's 32-byte `entry_hash`
(`leaf_data`), so the leaf hash is SHA-256(0x00 || entry_hash). A checkpoint signs the root of the
first `tree_size` leaves; `write_checkpoint` adds one whenever the log has grown, and keeps the
newest in the home's checkpoint file (`checkpoint_file`).
"""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from archive import records
from archive.archive import Archive
from archive.errors import EvidenceError, NotFoundError
from archive.models import CustodyEvent
from archive.provenance import checkpoint_file, merkle
from archive.provenance.checkpoint import checkpoint_body, log_origin, sign_note
from archive.provenance.keys import ensure_key
from archive.provenance.models import Checkpoint
from archive.timeutil import iso, utcnow


def leaf_data(event: CustodyEvent) -> bytes:
    """The bytes a custody event contributes to the Merkle tree: its 32-byte entry hash.

    The entry hash already commits to every field of the event and to the previous event
    (`archive.custody.entry_hash`), so the leaf binds the whole event.
    """
    return bytes.fromhex(event.entry_hash)


def events(session: Session) -> list[CustodyEvent]:
    """Every custody event in log order."""
    return list(session.exec(select(CustodyEvent).order_by(CustodyEvent.seq)))  # type: ignore[arg-type]


def leaves(session: Session) -> list[bytes]:
    """The leaf hashes of the custody log, in order."""
    return [merkle.leaf_hash(leaf_data(event)) for event in events(session)]


def checkpoints(session: Session) -> list[Checkpoint]:
    """Every checkpoint, smallest tree first."""
    return list(session.exec(select(Checkpoint).order_by(Checkpoint.tree_size)))  # type: ignore[arg-type]


def latest_checkpoint(session: Session) -> Checkpoint | None:
    """The checkpoint of the largest tree, or None."""
    statement = select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1)  # type: ignore[attr-defined]
    return session.exec(statement).first()


def write_checkpoint(archive: Archive) -> Checkpoint | None:
    """Sign a checkpoint of the whole log if it grew since the last one; return the latest.

    None only for an empty log. Raises EvidenceError when the log is shorter than its last
    checkpoint (events were removed).
    """
    key = ensure_key(archive)
    origin = log_origin(key.public.fingerprint)
    with archive.session() as session:
        hashes = leaves(session)
        latest = latest_checkpoint(session)
        if latest is not None and len(hashes) < latest.tree_size:
            raise EvidenceError(
                f"the custody log has {len(hashes)} events but checkpoint {latest.tree_size} "
                "covers more: events were removed (run `evidence verify`)"
            )
        if not hashes or (latest is not None and latest.tree_size == len(hashes)):
            _keep_outside(archive, latest, hashes)
            return latest
        root = merkle.root(hashes)
        note = sign_note(
            checkpoint_body(origin, len(hashes), root), origin, key.private, key.public.raw
        )
        checkpoint = Checkpoint(
            tree_size=len(hashes), root_hash=root.hex(), note=note, created_at=utcnow()
        )
        session.add(checkpoint)
        session.flush()
    _keep_outside(archive, checkpoint, hashes)
    return checkpoint


def _keep_outside(archive: Archive, latest: Checkpoint | None, hashes: list[bytes]) -> None:
    """Keep the newest checkpoint in the home's checkpoint file too (`checkpoint_file`).

    The file is replaced only by a checkpoint that extends it: a log that no longer holds what
    the file signed (rolled back, rewritten) leaves the file as it is, for `verify` to report."""
    if latest is None:
        return
    path = checkpoint_file.path_in(archive.home)
    kept = checkpoint_file.read_note(path)
    if kept == latest.note:
        return
    if kept is not None:
        size, root = checkpoint_file.tree_head(kept)
        if size is not None and (size > len(hashes) or merkle.root(hashes[:size]) != root):
            return
    checkpoint_file.write_note(path, latest.note)


@dataclass(frozen=True)
class InclusionProof:
    """Evidence that custody event `seq` is leaf `seq - 1` of a checkpointed tree."""

    seq: int
    tree_size: int
    leaf_data: bytes
    leaf_hash: bytes
    proof: list[bytes]
    root_hash: bytes
    checkpoint_note: str
    event: dict[str, Any]

    def verify(self) -> bool:
        """Check the audit path against the checkpoint's root."""
        return merkle.verify_inclusion(
            merkle.leaf_hash(self.leaf_data),
            self.seq - 1,
            self.tree_size,
            self.proof,
            self.root_hash,
        )


def prove_inclusion(archive: Archive, seq: int) -> InclusionProof:
    """The inclusion proof of event `seq` in the latest checkpoint that covers it."""
    with archive.session() as session:
        latest = latest_checkpoint(session)
        all_events = events(session)
    target = next((e for e in all_events if e.seq == seq), None)
    if target is None:
        raise NotFoundError(f"no custody event number {seq}")
    if latest is None or latest.tree_size < seq:
        raise EvidenceError(
            f"custody event {seq} is not in a checkpoint yet; run `evidence log checkpoint`"
        )
    hashes = [merkle.leaf_hash(leaf_data(e)) for e in all_events]
    return InclusionProof(
        seq=seq,
        tree_size=latest.tree_size,
        leaf_data=leaf_data(target),
        leaf_hash=hashes[seq - 1],
        proof=merkle.inclusion_proof(hashes, seq - 1, latest.tree_size),
        root_hash=bytes.fromhex(latest.root_hash),
        checkpoint_note=latest.note,
        event={**records.as_dict(target), "occurred_at": iso(target.occurred_at)},
    )


@dataclass(frozen=True)
class ConsistencyProof:
    """Evidence that the checkpoint of size `first` is a prefix of the one of size `second`."""

    first: Checkpoint
    second: Checkpoint
    proof: list[bytes]

    def verify(self) -> bool:
        """Check the proof against both checkpoints' roots."""
        return merkle.verify_consistency(
            self.first.tree_size,
            self.second.tree_size,
            bytes.fromhex(self.first.root_hash),
            bytes.fromhex(self.second.root_hash),
            self.proof,
        )


def prove_consistency(archive: Archive, first: int, second: int | None = None) -> ConsistencyProof:
    """The consistency proof between two checkpoints (the latest one by default)."""
    with archive.session() as session:
        older = session.get(Checkpoint, first)
        newer = session.get(Checkpoint, second) if second else latest_checkpoint(session)
        hashes = leaves(session)
    if older is None:
        raise NotFoundError(f"no checkpoint of tree size {first}")
    if newer is None:
        raise NotFoundError(f"no checkpoint of tree size {second}")
    if newer.tree_size < older.tree_size or newer.tree_size > len(hashes):
        raise EvidenceError(
            f"no consistency proof from {older.tree_size} to {newer.tree_size} "
            f"over a log of {len(hashes)} events"
        )
    return ConsistencyProof(
        older, newer, merkle.consistency_proof(hashes, older.tree_size, newer.tree_size)
    )
