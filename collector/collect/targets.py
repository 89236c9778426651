"""Targets: the distinct things to capture, deduplicated across the whole archive.

A citation found in an article becomes the Target of its key (`collector.sites.keys`), so
every way of citing the same thing lands on one row.
"""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Target
from archive.vocabulary import CitationKind, CustodyAction
from collector.sites.keys import target_key


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
        kind=citation.get("kind") or CitationKind.LINK,
        canonical_url=citation.get("url"),
        post_id=citation.get("post_id"),
        author_handle=citation.get("author_handle"),
    )
    session.add(target)
    session.flush()
    archive.record(
        session,
        CustodyAction.TARGET_CREATED,
        "target",
        target.id,
        {"key": key, "platform": target.platform, "kind": target.kind, "url": target.canonical_url},
    )
    return target
