"""Saving a capture into the archive in three named steps.

1. `store_blobs`: every artifact's bytes go to the blob store (durable, content-addressed),
   streamed from memory or from the artifact's temporary file.
2. `build_rows`: the Capture row and Artifact rows are built as plain data (platform data,
   when there is some, adds its artifacts and PostSnapshot rows: `collector.collect.record`).
3. `seal_rows`: the manifest of exactly these rows is built, signed and stored
   (`archive.provenance.seal`); the Capture row carries its hash and signature. Then each
   image the tool made gets a credentialed copy naming that manifest
   (`archive.provenance.credentials`), inserted with the rows but not listed in the manifest.
4. `insert_rows`: one transaction inserts the complete Capture row, its Artifact rows, its
   PostSnapshot rows and a `capture.recorded` custody event. Rows are never updated afterwards.

Blob rows are inserted by step 4's transaction, with the artifacts that name them
(`archive.blobrows`): a crash before step 4 commits leaves only unreferenced blob files, no
Blob row, and never a capture that claims to be complete without its artifacts.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Capture, PostSnapshot
from archive.provenance.credentials import credential_artifacts
from archive.provenance.seal import prepare_seal
from archive.timeutil import iso
from archive.vocabulary import CustodyAction
from collector.capture.result import CaptureResult


@dataclass(frozen=True)
class StoredArtifact:
    """An artifact whose bytes are in the blob store."""

    role: str
    name: str
    media_type: str
    size: int
    blob_sha256: str
    original_url: str | None
    details: dict[str, Any]


@dataclass
class CaptureRows:
    """Everything `insert_rows` writes, as data (fields of the Capture and Artifact models).

    Provenance work may add `manifest_sha256` and `signature` to `capture` before insertion.
    """

    capture: dict[str, Any]
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    posts: list[PostSnapshot] = field(default_factory=list)

    @property
    def capture_id(self) -> str:
        """The id of the Capture row."""
        return str(self.capture["id"])


def store_blobs(archive: Archive, result: CaptureResult) -> list[StoredArtifact]:
    """Step 1: write every artifact's bytes to the blob store (their Blob rows come later, with
    the artifact rows)."""
    stored = []
    with archive.session() as session:
        for artifact in result.artifacts:
            with artifact.open() as content:
                blob = archive.store_blob(session, content)
            stored.append(
                StoredArtifact(
                    role=artifact.role,
                    name=artifact.name,
                    media_type=artifact.media_type,
                    size=blob.size,
                    blob_sha256=blob.sha256,
                    original_url=artifact.original_url,
                    details=dict(artifact.details),
                )
            )
    return stored


def build_rows(
    archive: Archive,
    result: CaptureResult,
    stored: list[StoredArtifact],
    *,
    target_id: str | None = None,
    source_id: str | None = None,
    case_id: str | None = None,
) -> CaptureRows:
    """Step 2: the complete Capture row and its Artifact rows, not yet inserted."""
    capture_id = new_id("cap")
    capture = {
        "id": capture_id,
        "target_id": target_id,
        "source_id": source_id,
        "case_id": case_id,
        "requested_url": result.requested_url,
        "final_url": result.final_url,
        "status": result.status,
        "status_reason": result.status_reason,
        "http_status": result.http_status,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "redirect_chain": result.redirect_chain,
        "server_ip": result.server_ip,
        "browser_name": result.browser_name,
        "browser_version": result.browser_version,
        "playwright_version": result.playwright_version,
        "user_agent": result.user_agent,
        "viewport": result.viewport,
        "locale": result.locale,
        "timezone": result.timezone,
        "proxy": result.proxy,
        "tool_version": result.tool_version,
        "investigator": archive.settings.investigator,
        "details": {**result.details, "title": result.title},
    }
    artifacts = [
        {
            "id": new_id("art"),
            "capture_id": capture_id,
            "role": item.role,
            "name": item.name,
            "blob_sha256": item.blob_sha256,
            "size": item.size,
            "media_type": item.media_type,
            "original_url": item.original_url,
            "details": item.details,
        }
        for item in stored
    ]
    return CaptureRows(capture, artifacts)


def seal_rows(archive: Archive, rows: CaptureRows, berkeley: dict[str, Any] | None = None) -> None:
    """Step 3: sign a manifest of the rows; the Capture row gets its hash and signature, each
    tool-made image a credentialed copy (C2PA) naming the manifest."""
    seal = prepare_seal(archive, rows.capture, rows.artifacts, berkeley=berkeley)
    rows.capture.update(seal.capture_fields())
    credentials = credential_artifacts(archive, rows.capture, rows.artifacts, seal.manifest_sha256)
    rows.artifacts.extend(seal.artifacts + credentials)


def insert_rows(archive: Archive, rows: CaptureRows, session: Session | None = None) -> str:
    """Step 4: insert the Capture, its Artifacts, its posts and a custody event together (in
    `session`'s transaction when given, with what else the caller stores there)."""
    if session is None:
        with archive.session() as own:
            return insert_rows(archive, rows, own)
    session.add(Capture(**rows.capture))
    session.flush()
    session.add_all([Artifact(**artifact) for artifact in rows.artifacts])
    session.add_all(rows.posts)
    session.flush()
    archive.record(
        session,
        CustodyAction.CAPTURE_RECORDED,
        "capture",
        rows.capture_id,
        {
            "requested_url": rows.capture["requested_url"],
            "final_url": rows.capture["final_url"],
            "status": rows.capture["status"],
            "manifest_sha256": rows.capture.get("manifest_sha256"),
            "started_at": iso(rows.capture["started_at"]),
            "finished_at": iso(rows.capture["finished_at"]),
            "artifacts": {a["name"]: a["blob_sha256"] for a in rows.artifacts},
        },
    )
    return rows.capture_id


def save_capture(
    archive: Archive,
    result: CaptureResult,
    *,
    target_id: str | None = None,
    source_id: str | None = None,
    case_id: str | None = None,
) -> str:
    """Store a capture's blobs, seal it, then insert its rows and custody event; return its id."""
    stored = store_blobs(archive, result)
    rows = build_rows(
        archive, result, stored, target_id=target_id, source_id=source_id, case_id=case_id
    )
    seal_rows(archive, rows)
    return insert_rows(archive, rows)
