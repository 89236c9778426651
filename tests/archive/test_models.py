"""Every model survives a round trip through the database with its types intact."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from archive.archive import Archive
from archive.ids import new_id
from archive.models import (
    Artifact,
    Capture,
    Case,
    Citation,
    CustodyEvent,
    PostSnapshot,
    Source,
    Target,
)


def test_every_model_round_trips(archive: Archive, populated: dict[str, str]) -> None:
    ids = populated
    with archive.session() as session:
        assert session.get(Case, ids["case"]).name == "Drone strikes"
        source = session.get(Source, ids["source"])
        assert source.title == "Article — “quoted”"
        assert (
            source.fetched_at == datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
            and source.fetched_at.tzinfo is not None
        )
        citation = session.get(Citation, ids["citation"])
        assert citation.occurrences[0]["raw"].endswith("?s=20")
        assert citation.text == "Ünïcode ✓ text"
        capture = session.get(Capture, ids["capture"])
        assert capture.details == {"nested": {"list": [1, 2, 3]}}
        assert capture.finished_at - capture.started_at == timedelta(seconds=2)
        assert session.get(Artifact, ids["artifact"]).blob_sha256 == ids["blob"]
        post = session.get(PostSnapshot, ids["post"])
        assert post.posted_at == datetime(
            2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC
        ) and post.posted_at.utcoffset() == timedelta(0)
        assert post.metrics == {"likes": 3}
        assert session.get(Target, ids["target"]).post_id == "1"
        actions = [e.action for e in session.exec(select(CustodyEvent).order_by(CustodyEvent.seq))]
        assert actions == ["archive.initialized", "case.created", "capture.recorded"]


def test_naive_datetimes_are_refused(archive: Archive) -> None:
    with pytest.raises(Exception, match="naive datetime"), archive.session() as session:
        session.add(Case(id=new_id("case"), name="n", created_at=datetime(2026, 1, 1)))
        session.flush()


def test_foreign_keys_are_enforced(archive: Archive) -> None:
    with pytest.raises(IntegrityError), archive.session() as session:
        session.add(
            Artifact(
                id=new_id("art"),
                capture_id="cap_missing",
                role="x",
                name="x",
                blob_sha256="0" * 64,
                size=0,
                media_type="x",
            )
        )
        session.flush()


def test_ids_are_prefixed_sortable_and_unique() -> None:
    ids = [new_id("cap") for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("cap_") and len(i) == 30 for i in ids)
    with pytest.raises(ValueError):
        new_id("nope")
