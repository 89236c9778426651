"""`WitnessAnswer`: one question put to an independent archive and what it answered."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from archive.vocabulary import WitnessMethod, WitnessService, WitnessStatus


@dataclass
class Memento:
    """One archived copy: where it is, when it was made, by which archive."""

    url: str
    datetime: datetime | None
    archive: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        when = self.datetime.isoformat() if self.datetime else None
        return {"url": self.url, "datetime": when, "archive": self.archive}


@dataclass
class WitnessAnswer:
    """The outcome of one lookup or submission; `body` is the answer's raw bytes, if any."""

    service: WitnessService
    method: WitnessMethod
    status: WitnessStatus
    request_url: str
    url: str
    mementos: list[Memento] = field(default_factory=list)
    error: str | None = None
    http_status: int | None = None
    body: bytes | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def newest(self) -> Memento | None:
        """The newest copy listed (the copy made, for a submission)."""
        dated = [m for m in self.mementos if m.datetime is not None]
        if dated:
            return max(dated, key=lambda m: m.datetime)  # type: ignore[arg-type, return-value]
        return self.mementos[-1] if self.mementos else None


def failed(
    service: WitnessService, method: WitnessMethod, request_url: str, url: str, error: str
) -> WitnessAnswer:
    """An answer that did not come, or could not be read."""
    return WitnessAnswer(service, method, WitnessStatus.FAILED, request_url, url, error=error)
