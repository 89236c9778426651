"""What one capture produced: plain data, ready to be stored or printed."""

import hashlib
import io
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from archive.timeutil import iso
from archive.vocabulary import CaptureStatus
from collector.capture.ephemeral import EphemeralFile


class ArtifactData:
    """One artifact's content and description, before it is stored.

    Small artifacts (screenshots, DOM, JSON) hold their bytes; large ones (the WARC, a server
    body) an ephemeral file (`ephemeral.py`: ciphertext on disk) that the artifact owns and
    closes, deleting it, when it is garbage collected. `open()` reads either; `data` reads all
    of it into memory.
    """

    def __init__(
        self,
        role: str,
        name: str,
        media_type: str,
        data: bytes | EphemeralFile,
        original_url: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """`data` is the content, or the ephemeral file holding it (the artifact owns it)."""
        self.role = role
        self.name = name
        self.media_type = media_type
        self.original_url = original_url
        self.details: dict[str, Any] = details if details is not None else {}
        self._bytes: bytes | None = None
        self._file: EphemeralFile | None = None
        self._sha256: str | None = None
        if isinstance(data, EphemeralFile):
            self._file = data
            weakref.finalize(self, data.close)
        else:
            self._bytes = data

    def __repr__(self) -> str:
        where = f"{self.size} bytes on disk" if self._file else f"{self.size} bytes"
        return f"ArtifactData({self.role!r}, {self.name!r}, {self.media_type!r}, {where})"

    @property
    def on_disk(self) -> bool:
        """Whether the content is in an (ephemeral) file rather than in memory."""
        return self._file is not None

    def open(self) -> BinaryIO:
        """A binary file reading the content from its start."""
        if self._file is not None:
            return self._file.reader()
        assert self._bytes is not None
        return io.BytesIO(self._bytes)

    @property
    def data(self) -> bytes:
        """All of the content in memory (prefer `open()` for large artifacts)."""
        if self._bytes is not None:
            return self._bytes
        with self.open() as handle:
            return handle.read()

    @property
    def sha256(self) -> str:
        """SHA-256 of the content, hex (read in pieces, computed once)."""
        if self._sha256 is None:
            with self.open() as handle:
                self._sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        return self._sha256

    @property
    def size(self) -> int:
        """Length of the content in bytes."""
        if self._file is not None:
            return self._file.size
        assert self._bytes is not None
        return len(self._bytes)


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
    session_secrets: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    """Of a capture made logged in: every secret its scrubber knew, the session's and those
    learned from its traffic (rotated cookies, tokens), so what is fetched beside it is
    scrubbed of them too. Held in memory only, never stored."""

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
            "warnings": self.details.get("warnings", []),
            "artifacts": [
                {"role": a.role, "name": a.name, "size": a.size, "sha256": a.sha256}
                for a in self.artifacts
            ],
        }
