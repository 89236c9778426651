"""Provenance tables (SQLModel). Append-only like every evidence table (migration 0003).

`TimestampToken` records every RFC 3161 request made for a capture manifest or a checkpoint,
successful or not: a failure is a row with `status="failed"` and the error, never a fake token.
`Checkpoint` keeps every signed tree head of the custody log (C2SP checkpoint note text).
`OtsProof` keeps each checkpoint's OpenTimestamps proofs, pending or complete (migration 0005).
"""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlmodel import Field, SQLModel

from archive.ids import new_id
from archive.models import _json, _text, _time

PROVENANCE_TABLES = ("timestamp_token", "checkpoint", "ots_proof")


class TimestampToken(SQLModel, table=True):
    """One RFC 3161 request: its subject, the TSA, the outcome and the stored response."""

    __tablename__ = "timestamp_token"
    id: str = Field(primary_key=True)
    subject_type: str = Field(index=True)  # capture | checkpoint
    subject_id: str = Field(index=True)  # capture id, or the checkpoint's tree size
    message_sha256: str = Field(max_length=64)  # SHA-256 of the timestamped bytes
    tsa_url: str
    status: str  # ok | failed
    error: str | None = _text()
    token_sha256: str | None = Field(default=None, foreign_key="blob.sha256", max_length=64)
    gen_time: datetime | None = _time(nullable=True)
    created_at: datetime = _time(default=True)


class Checkpoint(SQLModel, table=True):
    """A signed tree head of the custody log: the first `tree_size` events have `root_hash`."""

    __tablename__ = "checkpoint"
    tree_size: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    root_hash: str = Field(max_length=64)  # hex
    note: str = Field(sa_column=Column(Text, nullable=False))  # the signed note, verbatim
    created_at: datetime = _time(default=True)


class OtsProof(SQLModel, table=True):
    """An OpenTimestamps proof of one checkpoint. An upgrade is a new row (rows are never
    changed): the newest row of a checkpoint is its current proof."""

    __tablename__ = "ots_proof"
    id: str = Field(primary_key=True)
    tree_size: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    message_sha256: str = Field(max_length=64)  # SHA-256 of the checkpoint note
    status: str  # an OtsStatus
    proof_sha256: str | None = Field(default=None, foreign_key="blob.sha256", max_length=64)
    calendars: list[str] = _json(list)
    errors: list[str] = _json(list)
    created_at: datetime = _time(default=True)


def new_token_id() -> str:
    """A new `tst_...` id."""
    return new_id("tst")
