"""Evidence whose stored bytes no longer match their SHA-256: found while packing, it stops an
export; with `--allow-damaged` it is packed and recorded in `package.json`, `VERIFY.md`, the
report and the `export.created` custody event, never silently.

Blobs are read in 8 MiB chunks (`blobstore.copy_hashing`), never whole.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from archive.archive import Archive
from archive.blobstore import BlobError, copy_hashing
from archive.errors import EvidenceError

MISSING = "missing"


@dataclass(frozen=True)
class Damage:
    """One blob whose bytes are not the ones recorded."""

    blob: str  # the recorded SHA-256 (the blob's name)
    found: str  # SHA-256 of the stored bytes, or MISSING
    what: str  # "capture cap_... screenshot-full.png", "timestamp token tst_...", ...

    def line(self) -> str:
        """One line for an error message."""
        if self.found == MISSING:
            return f"{self.what}: blob {self.blob} is missing from the archive"
        return (
            f"{self.what}: blob {self.blob} is damaged in the archive "
            f"(its bytes hash to {self.found})"
        )


class DamagedEvidenceError(EvidenceError):
    """An export met a blob whose bytes are not the recorded ones."""

    def __init__(self, damage: list[Damage]) -> None:
        more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
        super().__init__(
            f"export refused: {damage[0].line()}{more}; run `evidence verify`, or pass "
            "--allow-damaged to pack it with the damage recorded"
        )
        self.damage = damage


def copy_checked(archive: Archive, blob: str, out: BinaryIO) -> str:
    """Copy a blob to `out`, hashing it as it goes; the SHA-256 of what was copied, or MISSING
    when the store has no such blob."""
    try:
        with archive.blobs.open(blob) as source:
            return copy_hashing(source, out).sha256
    except BlobError:
        return MISSING


class _Discard(io.RawIOBase):
    """A sink for hashing without writing."""

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return len(data)


def scan(archive: Archive, blobs: Iterable[tuple[str, str]]) -> list[Damage]:
    """Re-hash each (blob, what) once, streamed; the damaged ones."""
    found: dict[str, str] = {}
    damage = []
    for blob, what in blobs:
        if blob not in found:
            found[blob] = copy_checked(archive, blob, _Discard())
        if found[blob] != blob:
            damage.append(Damage(blob, found[blob], what))
    return damage
