"""Read the article: capture it (URL) or read it (file, stdin), extract, store with targets.

For a URL the extraction reads exactly what the capture recorded (the server HTML as received
and the rendered DOM), so the citations and the evidence come from one fetch. A signature
pasted without its post URL is resolved through its `pic.twitter.com` / `t.co` link when it
has one (the redirect chain is kept with the citation); otherwise it stays unresolved with
everything it states.
"""

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
from sqlmodel import Session, col, select

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.ids import new_id
from archive.models import Capture, Citation, Source
from archive.timeutil import utcnow
from archive.vocabulary import CaptureStatus, CitationKind
from collector.capture.result import CaptureResult
from collector.capture.store import insert_rows
from collector.collect.acquire import Acquirer, Acquisition
from collector.collect.fetch import fetch_source
from collector.collect.locations import is_url
from collector.collect.record import SavedCapture, save_acquisition, saved_capture, sealed_rows
from collector.collect.targets import ensure_target
from collector.extract import classify_url, extract_source
from collector.extract.model import ExtractionResult
from collector.extract.source_info import SourceInfo, SourceKind
from collector.extract.store import add_extraction, save_extraction

RESOLVABLE_HOSTS = ("pic.twitter.com", "pic.x.com", "t.co")


@dataclass
class IngestedSource:
    """The stored source, and its own capture when it was a URL captured in this run."""

    source_id: str
    reused: bool
    capture: SavedCapture | None = None


def existing_source(session: Session, location: str, content_sha256: str | None) -> Source | None:
    """The newest Source read from `location` (with this content, when given) whose citations
    all have their targets: one `extract` stored (no targets) is not reused, so `collect`
    captures what it cites."""
    untargeted = (
        select(Citation.id)
        .where(Citation.source_id == Source.id, col(Citation.target_id).is_(None))
        .exists()
    )
    statement = select(Source).where(Source.location == location, ~untargeted)
    if content_sha256 is not None:
        statement = statement.where(Source.content_sha256 == content_sha256)
    return session.exec(statement.order_by(col(Source.created_at).desc()).limit(1)).first()


def _source_info_from_capture(url: str, result: CaptureResult) -> SourceInfo:
    page = result.artifact("server-html") or result.artifact("server-body")
    dom = result.artifact("dom")
    if page is None and dom is None:
        raise EvidenceError(
            f"could not read the article at {url}: {result.status_reason or 'no page received'}"
        )
    data = page.data if page is not None else dom.data
    return SourceInfo(
        kind=SourceKind.URL,
        location=url,
        data=data,
        content_type=page.media_type if page is not None else "text/html",
        final_url=result.final_url,
        http_status=result.http_status,
        redirects=result.redirect_chain,
        rendered_html=dom.data.decode("utf-8", errors="replace") if dom is not None else None,
        fetched_at=result.started_at,
    )


async def resolve_signatures(result: ExtractionResult, client: httpx.AsyncClient) -> None:
    """Give URL-less post signatures a post URL when one of their links redirects to one."""
    for citation in result.citations:
        if citation.url is not None or citation.kind != CitationKind.POST:
            continue
        for link in citation.links:
            url = str(link.get("url") or "")
            host = httpx.URL(url).host if url.startswith("http") else ""
            if host not in RESOLVABLE_HOSTS:
                continue
            try:
                response = await client.get(url)
            except httpx.HTTPError as exc:
                link["resolution_error"] = f"{type(exc).__name__}: {exc}"
                continue
            hops = [str(r.url) for r in response.history] + [str(response.url)]
            link["resolved_chain"] = hops
            info = classify_url(str(response.url))
            if info is not None and info.kind == CitationKind.POST and info.post_id:
                citation.url = info.canonical_url
                citation.post_id = info.post_id
                citation.author_handle = citation.author_handle or info.handle
                link["resolved_post"] = info.canonical_url
                break


def _target_for(archive: Archive) -> Any:
    def target_for(session: Session, citation: dict[str, Any]) -> str | None:
        return ensure_target(archive, session, citation).id

    return target_for


def _fresh_source_capture(
    session: Session, location: str, fresh_since: Any
) -> tuple[Source, Capture] | None:
    source = existing_source(session, location, None)
    if source is None:
        return None
    capture = session.exec(
        select(Capture)
        .where(Capture.source_id == source.id, Capture.status == CaptureStatus.COMPLETE)
        .where(col(Capture.started_at) >= fresh_since)
        .order_by(col(Capture.started_at).desc())
        .limit(1)
    ).first()
    return (source, capture) if capture is not None else None


async def ingest(
    archive: Archive,
    location: str,
    acquirer: Acquirer,
    *,
    case_id: str | None,
    fresh_since: Any,
    recapture: bool,
) -> IngestedSource:
    """Store the source with its citations and their targets; reuse a fresh identical one."""
    if is_url(location):
        if not recapture:
            with archive.session() as session:
                found = _fresh_source_capture(session, location, fresh_since)
            if found is not None:
                return IngestedSource(found[0].id, reused=True)
        acquisition = await acquirer.acquire(location)
        try:
            info = _source_info_from_capture(location, acquisition.capture)
        except EvidenceError as exc:  # the failed capture is evidence too: keep it
            saved = await asyncio.to_thread(
                lambda: save_acquisition(archive, acquisition, case_id=case_id)
            )
            raise EvidenceError(
                f"{exc} (the failed capture is recorded as {saved.capture_id})"
            ) from exc

    else:
        info = await asyncio.to_thread(fetch_source, location)
        info.fetched_at = info.fetched_at or utcnow()
        if not recapture:
            digest = hashlib.sha256(info.data).hexdigest()
            with archive.session() as session:
                found_source = existing_source(session, info.location, digest)
            if found_source is not None:
                return IngestedSource(found_source.id, reused=True)
        acquisition = None
    result = extract_source(info)
    await resolve_signatures(result, acquirer.client)
    if acquisition is None:
        source_id = await asyncio.to_thread(
            save_extraction, archive, info, result, case_id, _target_for(archive)
        )
        return IngestedSource(source_id, reused=False)
    saved = await asyncio.to_thread(_save_with_capture, archive, info, result, acquisition, case_id)
    return IngestedSource(saved.source_id, reused=False, capture=saved.capture)


@dataclass
class _SourceWithCapture:
    source_id: str
    capture: SavedCapture


def _save_with_capture(
    archive: Archive,
    info: SourceInfo,
    result: ExtractionResult,
    acquisition: Acquisition,
    case_id: str | None,
) -> _SourceWithCapture:
    """The source, its citations and targets, and the capture they were read from, in one
    transaction: a crash between them cannot leave a source without its capture, which a
    resumed collect would not reuse (a second source row for the same article)."""
    source_id = new_id("src")
    rows, related = sealed_rows(archive, acquisition, source_id=source_id, case_id=case_id)
    with archive.session() as session:
        add_extraction(archive, session, info, result, case_id, _target_for(archive), source_id)
        insert_rows(archive, rows, session)
    return _SourceWithCapture(source_id, saved_capture(rows, related))
