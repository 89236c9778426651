"""Citation extraction: find every post and link an article cites.

`extract` is pure (bytes or text in, citations out; never the network). `classify_url` tells
what one URL points at. `extract_source` extracts from a `SourceInfo` (what was read, and
how); reading it from the network is `collector.collect.fetch`.
"""

from collector.extract.document import UnsupportedDocument, read_document
from collector.extract.html import extract_html
from collector.extract.merge import CitationSet, merge_into
from collector.extract.model import Citation, ExtractionResult, Occurrence
from collector.extract.source_info import SourceInfo, SourceKind
from collector.extract.text import extract_text
from collector.sites.classify import classify_url
from collector.sites.model import UrlInfo

__all__ = [
    "Citation",
    "ExtractionResult",
    "Occurrence",
    "UnsupportedDocument",
    "UrlInfo",
    "classify_url",
    "extract",
    "extract_source",
]


def extract(
    document: bytes | str,
    *,
    base_url: str | None = None,
    content_type: str | None = None,
    max_bytes: int | None = None,
) -> ExtractionResult:
    """Every citation in `document` (HTML or plain text), merged per target.

    Order: embeds and links in page order, then what the article's text holds (pasted
    signatures, URLs that are not links), then post URLs read from scripts.

    Raises `UnsupportedDocument` (an `EvidenceError`) for binary, empty or oversized input.
    """
    options = {} if max_bytes is None else {"max_bytes": max_bytes}
    doc = read_document(document, content_type, **options)
    out = CitationSet()
    title = None
    base = base_url
    if doc.media_type == "text/html":
        title, base = extract_html(doc.text, base_url, out, doc.warnings)
    else:
        extract_text(doc.text, out)
        first = doc.text.strip().split("\n", 1)[0].strip()
        title = first[:200] or None
    return ExtractionResult(
        citations=out.citations(),
        title=title,
        media_type=doc.media_type,
        encoding=doc.encoding,
        base_url=base,
        warnings=doc.warnings,
    )


def extract_source(info: SourceInfo) -> ExtractionResult:
    """Extract from a fetched source: its server HTML and, when rendered, its rendered DOM."""
    base = info.final_url or (info.location if info.kind == SourceKind.URL else None)
    result = extract(info.data, base_url=base, content_type=info.content_type)
    if info.rendered_html is None:
        return result
    rendered = extract(info.rendered_html, base_url=base, content_type="text/html")
    out = CitationSet()
    merge_into(out, result.citations, "")
    merge_into(out, rendered.citations, ":rendered")
    result.citations = out.citations()
    return result
