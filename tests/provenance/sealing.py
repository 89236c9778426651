"""Populate an archive the way capture storing will: blobs, sealed rows, event, checkpoint."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Capture
from archive.provenance.log import write_checkpoint
from archive.provenance.seal import Seal, finish_writes, prepare_seal

STARTED = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
KINDS = {
    "screenshot.png": ("screenshot", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40),
    "dom.html": ("dom", "text/html", "<html><body>Ünïcode ✓ post</body></html>".encode()),
    "capture.warc.gz": ("warc", "application/warc", b"WARC/1.1\r\n" + b"x" * 5000),
    "post.json": ("post_json", "application/json", b'{"id": "1", "text": "hello"}'),
}


@dataclass
class SealedArchive:
    """The archive and what was sealed in it."""

    archive: Archive
    seals: list[Seal] = field(default_factory=list)
    artifacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def store_capture(
    archive: Archive, url: str, salt: bytes = b"", posts: Callable[[str], list[Any]] | None = None
) -> tuple[Seal, list[dict]]:
    """Store one capture's blobs, seal it, insert its rows (with `posts(capture_id)`, post
    snapshots) and its custody event."""
    capture_id = new_id("cap")
    artifacts = []
    with archive.session() as session:
        for name, (role, media_type, data) in KINDS.items():
            blob = archive.store_blob(session, data + salt)
            artifacts.append(
                {
                    "id": new_id("art"),
                    "capture_id": capture_id,
                    "role": role,
                    "name": name,
                    "blob_sha256": blob.sha256,
                    "size": blob.size,
                    "media_type": media_type,
                    "original_url": url if role == "dom" else None,
                    "details": {},
                }
            )
    capture = {
        "id": capture_id,
        "requested_url": url,
        "final_url": url + "?final",
        "status": "complete",
        "http_status": 200,
        "started_at": STARTED,
        "finished_at": STARTED + timedelta(seconds=4),
        "redirect_chain": [{"url": "https://t.co/abc", "status": 301}],
        "server_ip": "192.0.2.7",
        "browser_name": "chromium",
        "browser_version": "131.0",
        "user_agent": "Mozilla/5.0 test",
        "tool_version": "0.1.0",
        "investigator": "Jane Doe",
        "details": {"title": "A post", "tls": {"leaf_sha256": "ab" * 32}},
    }
    seal = prepare_seal(archive, capture, artifacts, berkeley={"persona": "logged out"})
    with archive.session() as session:
        session.add(Capture(**capture, **seal.capture_fields()))
        session.flush()
        session.add_all([Artifact(**a) for a in artifacts + seal.artifacts])
        session.add_all(posts(capture_id) if posts else [])
        session.flush()
        archive.record(
            session,
            "capture.recorded",
            "capture",
            capture_id,
            {"manifest_sha256": seal.manifest_sha256},
        )
    return seal, artifacts + seal.artifacts


def seal_sample_captures(archive: Archive) -> SealedArchive:
    """Two captures, then what a command does at its end: timestamps and a checkpoint."""
    result = SealedArchive(archive)
    for number, url in enumerate(("https://x.com/a/status/1", "https://x.com/b/status/2")):
        seal, artifacts = store_capture(archive, url, salt=bytes([number]))
        result.seals.append(seal)
        result.artifacts[seal.capture_id] = artifacts
    write_checkpoint(archive)  # a first checkpoint, so there are two to be consistent
    finish = finish_writes(archive)
    assert finish.tokens and not finish.failed, [t.error for t in finish.failed]
    assert {t.subject_type for t in finish.tokens} == {"capture", "checkpoint"}
    return result
