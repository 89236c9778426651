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
        assert session.exec(select(Blob)).all() == []  # rows come with their artifacts
    capture_id = insert_rows(archive, rows)
    with archive.session() as session:
        assert len(session.exec(select(Blob)).all()) == 2
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


@pytest.mark.parametrize("stage", ["store_blobs", "seal_rows", "insert_rows"])
def test_a_failed_save_leaves_no_unreferenced_blob_row(archive, monkeypatch, stage):
    """A save that fails at any step stores bytes at most: no Blob row without its artifact."""
    import collector.capture.store as store

    real = getattr(store, stage)

    def fail_after(*args, **kwargs):
        real(*args, **kwargs) if stage != "insert_rows" else None
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, stage, fail_after)
    with pytest.raises(OSError):
        save_capture(archive, _result())
    with archive.session() as session:
        assert session.exec(select(Blob)).all() == []
    monkeypatch.undo()
    save_capture(archive, _result())  # the next attempt stores everything with its rows
    with archive.session() as session:
        used = {a.blob_sha256 for a in session.exec(select(Artifact))}
        assert {b.sha256 for b in session.exec(select(Blob))} == used


def test_killed_between_blobs_and_rows_leaves_no_blob_row(tmp_path):
    """kill -9 after every blob is stored and sealed, before the rows' transaction."""
    import textwrap

    from archive.archive import Archive
    from tests.support.killing import kill_when_ready

    home, ready = tmp_path / "home", tmp_path / "ready"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from archive.archive import Archive
        import collector.capture.store as store
        from tests.capture.test_store import _result

        def stall(*_args, **_kwargs):
            Path({str(ready)!r}).touch()
            time.sleep(60)

        store.insert_rows = stall
        store.save_capture(Archive.open(Path({str(home)!r})), _result())
        """
    )
    kill_when_ready(script, ready)
    with Archive.open(home) as archive, archive.session() as session:
        assert list(archive.blobs.iter_digests()), "the bytes were stored before the kill"
        assert session.exec(select(Blob)).all() == []
