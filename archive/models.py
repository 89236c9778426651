"""The data model (SQLModel). Evidence rows are append-only: the product never updates or
deletes them (database triggers enforce it); a correction is a new row and a new custody event.

Ids are prefixed, time-ordered strings (see `archive.ids`). Times are aware UTC datetimes.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from archive.timeutil import utcnow


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite stores naive UTC, PostgreSQL timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; the archive stores only aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _time(nullable: bool = False, default: bool = False) -> Any:
    if default:
        return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def _json(default_factory: Any = dict) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


def _text() -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=True))


class Case(SQLModel, table=True):
    """A named investigation that groups sources and captures."""

    __tablename__ = "case"
    id: str = Field(primary_key=True)
    name: str = Field(index=True, unique=True)
    description: str | None = None
    created_at: datetime = _time(default=True)


class Blob(SQLModel, table=True):
    """Stored bytes, named by SHA-256; the bytes live in the blob store."""

    __tablename__ = "blob"
    sha256: str = Field(primary_key=True, max_length=64)
    sha512: str = Field(max_length=128)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = _time(default=True)


class Source(SQLModel, table=True):
    """An article (URL, file or pasted text) that was read for citations."""

    __tablename__ = "source"
    id: str = Field(primary_key=True)
    case_id: str | None = Field(default=None, foreign_key="case.id", index=True)
    kind: str  # url | file | stdin
    location: str  # the URL or file path as given
    final_url: str | None = None
    http_status: int | None = None
    media_type: str | None = None
    title: str | None = None
    content_sha256: str | None = Field(default=None, foreign_key="blob.sha256")
    investigator: str | None = None
    fetched_at: datetime | None = _time(nullable=True)
    created_at: datetime = _time(default=True)


class Target(SQLModel, table=True):
    """A distinct thing to capture (a post, profile or link), unique across the archive."""

    __tablename__ = "target"
    id: str = Field(primary_key=True)
    key: str = Field(unique=True)  # canonical URL, or a stable key for URL-less signatures
    platform: str = Field(index=True)
    kind: str  # post | profile | link | media
    canonical_url: str | None = None
    post_id: str | None = Field(default=None, index=True)
    author_handle: str | None = None
    created_at: datetime = _time(default=True)


class Citation(SQLModel, table=True):
    """One cited item found in a source, pointing at its target."""

    __tablename__ = "citation"
    id: str = Field(primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True)
    target_id: str | None = Field(default=None, foreign_key="target.id", index=True)
    position: int
    kind: str
    platform: str
    url: str | None = None
    post_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    posted_at: str | None = None  # ISO 8601 date or datetime as the source states it
    text: str | None = _text()
    occurrences: list[dict[str, Any]] = _json(list)
    links: list[dict[str, Any]] = _json(list)
    created_at: datetime = _time(default=True)


class Capture(SQLModel, table=True):
    """One attempt to capture a target or source URL, written once when it ends."""

    __tablename__ = "capture"
    id: str = Field(primary_key=True)
    target_id: str | None = Field(default=None, foreign_key="target.id", index=True)
    source_id: str | None = Field(default=None, foreign_key="source.id", index=True)
    case_id: str | None = Field(default=None, foreign_key="case.id", index=True)
    requested_url: str
    final_url: str | None = None
    status: str = Field(index=True)  # complete | partial | failed
    status_reason: str | None = _text()
    http_status: int | None = None
    started_at: datetime = _time()
    finished_at: datetime = _time()
    redirect_chain: list[dict[str, Any]] = _json(list)
    server_ip: str | None = None
    browser_name: str | None = None
    browser_version: str | None = None
    playwright_version: str | None = None
    user_agent: str | None = None
    viewport: str | None = None
    locale: str | None = None
    timezone: str | None = None
    proxy: str | None = None
    tool_version: str
    investigator: str | None = None
    manifest_sha256: str | None = Field(default=None, max_length=64)
    signature: str | None = None
    details: dict[str, Any] = _json(dict)
    created_at: datetime = _time(default=True)


class Artifact(SQLModel, table=True):
    """One stored piece of a capture: screenshot, DOM, WARC, post JSON, media, ..."""

    __tablename__ = "artifact"
    __table_args__ = (UniqueConstraint("capture_id", "name"),)
    id: str = Field(primary_key=True)
    capture_id: str = Field(foreign_key="capture.id", index=True)
    role: str = Field(index=True)
    name: str
    blob_sha256: str = Field(foreign_key="blob.sha256", index=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    media_type: str
    original_url: str | None = None
    details: dict[str, Any] = _json(dict)
    created_at: datetime = _time(default=True)


class PostSnapshot(SQLModel, table=True):
    """A post's platform data as one capture saw it."""

    __tablename__ = "post_snapshot"
    id: str = Field(primary_key=True)
    capture_id: str = Field(foreign_key="capture.id", index=True)
    platform: str
    post_id: str | None = Field(default=None, index=True)
    availability: str = "available"  # available | deleted | suspended | protected | ...
    author_handle: str | None = None
    author_name: str | None = None
    author_id: str | None = None
    posted_at: datetime | None = _time(nullable=True)
    text: str | None = _text()
    language: str | None = None
    reply_to_id: str | None = None
    quoted_post_id: str | None = None
    media: list[dict[str, Any]] = _json(list)
    links: list[dict[str, Any]] = _json(list)
    metrics: dict[str, Any] = _json(dict)
    created_at: datetime = _time(default=True)


class Witness(SQLModel, table=True):
    """What an independent archive answered about a target: the copies it holds (or made on
    submission) with their times, or the error that left it unanswered. One row per question."""

    id: str = Field(primary_key=True)
    target_id: str = Field(foreign_key="target.id", index=True)
    capture_id: str | None = Field(default=None, foreign_key="capture.id", index=True)
    service: str  # a WitnessService
    method: str  # a WitnessMethod
    status: str  # a WitnessStatus
    request_url: str
    url: str  # the URL asked about
    memento_url: str | None = None  # the closest or newest copy, when one was found
    memento_at: datetime | None = _time(nullable=True)
    mementos: list[dict[str, Any]] = _json(list)  # every copy listed: url, datetime, archive
    error: str | None = _text()
    details: dict[str, Any] = _json(dict)
    created_at: datetime = _time(default=True)


class CustodyEvent(SQLModel, table=True):
    """One link in the tamper-evident custody chain; never updated, never deleted."""

    __tablename__ = "custody_event"
    seq: int = Field(primary_key=True)
    occurred_at: datetime = _time()
    actor: str
    action: str = Field(index=True)
    subject_type: str
    subject_id: str = Field(index=True)
    payload: dict[str, Any] = _json(dict)
    payload_sha256: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64, unique=True)
    entry_hash: str = Field(max_length=64, unique=True)


EVIDENCE_TABLES = (
    "blob",
    "source",
    "target",
    "citation",
    "capture",
    "artifact",
    "post_snapshot",
    "custody_event",
)
