"""Citation extraction: find every post and link an article cites.

`extract` is pure (bytes or text in, citations out; never the network). `classify_url` tells
what one URL points at. `fetch_source` reads a URL, file or stdin for the CLI.
"""

from collector.extract.document import UnsupportedDocument, read_document
from collector.extract.html import extract_html
from collector.extract.merge import CitationSet
from collector.extract.model import Citation, ExtractionResult, Occurrence
from collector.extract.platforms import UrlInfo, classify_url
from collector.extract.text import extract_text

__all__ = [
    "Citation",
    "ExtractionResult",
    "Occurrence",
    "UnsupportedDocument",
    "UrlInfo",
    "classify_url",
    "extract",
    "fetch_source",
]


def extract(
    document: bytes | str,
    *,
    base_url: str | None = None,
    content_type: str | None = None,
    max_bytes: int | None = None,
) -> ExtractionResult:
    """Every citation in `document` (HTML or plain text), merged per target, in page order.

    Raises `UnsupportedDocument` (an `EvidenceError`) for binary, empty or oversized input.
    """
    options = {} if max_bytes is None else {"max_bytes": max_bytes}
    doc = read_document(document, content_type, **options)
    out = CitationSet()
    title = None
    base = base_url
    if doc.media_type == "text/html":
        title, base = extract_html(doc.text, base_url, out)
    else:
        extract_text(doc.text, out, base_url)
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


def __getattr__(name: str) -> object:
    if name == "fetch_source":  # imported lazily: it pulls in httpx and Playwright
        from collector.extract.fetch import fetch_source

        return fetch_source
    raise AttributeError(name)
