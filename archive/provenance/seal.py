"""Sealing a capture: build its manifest, sign it, store both as blobs, before the rows exist.

Call `prepare_seal` with the Capture and Artifact row dicts (after their blobs are stored,
before they are inserted), then insert the rows with `Seal.capture_fields()` merged into the
capture and `Seal.artifacts` appended to the artifacts, all in one transaction. At the end of
the command, `finish_writes` timestamps what is new and signs a checkpoint.
"""

import base64
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from archive import blobrows, custody
from archive.archive import Archive
from archive.custody import GENESIS_HASH
from archive.errors import EvidenceError
from archive.ids import new_id
from archive.models import Case
from archive.provenance.keys import ensure_key
from archive.provenance.log import write_checkpoint
from archive.provenance.manifest import SIGNATURE_ALGORITHM, build_manifest, collection_context
from archive.provenance.models import Checkpoint, OtsProof, TimestampToken
from archive.provenance.signing import sign
from archive.provenance.timestamps import timestamp_pending

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"


@dataclass(frozen=True)
class Seal:
    """A signed manifest ready to be inserted with its capture."""

    capture_id: str
    manifest: bytes
    manifest_sha256: str
    signature: bytes
    key_fingerprint: str
    previous_log_head: str
    artifacts: list[dict[str, Any]]

    def capture_fields(self) -> dict[str, Any]:
        """Values for the Capture row's `manifest_sha256` and `signature` (base64) columns."""
        return {
            "manifest_sha256": self.manifest_sha256,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }


def case_of(session: Session, case_id: str | None) -> dict[str, Any] | None:
    """The case a manifest names: its id and name, or None."""
    if case_id is None:
        return None
    case = session.get(Case, case_id)
    return {"id": case_id, "name": case.name if case else None}


def with_sha512(session: Session, artifacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Artifact dicts completed with the SHA-512 of their stored blob."""
    completed = []
    for artifact in artifacts:
        blob = blobrows.find(session, artifact["blob_sha256"])
        if blob is None:
            raise EvidenceError(
                f"artifact {artifact['name']}: blob {artifact['blob_sha256']} is not stored"
            )
        completed.append({**artifact, "sha512": blob.sha512})
    return completed


def prepare_seal(
    archive: Archive,
    capture: dict[str, Any],
    artifacts: list[dict[str, Any]],
    *,
    berkeley: dict[str, Any] | None = None,
) -> Seal:
    """Build, sign and store the manifest of a capture whose rows are not inserted yet.

    `capture` holds the Capture row's fields (with `id`); `artifacts` the Artifact rows'
    fields (with `blob_sha256`, whose blobs must already be stored). `berkeley` adds
    collection context (persona, egress route, transformations) to `collection_context()`.
    """
    key = ensure_key(archive)
    with archive.session() as session:
        last = custody.head(session)
        previous_log_head = last.entry_hash if last else GENESIS_HASH
        manifest = build_manifest(
            capture,
            with_sha512(session, artifacts),
            previous_log_head=previous_log_head,
            investigator=capture.get("investigator"),
            case=case_of(session, capture.get("case_id")),
            berkeley=collection_context(berkeley),
            signer_fingerprint=key.public.fingerprint,
        )
        signature = sign(key.private, manifest)
        manifest_blob = archive.store_blob(session, manifest)
        signature_blob = archive.store_blob(session, signature)
    capture_id = str(capture["id"])
    seal_artifacts = [
        {
            "id": new_id("art"),
            "capture_id": capture_id,
            "role": "manifest",
            "name": MANIFEST_NAME,
            "blob_sha256": manifest_blob.sha256,
            "size": manifest_blob.size,
            "media_type": "application/json",
            "original_url": None,
            "details": {"format": "RFC 8785 canonical JSON"},
        },
        {
            "id": new_id("art"),
            "capture_id": capture_id,
            "role": "signature",
            "name": SIGNATURE_NAME,
            "blob_sha256": signature_blob.sha256,
            "size": signature_blob.size,
            "media_type": "application/octet-stream",
            "original_url": None,
            "details": {
                "algorithm": SIGNATURE_ALGORITHM,
                "key_fingerprint": key.public.fingerprint,
                "signs": MANIFEST_NAME,
            },
        },
    ]
    return Seal(
        capture_id=capture_id,
        manifest=manifest,
        manifest_sha256=manifest_blob.sha256,
        signature=signature,
        key_fingerprint=key.public.fingerprint,
        previous_log_head=previous_log_head,
        artifacts=seal_artifacts,
    )


@dataclass(frozen=True)
class Finish:
    """What `finish_writes` did: the latest checkpoint and every timestamp request made."""

    checkpoint: Checkpoint | None
    tokens: list[TimestampToken]
    ots_proofs: list[OtsProof] = field(default_factory=list)

    @property
    def failed(self) -> list[TimestampToken]:
        """The TSA requests that did not give a token (recorded; retried by `--pending`)."""
        return [t for t in self.tokens if t.status != "ok"]


def finish_writes(archive: Archive) -> Finish:
    """Run at the end of a command that wrote evidence: timestamp new manifests, sign a
    checkpoint of the grown log, then timestamp that checkpoint (RFC 3161, and OpenTimestamps
    when `ots_calendars` are configured).

    TSA and calendar failures are recorded, never raised: the evidence stays saved.
    """
    from archive.provenance.anchors import stamp_checkpoints  # loads opentimestamps

    tokens = timestamp_pending(archive)
    checkpoint = write_checkpoint(archive)
    tokens += timestamp_pending(archive)
    return Finish(checkpoint, tokens, stamp_checkpoints(archive))
