"""Targets are deduplicated across every way of citing the same thing."""

from pathlib import Path

import pytest
from sqlmodel import select

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.models import CustodyEvent, Target
from collector.collect.targets import ensure_target
from collector.sites.keys import target_key


def test_same_tweet_cited_differently_is_one_key() -> None:
    by_handle = {
        "kind": "post",
        "platform": "twitter",
        "post_id": "20",
        "url": "https://x.com/jack/status/20",
    }
    by_i = {
        "kind": "post",
        "platform": "twitter",
        "post_id": "20",
        "url": "https://x.com/i/status/20",
    }
    assert target_key(by_handle) == target_key(by_i) == "twitter:post:20"


def test_telegram_posts_are_keyed_by_url() -> None:
    citation = {"kind": "post", "platform": "telegram", "post_id": "5", "url": "https://t.me/a/5"}
    assert target_key(citation) == "https://t.me/a/5"


def test_signature_without_url_is_keyed_by_what_it_says() -> None:
    signature = {
        "kind": "post",
        "platform": "twitter",
        "url": None,
        "post_id": None,
        "author_handle": "@Yoopya",
        "posted_at": "2024-09-25",
        "text": "Exclusive:  Russia has secret\nwar drones",
    }
    same = dict(signature, author_handle="yoopya", text="Exclusive: Russia has secret war drones")
    other = dict(signature, text="Something else")
    assert target_key(signature) == target_key(same)
    assert target_key(signature) != target_key(other)
    assert target_key(signature).startswith("twitter:signature:yoopya:2024-09-25:")
    with pytest.raises(EvidenceError):
        target_key({"kind": "post", "platform": "twitter"})


def test_ensure_target_creates_once_with_custody_event(tmp_path: Path) -> None:
    citation = {"kind": "link", "platform": "web", "url": "https://example.org/report"}
    with Archive.open(tmp_path) as archive:
        with archive.session() as session:
            first = ensure_target(archive, session, citation)
        with archive.session() as session:
            again = ensure_target(archive, session, citation)
            assert again.id == first.id
            assert len(session.exec(select(Target)).all()) == 1
            events = session.exec(
                select(CustodyEvent).where(CustodyEvent.action == "target.created")
            ).all()
            assert [e.subject_id for e in events] == [first.id]
