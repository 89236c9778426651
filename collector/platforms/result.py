"""What a platform adapter returns: the post as one capture saw it, plus the raw responses.

Plain dataclasses: adapters fill them, `store.snapshot_rows` turns them into archive rows.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive.vocabulary import Availability

MEDIA_KINDS = ("photo", "video", "gif", "m3u8", "audio")


@dataclass
class RawResponse:
    """One HTTP exchange exactly as received; kept as an artifact of the capture."""

    name: str  # what it is, e.g. "twitter.syndication"
    url: str  # the URL requested
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    media_type: str | None
    fetched_at: datetime
    final_url: str | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


@dataclass
class ImageInfo:
    """What Pillow found in an image (metadata is data, never trusted as fact)."""

    format: str
    width: int
    height: int
    mode: str
    frames: int
    exif: dict[str, Any]
    phash: str
    pdq: str | None = None
    pdq_quality: int | None = None


@dataclass
class DownloadedMedia:
    """The bytes of one media file as fetched, with their hash and image analysis."""

    url: str
    final_url: str
    status: int
    media_type: str | None
    size: int
    sha256: str
    data: bytes
    fetched_at: datetime
    headers: list[tuple[str, str]] = field(default_factory=list)
    image: ImageInfo | None = None
    thumbnail_webp: bytes | None = None
    error: str | None = None  # set when the bytes were fetched but rejected (corrupt, bomb)


@dataclass
class MediaItem:
    """One photo, video, GIF or stream attached to a post."""

    url: str  # the best URL to download (original size / highest bitrate)
    kind: str  # photo | video | gif | m3u8 | audio
    variants: list[dict[str, Any]] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    alt_text: str | None = None
    preview_url: str | None = None
    hls_url: str | None = None
    source_post_url: str | None = None  # when the media belongs to another post
    downloaded: DownloadedMedia | None = None
    hls_downloaded: DownloadedMedia | None = None  # the HLS playlist text, when hls_url is set
    error: str | None = None  # why a download failed

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready description (without the bytes)."""
        out: dict[str, Any] = {
            "url": self.url,
            "kind": self.kind,
            "variants": self.variants,
            "width": self.width,
            "height": self.height,
            "duration_ms": self.duration_ms,
            "alt_text": self.alt_text,
            "preview_url": self.preview_url,
            "hls_url": self.hls_url,
            "source_post_url": self.source_post_url,
        }
        if self.downloaded is not None:
            out["sha256"] = self.downloaded.sha256
            out["size"] = self.downloaded.size
            out["media_type"] = self.downloaded.media_type
        if self.hls_downloaded is not None:
            out["hls_sha256"] = self.hls_downloaded.sha256
        if self.error or (self.downloaded and self.downloaded.error):
            out["error"] = self.error or (self.downloaded.error if self.downloaded else None)
        return {k: v for k, v in out.items() if v not in (None, [])}


@dataclass
class Link:
    """A link inside a post: as written (often t.co) and as the platform expanded it."""

    url: str
    expanded_url: str | None = None
    display_url: str | None = None
    kind: str = "link"  # link | media | quote | card

    def as_dict(self) -> dict[str, Any]:
        out = {
            "url": self.url,
            "expanded_url": self.expanded_url,
            "display_url": self.display_url,
            "kind": self.kind,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass
class PlatformResult:
    """A post's platform data as one capture saw it, with every raw response kept."""

    platform: str
    url: str
    post_id: str | None = None
    availability: Availability = Availability.UNKNOWN
    availability_reason: str | None = None
    source: str | None = None  # which response the fields were read from
    author_handle: str | None = None
    author_name: str | None = None
    author_id: str | None = None
    posted_at: datetime | None = None  # aware UTC
    text: str | None = None
    language: str | None = None
    reply_to_id: str | None = None
    reply_to_handle: str | None = None
    quoted_post_id: str | None = None
    quoted_url: str | None = None
    media: list[MediaItem] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    raw: list[RawResponse] = field(default_factory=list)
    quoted: "PlatformResult | None" = None
    reply_to: "PlatformResult | None" = None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.availability = _availability(self.availability)
        if self.posted_at is not None and self.posted_at.tzinfo is None:
            raise ValueError("posted_at must be an aware UTC datetime")

    def set_availability(self, availability: Availability | str, reason: str | None = None) -> None:
        """Record availability and why."""
        self.availability = _availability(availability)
        self.availability_reason = reason


def _availability(value: Availability | str) -> Availability:
    """`value` as an Availability; ValueError for a word outside the vocabulary."""
    try:
        return Availability(value)
    except ValueError:
        raise ValueError(f"unknown availability {value!r}") from None
