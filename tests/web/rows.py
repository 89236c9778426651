"""Rows the viewer tests insert by hand: a generic link target and one capture of it."""

from datetime import UTC, datetime

from sqlmodel import Session

from archive.ids import new_id
from archive.models import Capture, Target

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def link_capture(session: Session, status: str, url: str = "https://e.org/") -> Capture:
    """A Target for https://example.org/ and a capture of it with `status`, flushed."""
    target = Target(id=new_id("tgt"), key="k", platform="generic", kind="link",
                    canonical_url="https://example.org/")  # fmt: skip
    session.add(target)
    session.flush()
    capture = Capture(id=new_id("cap"), target_id=target.id, requested_url=url, status=status,
                      started_at=T0, finished_at=T0, tool_version="t")  # fmt: skip
    session.add(capture)
    session.flush()
    return capture
