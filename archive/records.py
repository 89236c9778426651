"""Read-only queries that turn archive rows into plain dicts with stable keys."""

import re
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, SQLModel, select

from archive import custody
from archive.errors import NotFoundError
from archive.ids import PREFIXES
from archive.models import (
    Artifact,
    Blob,
    Capture,
    Case,
    Citation,
    CustodyEvent,
    PostSnapshot,
    Source,
    Target,
    Witness,
)
from archive.provenance.models import Checkpoint, TimestampToken
from archive.vocabulary import CaptureStatus, CitationKind, CustodyAction

MODELS: dict[str, type[SQLModel]] = {
    "Case": Case,
    "Source": Source,
    "Citation": Citation,
    "Target": Target,
    "Capture": Capture,
    "Artifact": Artifact,
    "PostSnapshot": PostSnapshot,
    "TimestampToken": TimestampToken,
    "Witness": Witness,
}
LISTABLE: dict[str, type[SQLModel]] = {
    "cases": Case,
    "sources": Source,
    "targets": Target,
    "captures": Capture,
    "events": CustodyEvent,
}
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def as_dict(row: SQLModel) -> dict[str, Any]:
    """All columns of a row, in declaration order."""
    return {name: getattr(row, name) for name in type(row).model_fields}


def counts(session: Session) -> dict[str, int]:
    """Row counts for every table, keyed by table name."""
    models = [*MODELS.values(), Blob, CustodyEvent, Checkpoint]
    return {
        model.__tablename__: session.exec(select(func.count()).select_from(model)).one()  # type: ignore[attr-defined]
        for model in models
    }


