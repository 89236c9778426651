"""OpenTimestamps: a second time anchor for every log checkpoint, through the `opentimestamps`
library (its `RemoteCalendar` speaks the calendar protocol; its `Timestamp` holds the proof).

`stamp` submits SHA-256(checkpoint note) behind a random nonce (as the reference client does,
so calendars learn nothing of the note) to each configured calendar and returns the detached
`.ots` proof, pending until a calendar's commitment is in a Bitcoin block. `upgrade` asks the
calendars named in the proof's pending attestations (only those configured in `ots_calendars`)
for the completed path. Checking a proof is pure and lives in `checks.ots_finding`.
"""

import os
from dataclasses import dataclass, field

from opentimestamps.calendar import CommitmentNotFoundError, RemoteCalendar
from opentimestamps.core.notary import BitcoinBlockHeaderAttestation, PendingAttestation
from opentimestamps.core.op import OpAppend, OpSHA256
from opentimestamps.core.serialize import (
    BytesDeserializationContext,
    BytesSerializationContext,
    DeserializationError,
)
from opentimestamps.core.timestamp import DetachedTimestampFile, Timestamp

USER_AGENT = "evidence-collector"


@dataclass
class OtsAnswer:
    """A proof (serialized `.ots`), whether it is complete, and each calendar's error."""

    proof: bytes | None
    complete: bool = False
    errors: list[str] = field(default_factory=list)


def serialize(detached: DetachedTimestampFile) -> bytes:
    """The `.ots` file bytes."""
    ctx = BytesSerializationContext()
    detached.serialize(ctx)
    return ctx.getbytes()


def deserialize(proof: bytes) -> DetachedTimestampFile:
    """Read `.ots` bytes; ValueError when they are not a proof."""
    try:
        return DetachedTimestampFile.deserialize(BytesDeserializationContext(proof))
    except (DeserializationError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"not an OpenTimestamps proof: {exc}") from exc


def is_complete(timestamp: Timestamp) -> bool:
    """Does the proof reach a Bitcoin block header attestation?"""
    return any(
        isinstance(att, BitcoinBlockHeaderAttestation) for _, att in timestamp.all_attestations()
    )


def stamp(message: bytes, calendars: list[str], timeout: float = 20.0) -> OtsAnswer:
    """Submit SHA-256(`message`) to every calendar; a proof if at least one answered."""
    detached = DetachedTimestampFile(OpSHA256(), Timestamp(OpSHA256()(message)))
    nonced = detached.timestamp.ops.add(OpAppend(os.urandom(16)))
    commitment = nonced.ops.add(OpSHA256())
    answer = OtsAnswer(None)
    for url in calendars:
        try:
            commitment.merge(RemoteCalendar(url, USER_AGENT).submit(commitment.msg, timeout))
        except Exception as exc:  # noqa: BLE001 - urllib, HTTP and parse errors alike
            answer.errors.append(f"{url}: {type(exc).__name__}: {exc}")
    if any(True for _ in commitment.all_attestations()):
        answer.proof = serialize(detached)
        answer.complete = is_complete(detached.timestamp)
    return answer


def upgrade(proof: bytes, calendars: list[str], timeout: float = 20.0) -> OtsAnswer:
    """Ask the calendars of each pending attestation for its completed path."""
    detached = deserialize(proof)
    allowed = {url.rstrip("/") for url in calendars}
    answer = OtsAnswer(None)
    pending = [
        (sub, att) for sub, att in _walk(detached.timestamp) if isinstance(att, PendingAttestation)
    ]
    for sub, att in pending:
        uri = att.uri.rstrip("/")
        if uri not in allowed:
            answer.errors.append(f"{uri}: not among the configured ots_calendars")
            continue
        try:
            sub.merge(RemoteCalendar(uri, USER_AGENT).get_timestamp(sub.msg, timeout))
        except CommitmentNotFoundError:
            answer.errors.append(f"{uri}: the calendar does not know the commitment")
        except Exception as exc:  # noqa: BLE001 - urllib, HTTP and parse errors alike
            answer.errors.append(f"{uri}: {type(exc).__name__}: {exc}")
    answer.proof = serialize(detached)
    answer.complete = is_complete(detached.timestamp)
    return answer


def _walk(timestamp: Timestamp) -> list[tuple[Timestamp, object]]:
    """Each (sub-timestamp, attestation) pair, the sub-timestamp being the one that holds it."""
    found = [(timestamp, att) for att in timestamp.attestations]
    for sub in timestamp.ops.values():
        found += _walk(sub)
    return found


def read_block_headers(text: str) -> dict[int, bytes]:
    """Block headers supplied offline for `verify --block-headers FILE`: one
    `<height> <80-byte header in hex>` per line; blank lines and `#` comments are skipped."""
    headers: dict[int, bytes] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            height, raw = int(parts[0]), bytes.fromhex(parts[1])
        except (IndexError, ValueError):
            raise ValueError(f"line {number}: expected '<height> <header hex>'") from None
        if len(parts) != 2 or height < 0 or len(raw) != 80:
            raise ValueError(f"line {number}: a block header is 80 bytes after its height")
        headers[height] = raw
    return headers
