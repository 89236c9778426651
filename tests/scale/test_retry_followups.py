"""A retried job whose earlier attempt stored the capture still queues what the post quotes."""

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Capture, CustodyEvent, PostSnapshot, Target
from collector.collect.pipeline import CollectOptions, Collector, Outcome
from collector.queue.tasks import _related_targets

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def test_related_targets_come_from_stored_posts(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        with archive.session() as session:
            target = Target(
                id=new_id("tgt"),
                key="twitter:post:1",
                platform="twitter",
                kind="post",
                canonical_url="https://x.com/a/status/1",
                post_id="1",
            )
            session.add(target)
            session.flush()
            capture = Capture(
                id=new_id("cap"),
                target_id=target.id,
                requested_url="https://x.com/a/status/1",
                status="complete",
                started_at=WHEN,
                finished_at=WHEN,
                tool_version="test",
                details={"queue_job_id": 7},
            )
            session.add(capture)
            session.flush()
            session.add(
                PostSnapshot(
                    id=new_id("post"),
                    capture_id=capture.id,
                    platform="twitter",
                    post_id="1",
                    quoted_post_id="20",
                    reply_to_id="3",
                )
            )
        collector = Collector(archive, CollectOptions.for_archive(archive), lambda *_: None)
        outcome = Outcome(
            target.id, target.canonical_url, "post", "twitter", "complete", capture_id=capture.id
        )
        related = _related_targets(collector, outcome)
        with archive.session() as session:
            keys = {session.get(Target, t).key for t in related}
            linked = session.exec(
                select(CustodyEvent).where(CustodyEvent.action == "target.linked")
            ).all()
        assert keys == {"twitter:post:20", "twitter:post:3"}
        assert {e.payload["relation"] for e in linked} == {"quoted", "reply_to"}
