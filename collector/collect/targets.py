"""Targets: the distinct things to capture, deduplicated across the whole archive.

A citation found in an article becomes a Target keyed so that every way of citing the same
thing lands on one row: X/Twitter status ids are global, so `twitter.com/a/status/1`,
`x.com/i/status/1` and an embed of post 1 share the key `twitter:post:1`; other URLs are keyed
by their canonical URL; a pasted signature with no URL is keyed by what it states (handle,
date and a hash of its text), so the same signature cited twice is one target.
"""

import hashlib
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.ids import new_id
from archive.models import Target

GLOBAL_POST_IDS = frozenset({"twitter", "youtube", "tiktok", "instagram", "reddit", "bluesky"})


def target_key(citation: Mapping[str, Any]) -> str:
    """The archive-wide identity of what a citation points at."""
    platform = citation.get("platform") or "web"
    kind = citation.get("kind") or "link"
    post_id = citation.get("post_id")
    url = citation.get("url")
    if kind == "post" and post_id and platform in GLOBAL_POST_IDS:
        return f"{platform}:post:{post_id}"
    if url:
        return str(url)
    handle = (citation.get("author_handle") or "").lstrip("@").lower()
    text = " ".join((citation.get("text") or "").split())
    if not (handle or text):
        raise EvidenceError("a citation with neither URL, handle nor text cannot be a target")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{platform}:signature:{handle}:{citation.get('posted_at') or ''}:{digest}"


def ensure_target(archive: Archive, session: Session, citation: Mapping[str, Any]) -> Target:
    """The Target for `citation`, created (with a `target.created` custody event) when new."""
    key = target_key(citation)
    existing = session.exec(select(Target).where(Target.key == key)).first()
    if existing is not None:
        return existing
    target = Target(
        id=new_id("tgt"),
        key=key,
        platform=citation.get("platform") or "web",
        kind=citation.get("kind") or "link",
        canonical_url=citation.get("url"),
        post_id=citation.get("post_id"),
        author_handle=citation.get("author_handle"),
    )
    session.add(target)
    session.flush()
    archive.record(
        session,
        "target.created",
        "target",
        target.id,
        {"key": key, "platform": target.platform, "kind": target.kind, "url": target.canonical_url},
    )
    return target
