"""The `plan` step of a collect: which Targets a source's citations lead to, in what order,
why a Target without a URL cannot be captured, and which earlier capture may stand for a
target (its page verdict says it showed the page). Shared by `collect`, `collect --queue`
and `recheck`."""

from typing import Any

from sqlmodel import col, select

from archive.archive import Archive
from archive.citations import unresolved_reason
from archive.models import Citation, Target
from archive.vocabulary import CitationKind, PageVerdict

KIND_ORDER = {CitationKind.POST: 0, CitationKind.MEDIA: 1, CitationKind.PROFILE: 2,
              CitationKind.LINK: 3}  # fmt: skip
"""Posts first: they are what goes away soonest."""

__all__ = ["planned_targets", "unresolved_reason", "page_verdict", "shows_the_page", "needs_retry"]


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


def page_verdict(details: dict[str, Any] | None) -> str | None:
    """The capture's page verdict (`page`, `blank`, `bot-challenge`, ...); None when it was
    recorded before page verdicts existed, or had no page to judge."""
    verdict = (details or {}).get("page_verdict") or {}
    return verdict.get("verdict")


def shows_the_page(details: dict[str, Any] | None) -> bool:
    """Whether a capture was judged to show the page itself, so a later collect may reuse it.

    A capture judged blank, a bot challenge, a login wall or unavailable is taken again, and
    so is one recorded before the verdict existed (it may be a blank page stored `complete`)."""
    return page_verdict(details) == PageVerdict.PAGE


def needs_retry(details: dict[str, Any] | None) -> bool:
    """Whether a capture was judged to show something in place of the page: `recheck` takes
    such a target again whatever the age of that capture."""
    verdict = page_verdict(details)
    return verdict is not None and verdict != PageVerdict.PAGE
