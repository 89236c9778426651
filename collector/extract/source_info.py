"""What a source document is and how it was read: the record `extract_source` works from."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SourceKind(StrEnum):
    """Where a source document came from."""

    URL = "url"
    FILE = "file"
    STDIN = "stdin"


@dataclass
class SourceInfo:
    """What was read, and how."""

    kind: SourceKind
    location: str
    data: bytes
    content_type: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    rendered_html: str | None = None
    fetched_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept with the source (the bytes themselves are a blob)."""
        return {
            "kind": self.kind,
            "location": self.location,
            "size": len(self.data),
            "content_type": self.content_type,
            "final_url": self.final_url,
            "http_status": self.http_status,
            "redirects": self.redirects,
            "rendered": self.rendered_html is not None,
        }
