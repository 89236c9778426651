"""Read the archive into the shapes the viewer's pages show."""

import re
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from archive import records
from archive.errors import NotFoundError
from archive.models import (
    Artifact,
    Capture,
    Citation,
    CustodyEvent,
    PostSnapshot,
    Source,
    Target,
)
from archive.provenance.models import TimestampToken
from archive.vocabulary import CaptureStatus

PAGE_SIZE = 100
SCREENSHOT_ROLES = ("screenshot-full", "screenshot-viewport")
DOM_ROLES = ("dom",)


ATTENTION = (CaptureStatus.PARTIAL, CaptureStatus.FAILED)
"""Statuses listed first: what an investigator may need to capture again."""
PLATFORM_ICONS = {
    "twitter": "𝕏",
    "telegram": "✈️",
    "bluesky": "🦋",
    "video": "▶️",
    "generic": "🌐",
    records.ARTICLE_PLATFORM: "📰",
}
COUNT_WORDS: tuple[tuple[str, str, str, str | None], ...] = (
    # (key in records.counts, one, many, list page)
    ("case", "case", "cases", None),
    ("source", "source read", "sources read", "/sources"),
    ("target", "cited item", "cited items", "/targets"),
    ("capture", "capture", "captures", "/captures"),
    ("posts", "post", "posts", None),
    ("pages", "page", "pages", None),
    ("artifact", "artifact", "artifacts", None),
    ("timestamp_token", "timestamp", "timestamps", None),
    ("custody_event", "custody event", "custody events", "/events"),
    ("checkpoint", "log checkpoint", "log checkpoints", None),
)


def counts_in_words(session: Session) -> list[dict[str, Any]]:
    """The archive's counts as `{"count", "label", "href"}`, labelled in words, not tables."""
    counts = {**records.counts(session), **records.capture_kinds(session)}
    return [
        {"count": counts.get(key, 0), "label": one if counts.get(key, 0) == 1 else many,
         "href": href}
        for key, one, many, href in COUNT_WORDS
    ]  # fmt: skip


def home(session: Session) -> dict[str, Any]:
    """Counts in words, cases, captures that need attention, and the newest captures."""
    attention = [
        row
        for status in ATTENTION
        for row in records.capture_summaries(session, status=status, limit=10)
    ]
    return {
        "counts": counts_in_words(session),
        "chain": records.chain_status(session),
        "cases": records.list_rows(session, "cases", 50),
        "attention": attention,
        "captures": records.capture_summaries(session, limit=20),
    }


def captures(session: Session, filters: dict[str, str | None]) -> dict[str, Any]:
    """The captures list, partial and failed first: summaries matching `filters` (case, status,
    platform) and the values each filter offers."""
    chosen = {key: value or None for key, value in filters.items()}
    facets = records.capture_facets(session)
    order = {status: index for index, status in enumerate([*ATTENTION, CaptureStatus.COMPLETE])}
    facets["status"].sort(key=lambda pair: order.get(pair[0], len(order)))
    return {
        "rows": records.capture_summaries(session, **chosen, limit=PAGE_SIZE, attention_first=True),
        "facets": facets,
        "filters": chosen,
    }


def rows(session: Session, kind: str) -> list[dict[str, Any]]:
    """One list page (newest first)."""
    return records.list_rows(session, kind, PAGE_SIZE)


def highlight(context: str, raw: str) -> list[tuple[str, bool]]:
    """Split `context` into (text, is_the_citation) pieces, for marking the cited words.

    The cited string is marked where it appears (also without its scheme and query, as link
    texts often show it); when the context is a sentence around a link whose text differs,
    the whole sentence is marked as the citing sentence.
    """
    if not context:
        return [(raw, True)] if raw else []
    for candidate in _shown_forms(raw):
        if candidate and candidate in context:
            before, _, after = context.partition(candidate)
            return [(before, False), (candidate, True), (after, False)]
    return [(context, True)]


def _shown_forms(raw: str) -> list[str]:
    bare = re.sub(r"^https?://(www\.)?", "", raw)
    return [raw, bare, bare.split("?", 1)[0].split("#", 1)[0]]


def source(session: Session, source_id: str) -> dict[str, Any]:
    """A source with its citations, each occurrence split for highlighting."""
    record = records.get_record(session, source_id)
    if record["type"] != "Source":
        raise NotFoundError(f"no source with id {source_id}")
    for citation in record["citations"]:
        citation["highlighted"] = [
            highlight(str(o.get("context") or ""), str(o.get("raw") or ""))
            for o in citation.get("occurrences") or []
        ]
    return record


def target(session: Session, target_id: str) -> dict[str, Any]:
    """A target with its capture history, oldest first, and the changes between captures."""
    record = records.get_record(session, target_id)
    if record["type"] != "Target":
        raise NotFoundError(f"no target with id {target_id}")
    captures = sorted(record["captures"], key=lambda c: c["started_at"])
    previous: dict[str, Any] | None = None
    for capture in captures:
        capture["changes"] = _changes(previous, capture) if previous else []
        previous = capture
    record["captures"] = captures
    return record


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changes = []
    for field in ("status", "http_status", "final_url"):
        if before.get(field) != after.get(field):
            changes.append(f"{field}: {before.get(field)} → {after.get(field)}")
    return changes


