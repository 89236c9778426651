"""Storing one extraction: a Source row with its content blob and one Citation row per citation,
with a `source.extracted` custody event, all in one transaction."""

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Citation as CitationRow
from archive.models import Source
from archive.vocabulary import CustodyAction
from collector.extract.model import ExtractionResult
from collector.extract.source_info import SourceInfo

TargetFor = Callable[[Session, dict[str, Any]], str | None]


def save_extraction(
    archive: Archive,
    source_info: SourceInfo,
    result: ExtractionResult,
    case_id: str | None = None,
    target_for: TargetFor | None = None,
) -> str:
    """Store the source and its citations in one transaction; return the new source id.

    `target_for(session, citation)` (used by `collect`) names the Target of each citation inside
    the same transaction; without it citations are stored with no target.
    """
    with archive.session() as session:
        return add_extraction(archive, session, source_info, result, case_id, target_for)


def add_extraction(
    archive: Archive,
    session: Session,
    source_info: SourceInfo,
    result: ExtractionResult,
    case_id: str | None = None,
    target_for: TargetFor | None = None,
    source_id: str | None = None,
) -> str:
    """`save_extraction` inside the caller's transaction (with the source's own capture, for
    `collect`), under `source_id` when the caller chose it."""
    blob = archive.store_blob(session, source_info.data)
    rendered = None
    if source_info.rendered_html is not None:
        rendered = archive.store_blob(session, source_info.rendered_html.encode("utf-8"))
        archive.add_blob_row(session, rendered)  # only the custody event names it
    source = Source(
        id=source_id or new_id("src"),
        case_id=case_id,
        kind=source_info.kind,
        location=source_info.location,
        final_url=source_info.final_url,
        http_status=source_info.http_status,
        media_type=result.media_type,
        title=result.title,
        content_sha256=blob.sha256,
        investigator=archive.settings.investigator,
        fetched_at=source_info.fetched_at,
    )
    session.add(source)
    session.flush()
    citation_ids = []
    for position, citation in enumerate(result.citations):
        data = citation.to_dict()
        target_id = target_for(session, data) if target_for else None
        row = CitationRow(
            id=new_id("cit"),
            source_id=source.id,
            target_id=target_id,
            position=position,
            **data,
        )
        session.add(row)
        citation_ids.append(row.id)
    session.flush()
    archive.record(
        session,
        CustodyAction.SOURCE_EXTRACTED,
        "source",
        source.id,
        {
            "kind": source.kind,
            "location": source.location,
            "final_url": source.final_url,
            "http_status": source.http_status,
            "content_sha256": blob.sha256,
            "rendered_sha256": rendered.sha256 if rendered else None,
            "redirects": source_info.redirects,
            "encoding": result.encoding,
            "warnings": result.warnings,
            "citations": len(citation_ids),
            "citation_ids": citation_ids,
        },
    )
    return source.id
