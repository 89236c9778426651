"""What a verifier reports: one `Finding` per check on one subject, with a status.

`ok`: the check holds. `tampered`: something recorded no longer holds. `unverifiable`: the check
could not be made (no trust root, no token, not sealed). `pending`: an OpenTimestamps proof
that no Bitcoin block confirms yet (`evidence timestamp --upgrade` completes it later). Both
verifiers (the archive's and a package's) report in this shape; `evidence verify --json`
prints `Finding.as_dict()`.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """The outcome of one check."""

    OK = "ok"
    TAMPERED = "tampered"
    UNVERIFIABLE = "unverifiable"
    PENDING = "pending"


OK, TAMPERED, UNVERIFIABLE, PENDING = (
    Status.OK, Status.TAMPERED, Status.UNVERIFIABLE, Status.PENDING
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One check on one subject."""

    subject: str
    check: str
    status: str
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each status."""
    counts = {status.value: 0 for status in Status}
    for finding in findings:
        counts[finding.status] += 1
    return counts
