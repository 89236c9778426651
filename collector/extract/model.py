"""What extraction returns: citations with their occurrences, and the page they came from."""

from dataclasses import asdict, dataclass, field
from typing import Any

from archive.vocabulary import CitationKind
from collector.sites.model import UrlKind


@dataclass(slots=True)
class Occurrence:
    """One place a citation was found: the raw string, its sentence, and how it was cited."""

    raw: str
    context: str
    via: str  # embed | link | signature | text | script
    position: int  # order of discovery within the document

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Citation:
    """One cited thing (post, profile, link or media); repeated mentions are occurrences."""

    kind: UrlKind
    platform: str
    url: str | None
    post_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    posted_at: str | None = None
    text: str | None = None
    occurrences: list[Occurrence] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)

    @property
    def embedded(self) -> bool:
        """True when the article embeds the post (not only links or pastes it)."""
        return any(o.via == "embed" for o in self.occurrences)

    def to_dict(self) -> dict[str, Any]:
        """The output-contract form (JSON-ready)."""
        return {
            "kind": self.kind,
            "platform": self.platform,
            "url": self.url,
            "post_id": self.post_id,
            "author_handle": self.author_handle,
            "author_name": self.author_name,
            "posted_at": self.posted_at,
            "text": self.text,
            "occurrences": [o.to_dict() for o in self.occurrences],
            "links": [dict(link) for link in self.links],
        }


@dataclass
class ExtractionResult:
    """Everything one document cites, in order of first appearance."""

    citations: list[Citation]
    title: str | None = None
    media_type: str = "text/html"
    encoding: str | None = None
    base_url: str | None = None
    warnings: list[str] = field(default_factory=list)

    def posts(self, platform: str | None = None) -> list[Citation]:
        """The post citations, optionally of one platform."""
        return [
            c
            for c in self.citations
            if c.kind == CitationKind.POST and (platform is None or c.platform == platform)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "media_type": self.media_type,
            "encoding": self.encoding,
            "base_url": self.base_url,
            "warnings": list(self.warnings),
            "citations": [c.to_dict() for c in self.citations],
        }
