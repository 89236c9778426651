"""What one capture produced: plain data, ready to be stored or printed."""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive.timeutil import iso
from archive.vocabulary import CaptureStatus


@dataclass
class ArtifactData:
    """One artifact's bytes and description, before it is stored."""

    role: str
    name: str
    media_type: str
    data: bytes
    original_url: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes, hex."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        """Length of the bytes."""
        return len(self.data)


@dataclass
class CaptureResult:
    """The outcome of capturing one URL."""

    requested_url: str
    status: CaptureStatus
    started_at: datetime
    finished_at: datetime
    status_reason: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    title: str | None = None
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    server_ip: str | None = None
    browser_name: str | None = None
    browser_version: str | None = None
    playwright_version: str | None = None
    user_agent: str | None = None
    viewport: str | None = None
    locale: str | None = None
    timezone: str | None = None
    proxy: str | None = None
    tool_version: str = ""
    artifacts: list[ArtifactData] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    companion_result: Any = field(default=None, repr=False, compare=False)
    """What `CaptureEngine.capture(url, companion)` returned (or raised) beside the page."""

    @property
    def duration_s(self) -> float:
        """Wall time of the capture in seconds."""
        return (self.finished_at - self.started_at).total_seconds()

    def artifact(self, role: str) -> ArtifactData | None:
        """The first artifact with `role`, if any."""
        return next((a for a in self.artifacts if a.role == role), None)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready description without the artifact bytes."""
        return {
            "requested_url": self.requested_url,
            "status": self.status,
            "status_reason": self.status_reason,
            "final_url": self.final_url,
            "http_status": self.http_status,
            "title": self.title,
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "duration_s": round(self.duration_s, 3),
            "redirect_chain": self.redirect_chain,
            "server_ip": self.server_ip,
            "browser": f"{self.browser_name} {self.browser_version}",
            "artifacts": [
                {"role": a.role, "name": a.name, "size": a.size, "sha256": a.sha256}
                for a in self.artifacts
            ],
        }
