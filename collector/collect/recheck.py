"""Recheck targets: capture them again and record what changed since the last capture.

Compared between the newest earlier capture of a target and the new one: the post's
availability (deleted, suspended, protected, ...), its text, its media (by SHA-256), the page's
HTTP status, final URL, content hash (SHA-256 of the server's HTML as received) and page
verdict (a login wall or challenge that became the page, or the reverse). Each
difference is stated in a `target.changed` custody event, which `evidence list --changed`
shows. A recheck never edits earlier records: the new capture and the event are added.

Without target ids, a target is rechecked when its newest capture is older than asked, and
also, whatever its age, when that capture was judged to show something in place of the page
(blank, a bot challenge, a login wall, "unavailable"): those are retried on every recheck.
"""

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from archive.archive import Archive
from archive.errors import NotFoundError
from archive.models import Artifact, Capture, PostSnapshot, Target
from archive.provenance.seal import finish_writes
from archive.timeutil import iso, utcnow
from archive.vocabulary import CustodyAction
from collector.collect.pipeline import CollectOptions, ProgressFn
from collector.collect.plan import needs_retry, page_verdict
from collector.collect.record import save_acquisition
from collector.collect.stack import capture_stack
from collector.collect.vantage import is_vantage_capture


@dataclass
class Change:
    """One fact that differs between two captures of a target."""

    field: str
    before: Any
    after: Any


@dataclass
class RecheckResult:
    """One target rechecked."""

    target_id: str
    url: str | None
    capture_id: str | None
    previous_capture_id: str | None
    status: str
    changes: list[Change] = field(default_factory=list)
    reason: str | None = None


def state_of(session: Session, capture: Capture) -> dict[str, Any]:
    """The comparable facts of one capture."""
    post = session.exec(
        select(PostSnapshot).where(PostSnapshot.capture_id == capture.id).limit(1)
    ).first()
    artifacts = session.exec(select(Artifact).where(Artifact.capture_id == capture.id)).all()
    page = next((a for a in artifacts if a.role in ("server-html", "server-body")), None)
    return {
        "capture_status": capture.status,
        "http_status": capture.http_status,
        "final_url": capture.final_url,
        "content_sha256": page.blob_sha256 if page else None,
        "availability": post.availability if post else None,
        "text": post.text if post else None,
        "media_sha256": sorted(a.blob_sha256 for a in artifacts if a.role == "media") or None,
        "page_verdict": page_verdict(capture.details),
    }


JUDGED_LATER = frozenset({"page_verdict"})
"""Facts older captures may lack: their first appearance is not a change."""


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """What changed; a fact the new capture could not read is not reported as a change."""
    return [
        Change(name, before[name], after[name])
        for name in before
        if after.get(name) is not None
        and before[name] != after[name]
        and not (name in JUDGED_LATER and before[name] is None)
    ]


def targets_to_recheck(
    session: Session, target_ids: list[str], older_than: datetime | None
) -> list[Target]:
    """The named targets, or every captured target whose newest capture is older than given
    or was judged to show something in place of the page."""
    if target_ids:
        found = []
        for target_id in target_ids:
            target = session.get(Target, target_id)
            if target is None:
                raise NotFoundError(f"no target with id {target_id}")
            found.append(target)
        return found
    targets = []
    for target in session.exec(select(Target).where(col(Target.canonical_url).is_not(None))):
        newest = _newest_capture(session, target.id, None)
        if newest is None:
            continue
        if older_than is None or newest.started_at < older_than or needs_retry(newest.details):
            targets.append(target)
    return targets


def _newest_capture(session: Session, target_id: str, before: str | None) -> Capture | None:
    """The newest normal capture of a target (never a vantage capture), other than `before`."""
    statement = select(Capture).where(Capture.target_id == target_id)
    if before is not None:
        statement = statement.where(Capture.id != before)
    newest_first = session.exec(statement.order_by(col(Capture.started_at).desc()))
    return next((c for c in newest_first if not is_vantage_capture(c.details)), None)


async def _recheck_all(
    archive: Archive, targets: list[Target], options: CollectOptions, progress: ProgressFn
) -> list[RecheckResult]:
    progress("rechecking", len(targets))
    async with capture_stack(
        options.capture, options.platforms, sessions=options.sessions
    ) as stack:

        async def one(target: Target) -> RecheckResult:
            try:
                url = str(target.canonical_url)
                turn = await stack.acquirer.session_turn(url)
                async with stack.browser_slots:
                    acquisition = await stack.acquirer.acquire(url, turn=turn)
                saved = await asyncio.to_thread(
                    save_acquisition, archive, acquisition, target_id=target.id
                )
                return await asyncio.to_thread(_compare, archive, target, saved.capture_id)
            finally:
                progress(f"done {target.canonical_url}", None)

        return list(await asyncio.gather(*(one(target) for target in targets)))


def _compare(archive: Archive, target: Target, capture_id: str) -> RecheckResult:
    with archive.session() as session:
        new = session.get(Capture, capture_id)
        assert new is not None
        previous = _newest_capture(session, target.id, capture_id)
        result = RecheckResult(
            target.id, target.canonical_url, capture_id, previous.id if previous else None,
            new.status, reason=new.status_reason,
        )  # fmt: skip
        if previous is None:
            return result
        result.changes = differences(state_of(session, previous), state_of(session, new))
        if result.changes:
            archive.record(
                session,
                CustodyAction.TARGET_CHANGED,
                "target",
                target.id,
                {
                    "from_capture": previous.id,
                    "to_capture": capture_id,
                    "changes": [asdict(change) for change in result.changes],
                },
            )
    return result


def recheck(
    archive: Archive,
    target_ids: list[str],
    options: CollectOptions,
    progress: ProgressFn,
    older_than: datetime | None = None,
) -> tuple[list[RecheckResult], dict[str, Any]]:
    """Recheck targets (blocking); returns the results and the timestamp/checkpoint summary."""
    with archive.session() as session:
        targets = targets_to_recheck(session, target_ids, older_than)
    results = asyncio.run(_recheck_all(archive, targets, options, progress)) if targets else []
    finish = finish_writes(archive)
    return results, {
        "checked_at": iso(utcnow()),
        "granted": sum(1 for token in finish.tokens if token.status == "ok"),
        "failed": len(finish.failed),
    }
