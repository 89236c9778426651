"""The `plan` step of a collect: which Targets a source's citations lead to, in what order,
and why a Target without a URL cannot be captured. Shared by `collect` and `collect --queue`."""

from typing import Any

from sqlmodel import col, select

from archive.archive import Archive
from archive.models import Citation, Target
from archive.vocabulary import CitationKind

KIND_ORDER = {CitationKind.POST: 0, CitationKind.MEDIA: 1, CitationKind.PROFILE: 2,
              CitationKind.LINK: 3}  # fmt: skip
"""Posts first: they are what goes away soonest."""


def planned_targets(archive: Archive, source_id: str) -> list[tuple[Target, dict[str, Any]]]:
    """Each distinct Target the source cites, with its first citation, posts first."""
    with archive.session() as session:
        rows = session.exec(
            select(Citation, Target)
            .join(Target, col(Target.id) == col(Citation.target_id))
            .where(Citation.source_id == source_id)
            .order_by(col(Citation.position))
        ).all()
    seen: set[str] = set()
    planned = []
    for citation, target in rows:
        if target.id in seen:
            continue
        seen.add(target.id)
        planned.append((target, citation.model_dump(exclude={"created_at"})))
    planned.sort(key=lambda pair: KIND_ORDER.get(pair[0].kind, 9))
    return planned


def unresolved_reason(citation: dict[str, Any] | None) -> str:
    """Why a citation without a URL stays unresolved (its failed link resolutions, if any)."""
    errors = [
        f"{link.get('url')}: {link['resolution_error']}"
        for link in (citation or {}).get("links") or []
        if link.get("resolution_error")
    ]
    if errors:
        return "cited without a URL; its links could not be followed: " + "; ".join(errors)
    return "cited without a URL, and no pic.twitter.com or t.co link in it led to a post"
