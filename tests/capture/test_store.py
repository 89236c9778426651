"""Saving a capture: blobs first, rows as data, then one transaction."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from archive.models import Artifact, Blob, Capture, CustodyEvent
from archive.timeutil import utcnow
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.store import build_rows, insert_rows, save_capture, store_blobs


def _result() -> CaptureResult:
    now = utcnow()
    return CaptureResult(
        requested_url="https://example.org/",
        status="partial",
        status_reason="time budget ran out during settle",
        started_at=now,
        finished_at=now + timedelta(seconds=2),
        tool_version="0.1.0",
        artifacts=[
            ArtifactData("dom", "dom.html", "text/html", b"<html>dom</html>"),
            ArtifactData("warc", "c.warc.gz", "application/warc", b"warc bytes"),
        ],
    )


def test_rows_are_data_before_insertion(archive):
    result = _result()
    stored = store_blobs(archive, result)
    rows = build_rows(archive, result, stored, case_id=None)
    assert [a["blob_sha256"] for a in rows.artifacts] == [a.sha256 for a in result.artifacts]
    with archive.session() as session:
        assert session.exec(select(Capture)).all() == []
        assert len(session.exec(select(Blob)).all()) == 2
    capture_id = insert_rows(archive, rows)
    with archive.session() as session:
        capture = session.get(Capture, capture_id)
        assert capture.status == "partial" and capture.status_reason.startswith("time budget")
        assert len(session.exec(select(Artifact)).all()) == 2


def test_failed_insert_leaves_no_capture_and_no_event(archive):
    result = _result()
    rows = build_rows(archive, result, store_blobs(archive, result))
    rows.artifacts.append(dict(rows.artifacts[0]))  # same name twice: the insert must fail
    with pytest.raises(IntegrityError):
        insert_rows(archive, rows)
    with archive.session() as session:
        assert session.exec(select(Capture)).all() == []
        actions = session.exec(select(CustodyEvent.action)).all()
        assert "capture.recorded" not in actions


def test_save_capture_returns_the_id(archive):
    capture_id = save_capture(archive, _result(), case_id=None)
    assert capture_id.startswith("cap_")
