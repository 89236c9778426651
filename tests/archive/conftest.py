"""Fixtures for archive-core tests: a fresh archive home per test."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Capture, Citation, PostSnapshot, Source, Target


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """An archive opened in a new temporary home."""
    opened = Archive.open(tmp_path / "home")
    yield opened
    opened.close()


FETCHED_AT = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)


@pytest.fixture
def populated(archive: Archive) -> dict[str, str]:
    """One row of every model, linked together; returns their ids."""
    with archive.session() as session:
        blob = archive.store_blob(session, b"<html>article</html>")
        case = archive.ensure_case(session, "Drone strikes", "test case")
        source = Source(
            id=new_id("src"),
            case_id=case.id,
            kind="url",
            location="https://news.example/article",
            final_url="https://news.example/article?x=1",
            http_status=200,
            media_type="text/html",
            title="Article — “quoted”",
            content_sha256=blob.sha256,
            fetched_at=FETCHED_AT,
        )
        target = Target(
            id=new_id("tgt"),
            key="https://x.com/i/status/1",
            platform="twitter",
            kind="post",
            canonical_url="https://x.com/i/status/1",
            post_id="1",
        )
        session.add_all([source, target])
        session.flush()
        citation = Citation(
            id=new_id("cit"),
            source_id=source.id,
            target_id=target.id,
            position=0,
            kind="post",
            platform="twitter",
            url=target.canonical_url,
            post_id="1",
            text="Ünïcode ✓ text",
            occurrences=[{"raw": "https://twitter.com/a/status/1?s=20", "context": "…"}],
            links=[{"url": "https://t.co/abc"}],
        )
        capture = Capture(
            id=new_id("cap"),
            target_id=target.id,
            case_id=case.id,
            requested_url=target.canonical_url,
            status="complete",
            started_at=FETCHED_AT,
            finished_at=FETCHED_AT + timedelta(seconds=2),
            redirect_chain=[{"url": "https://t.co/x", "status": 301}],
            tool_version="0.1.0",
            details={"nested": {"list": [1, 2, 3]}},
        )
        session.add_all([citation, capture])
        session.flush()
        artifact = Artifact(
            id=new_id("art"),
            capture_id=capture.id,
            role="screenshot",
            name="screenshot.png",
            blob_sha256=blob.sha256,
            size=blob.size,
            media_type="image/png",
        )
        post = PostSnapshot(
            id=new_id("post"),
            capture_id=capture.id,
            platform="twitter",
            post_id="1",
            posted_at=FETCHED_AT.astimezone(timezone(timedelta(hours=3))),
            media=[{"kind": "photo"}],
            metrics={"likes": 3},
        )
        session.add_all([artifact, post])
        archive.record(session, "capture.recorded", "capture", capture.id, {"n": 1})
    return {
        "case": case.id,
        "source": source.id,
        "target": target.id,
        "citation": citation.id,
        "capture": capture.id,
        "artifact": artifact.id,
        "post": post.id,
        "blob": blob.sha256,
    }