def capture(session: Session, capture_id: str) -> dict[str, Any]:
    """A capture with its artifacts, post data, events, screenshot and DOM artifacts."""
    record = records.get_record(session, capture_id)
    if record["type"] != "Capture":
        raise NotFoundError(f"no capture with id {capture_id}")
    artifacts = record["artifacts"]
    record["screenshot"] = _first_role(artifacts, SCREENSHOT_ROLES, prefix="screenshot")
    record["dom"] = _first_role(artifacts, DOM_ROLES)
    record["card"] = _first_role(artifacts, ("evidence-card",))
    record["certificates"] = _first_role(artifacts, ("tls-certificates",))
    thumbs = {
        a["name"].removesuffix(".thumb.webp"): a for a in artifacts if a["role"] == "thumbnail"
    }
    record["media"] = [
        {**a, "thumb": thumbs.get(a["name"].rsplit(".", 1)[0])}
        for a in artifacts
        if a["role"] == "media"
    ]
    record["timestamps"] = [
        records.as_dict(token)
        for token in session.exec(
            select(TimestampToken)
            .where(
                TimestampToken.subject_type == "capture", TimestampToken.subject_id == capture_id
            )
            .order_by(col(TimestampToken.created_at))
        )
    ]
    record["target"] = (
        records.as_dict(session.get(Target, record["target_id"])) if record["target_id"] else None
    )
    record["summary"] = records.capture_summaries(session, capture_ids=[capture_id])[0]
    return record


def _first_role(
    artifacts: list[dict[str, Any]], roles: tuple[str, ...], prefix: str | None = None
) -> dict[str, Any] | None:
    for role in roles:
        for artifact in artifacts:
            if artifact["role"] == role:
                return artifact
    if prefix:
        for artifact in artifacts:
            if artifact["role"].startswith(prefix) and artifact["media_type"].startswith("image/"):
                return artifact
    return None


def artifact_for_blob(session: Session, sha256: str) -> Artifact:
    """An artifact that stores this blob (the viewer only serves blobs that are artifacts)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise NotFoundError("not a SHA-256")
    found = session.exec(select(Artifact).where(Artifact.blob_sha256 == sha256).limit(1)).first()
    if found is None:
        raise NotFoundError(f"no artifact stores blob {sha256}")
    return found


SEARCH_MODELS: dict[str, Any] = {
    "post": PostSnapshot,
    "source": Source,
    "citation": Citation,
    "capture": Capture,
}
SEARCH_LIMIT = 200


def search(session: Session, query: str) -> dict[str, list[dict[str, Any]]]:
    """Full-text search (SQLite FTS5 / PostgreSQL tsvector) over post texts, page titles,
    citations and URLs; every word must match, as a prefix, case- and accent-insensitively."""
    found: dict[str, list[dict[str, Any]]] = {
        "posts": [],
        "sources": [],
        "citations": [],
        "captures": [],
    }
    terms = re.findall(r"\w+", query)[:8]
    if not terms:
        return found
    if session.get_bind().dialect.name == "sqlite":
        statement = text(
            "SELECT kind, ref_id FROM search_index WHERE search_index MATCH :q "
            "ORDER BY rank LIMIT :limit"
        )
        value = " ".join(f'"{term}"*' for term in terms)
    else:
        statement = text(
            "SELECT kind, ref_id FROM search_index WHERE tsv @@ to_tsquery('simple', :q) "
            "ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC LIMIT :limit"
        )
        value = " & ".join(f"{term}:*" for term in terms)
    hits = session.exec(statement.bindparams(q=value, limit=SEARCH_LIMIT)).all()  # type: ignore[call-overload]
    seen: set[tuple[str, str]] = set()
    for kind, ref_id in hits:
        if (kind, ref_id) in seen or kind not in SEARCH_MODELS:
            continue
        seen.add((kind, ref_id))
        row = session.get(SEARCH_MODELS[kind], ref_id)
        if row is not None:
            found[f"{kind}s"].append(records.as_dict(row))
    found["posts"] = _summaries(session, [row["capture_id"] for row in found["posts"]])
    found["captures"] = _summaries(session, [row["id"] for row in found["captures"]])
    return found


def _summaries(session: Session, capture_ids: list[str]) -> list[dict[str, Any]]:
    """Capture summaries in the order of `capture_ids`, each once."""
    ids = list(dict.fromkeys(capture_ids))
    summaries = {row["id"]: row for row in records.capture_summaries(session, capture_ids=ids)}
    return [summaries[i] for i in ids if i in summaries]


def events(session: Session) -> list[dict[str, Any]]:
    """The newest custody events."""
    statement = select(CustodyEvent).order_by(col(CustodyEvent.seq).desc()).limit(PAGE_SIZE)
    return [records.as_dict(e) for e in session.exec(statement)]


def case(session: Session, case_id: str) -> dict[str, Any]:
    """A case as it reads: every cited item of every source with its latest capture."""
    record = records.get_record(session, case_id)
    if record["type"] != "Case":
        raise NotFoundError(f"no case with id {case_id}")
    record["sources"] = records.case_items(session, case_id)
    record["statuses"] = _item_statuses(record["sources"])
    return record


def _item_statuses(sources: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """How many cited items of a case stand at each status (unresolved: no URL found)."""
    counts: dict[str, int] = {}
    for source in sources:
        for item in source["items"]:
            capture = item["capture"]
            if capture is not None:
                status = capture["status"]
            else:
                status = "not captured" if item["citation"]["target_id"] else "unresolved"
            counts[status] = counts.get(status, 0) + 1
    return sorted(counts.items(), key=lambda pair: (pair[0] == CaptureStatus.COMPLETE, pair[0]))