def list_rows(session: Session, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of one listable kind, newest first."""
    model = LISTABLE[kind]
    order = CustodyEvent.seq.desc() if model is CustodyEvent else model.id.desc()  # type: ignore[attr-defined]
    statement = select(model).order_by(order)
    if limit:
        statement = statement.limit(limit)
    return [as_dict(row) for row in session.exec(statement)]


def get_record(session: Session, record_id: str) -> dict[str, Any]:
    """One record by id (or blob by SHA-256, custody event by number) with its children."""
    if _SHA256.match(record_id):
        blob = session.get(Blob, record_id)
        if blob is None:
            raise NotFoundError(f"no blob with SHA-256 {record_id}")
        return {"type": "Blob", **as_dict(blob)}
    if record_id.isdigit():
        event = session.get(CustodyEvent, int(record_id))
        if event is None:
            raise NotFoundError(f"no custody event number {record_id}")
        return {"type": "CustodyEvent", **as_dict(event)}
    prefix = record_id.split("_", 1)[0]
    type_name = PREFIXES.get(prefix)
    if type_name is None:
        raise NotFoundError(
            f"{record_id!r} is not a record id (ids look like cap_01..., src_01..., tgt_01...)"
        )
    row = session.get(MODELS[type_name], record_id)
    if row is None:
        raise NotFoundError(f"no {type_name.lower()} with id {record_id}")
    record = {"type": type_name, **as_dict(row)}
    record.update(_children(session, row))
    record["events"] = [
        as_dict(event)
        for event in session.exec(
            select(CustodyEvent)
            .where(CustodyEvent.subject_id == record_id)
            .order_by(CustodyEvent.seq)  # type: ignore[arg-type]
        )
    ]
    return record


def _children(session: Session, row: SQLModel) -> dict[str, Any]:
    if isinstance(row, Capture):
        return {
            "artifacts": _all(session, select(Artifact).where(Artifact.capture_id == row.id)),
            "posts": _all(session, select(PostSnapshot).where(PostSnapshot.capture_id == row.id)),
            "vantage_comparisons": vantage_comparisons(session, row.id),
            "witnesses": _witnesses(session, Witness.capture_id == row.id),
        }
    if isinstance(row, Source):
        return {
            "citations": _all(
                session,
                select(Citation).where(Citation.source_id == row.id).order_by(Citation.position),  # type: ignore[arg-type]
            ),
            "captures": _all(session, select(Capture).where(Capture.source_id == row.id)),
        }
    if isinstance(row, Target):
        return {
            "captures": _all(session, select(Capture).where(Capture.target_id == row.id)),
            "citations": _all(session, select(Citation).where(Citation.target_id == row.id)),
            "witnesses": _witnesses(session, Witness.target_id == row.id),
        }
    if isinstance(row, Case):
        return {
            "sources": _all(session, select(Source).where(Source.case_id == row.id)),
            "captures": _all(session, select(Capture).where(Capture.case_id == row.id)),
        }
    return {}


def vantage_comparisons(session: Session, capture_id: str) -> list[dict[str, Any]]:
    """The `vantage.compared` events a capture is either side of, oldest first: the event's
    number and time with its payload (both capture ids, the vantage, the comparison)."""
    events = session.exec(
        select(CustodyEvent)
        .where(CustodyEvent.action == CustodyAction.VANTAGE_COMPARED)
        .order_by(CustodyEvent.seq)  # type: ignore[arg-type]
    )
    return [
        {"seq": event.seq, "occurred_at": event.occurred_at, **event.payload}
        for event in events
        if capture_id in (event.payload.get("capture_id"), event.payload.get("vantage_capture_id"))
    ]


def _witnesses(session: Session, condition: Any) -> list[dict[str, Any]]:
    """What independent archives answered, oldest question first."""
    statement = select(Witness).where(condition).order_by(Witness.created_at, Witness.id)  # type: ignore[arg-type]
    return _all(session, statement)


def _all(session: Session, statement: Any) -> list[dict[str, Any]]:
    return [as_dict(row) for row in session.exec(statement)]


def chain_status(session: Session) -> dict[str, Any]:
    """The custody chain's length, head hash and any broken links."""
    last = custody.head(session)
    problems = custody.check_chain(session)
    return {
        "events": last.seq if last else 0,
        "head": last.entry_hash if last else custody.GENESIS_HASH,
        "intact": not problems,
        "problems": [problem.__dict__ for problem in problems],
    }


def changes(session: Session, limit: int | None = None) -> list[dict[str, Any]]:
    """Changes rechecks recorded (`target.changed` custody events), newest first."""
    statement = (
        select(CustodyEvent)
        .where(CustodyEvent.action == CustodyAction.TARGET_CHANGED)
        .order_by(CustodyEvent.seq.desc())  # type: ignore[union-attr]
    )
    if limit:
        statement = statement.limit(limit)
    return [
        {
            "seq": event.seq,
            "occurred_at": event.occurred_at,
            "target_id": event.subject_id,
            "from_capture": event.payload.get("from_capture"),
            "to_capture": event.payload.get("to_capture"),
            "changes": event.payload.get("changes", []),
        }
        for event in session.exec(statement)
    ]


ARTICLE_PLATFORM = "article"
"""The platform shown for a capture of a source itself (it has no target)."""
EXCERPT_WORDS = 24


def excerpt(text: str | None, words: int = EXCERPT_WORDS) -> str:
    """The first `words` words of `text` on one line, with "…" when cut."""
    parts = (text or "").split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def capture_summaries(
    session: Session,
    *,
    case_id: str | None = None,
    status: str | None = None,
    platform: str | None = None,
    capture_ids: list[str] | None = None,
    limit: int | None = None,
    attention_first: bool = False,
) -> list[dict[str, Any]]:
    """What each capture is, newest first (partial, then failed, first if `attention_first`):
    platform, author, first words of the post or the page title, thumbnail blob, status and
    times (for list pages; filters are optional)."""
    statement = select(Capture, Target).join(Target, isouter=True)
    if attention_first:
        rank = case(
            (Capture.status == CaptureStatus.PARTIAL, 0),
            (Capture.status == CaptureStatus.FAILED, 1),
            else_=2,
        )
        statement = statement.order_by(rank)
    statement = statement.order_by(Capture.started_at.desc(), Capture.id.desc())  # type: ignore[attr-defined]
    if case_id:
        statement = statement.where(Capture.case_id == case_id)
    if status:
        statement = statement.where(Capture.status == status)
    if platform == ARTICLE_PLATFORM:
        statement = statement.where(Capture.target_id.is_(None))  # type: ignore[union-attr]
    elif platform:
        statement = statement.where(Target.platform == platform)
    if capture_ids is not None:
        statement = statement.where(Capture.id.in_(capture_ids))  # type: ignore[attr-defined]
    if limit:
        statement = statement.limit(limit)
    pairs = session.exec(statement).all()
    ids = [capture.id for capture, _ in pairs]
    posts = _main_posts(session, ids, {c.id: t.post_id for c, t in pairs if t is not None})
    thumbs = _thumbnails(session, ids)
    return [_summary(capture, target, posts.get(capture.id), thumbs) for capture, target in pairs]


def _summary(
    capture: Capture,
    target: Target | None,
    post: PostSnapshot | None,
    thumbs: dict[str, dict[str, str]],
) -> dict[str, Any]:
    handle = (post.author_handle if post else None) or (target.author_handle if target else None)
    return {
        "id": capture.id,
        "status": capture.status,
        "status_reason": capture.status_reason,
        "url": capture.requested_url,
        "final_url": capture.final_url,
        "http_status": capture.http_status,
        "started_at": capture.started_at,
        "finished_at": capture.finished_at,
        "case_id": capture.case_id,
        "source_id": capture.source_id,
        "target_id": capture.target_id,
        "platform": target.platform if target else ARTICLE_PLATFORM,
        "kind": target.kind if target else "page",
        "author_handle": handle.lstrip("@") if handle else None,
        "author_name": post.author_name if post else None,
        "availability": post.availability if post else None,
        "excerpt": excerpt(post.text) if post else "",
        "title": (capture.details or {}).get("title"),
        "thumbnail": thumbs.get(capture.id, {}).get("media")
        or thumbs.get(capture.id, {}).get("screenshot"),
    }


def _main_posts(
    session: Session, capture_ids: list[str], post_ids: dict[str, str | None]
) -> dict[str, PostSnapshot]:
    """Per capture, the post its target names (else the first stored; quoted posts follow)."""
    found: dict[str, PostSnapshot] = {}
    if not capture_ids:
        return found
    statement = (
        select(PostSnapshot)
        .where(PostSnapshot.capture_id.in_(capture_ids))  # type: ignore[attr-defined]
        .order_by(PostSnapshot.created_at, PostSnapshot.id)
    )
    for post in session.exec(statement):
        current = found.get(post.capture_id)
        wanted = post_ids.get(post.capture_id)
        named = wanted is not None and post.post_id == wanted
        if current is None or (named and current.post_id != wanted):
            found[post.capture_id] = post
    return found


def _thumbnails(session: Session, capture_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per capture, the blob of its first media thumbnail and of its screenshot thumbnail."""
    found: dict[str, dict[str, str]] = {}
    if not capture_ids:
        return found
    statement = (
        select(Artifact)
        .where(Artifact.capture_id.in_(capture_ids), Artifact.role == "thumbnail")  # type: ignore[attr-defined]
        .order_by(Artifact.name)
    )
    for artifact in session.exec(statement):
        of = str((artifact.details or {}).get("of") or "")
        slot = "screenshot" if of.startswith("screenshot") else "media"
        found.setdefault(artifact.capture_id, {}).setdefault(slot, artifact.blob_sha256)
    return found


def capture_facets(session: Session) -> dict[str, list[tuple[str, int]]]:
    """The values list pages can filter by, with counts: status, platform and case."""
    statuses = session.exec(
        select(Capture.status, func.count()).group_by(Capture.status)  # type: ignore[arg-type]
    ).all()
    platforms = session.exec(
        select(Target.platform, func.count())  # type: ignore[arg-type]
        .select_from(Capture)
        .join(Target, isouter=True)
        .group_by(Target.platform)
    ).all()
    cases = session.exec(
        select(Case.id, Case.name).order_by(Case.name)  # type: ignore[arg-type]
    ).all()
    return {
        "status": [(str(s), int(n)) for s, n in statuses],
        "platform": sorted((str(p or ARTICLE_PLATFORM), int(n)) for p, n in platforms),
        "case": [(str(i), str(name)) for i, name in cases],  # type: ignore[misc]
    }


def capture_kinds(session: Session) -> dict[str, int]:
    """Captures of posts, and of pages (links, profiles, media and the articles themselves)."""
    statement = (
        select(Target.kind, func.count())  # type: ignore[arg-type]
        .select_from(Capture)
        .join(Target, isouter=True)
        .group_by(Target.kind)
    )
    found = {"posts": 0, "pages": 0}
    for kind, count in session.exec(statement).all():
        found["posts" if kind == CitationKind.POST else "pages"] += int(count)
    return found


def case_items(session: Session, case_id: str) -> list[dict[str, Any]]:
    """Every cited item of every source of a case, in citation order, with its latest capture
    (a summary) or none yet."""
    sources = session.exec(
        select(Source).where(Source.case_id == case_id).order_by(Source.created_at)  # type: ignore[arg-type]
    ).all()
    citations = session.exec(
        select(Citation)
        .where(Citation.source_id.in_([s.id for s in sources]))  # type: ignore[attr-defined]
        .order_by(Citation.source_id, Citation.position)
    ).all()
    target_ids = {c.target_id for c in citations if c.target_id}
    latest: dict[str, str] = {}
    for capture in session.exec(
        select(Capture)
        .where(Capture.target_id.in_(target_ids))  # type: ignore[union-attr]
        .order_by(Capture.started_at)  # type: ignore[arg-type]
    ):
        latest[str(capture.target_id)] = capture.id
    summaries = {s["id"]: s for s in capture_summaries(session, capture_ids=list(latest.values()))}
    by_source: dict[str, list[Citation]] = {}
    for citation in citations:
        by_source.setdefault(citation.source_id, []).append(citation)
    return [
        {
            "source": as_dict(source),
            "items": [
                {
                    "citation": as_dict(citation),
                    "capture": summaries.get(latest.get(citation.target_id or "", "")),
                }
                for citation in by_source.get(source.id, [])
            ],
        }
        for source in sources
    ]
