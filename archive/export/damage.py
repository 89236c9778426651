"""Evidence whose stored bytes no longer match their SHA-256: found while packing, it stops an
export; with `--allow-damaged` it is packed and recorded in `package.json`, `VERIFY.md`, the
report and the `export.created` custody event, never silently.

Blobs are read in 8 MiB chunks, never whole.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from archive.archive import Archive
from archive.errors import BlobError, EvidenceError
from archive.hashing import READ_SIZE

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


def copy_checked(archive: Archive, blob: str, out: BinaryIO | None) -> str:
    """Copy a blob to `out` (or only read it, when None), hashing it as it goes, in 8 MiB
    chunks; the SHA-256 of what was read, or MISSING when the store has no such blob."""
    digest = hashlib.sha256()
    view = memoryview(bytearray(READ_SIZE))
    try:
        with archive.blobs.open(blob) as source:
            while count := source.readinto(view):  # type: ignore[attr-defined]
                digest.update(view[:count])
                if out is not None:
                    out.write(view[:count])
    except BlobError:
        return MISSING
    return digest.hexdigest()


def scan(archive: Archive, blobs: Iterable[tuple[str, str]]) -> list[Damage]:
    """Re-hash each (blob, what) once, streamed; the damaged ones."""
    found: dict[str, str] = {}
    damage = []
    for blob, what in blobs:
        if blob not in found:
            found[blob] = copy_checked(archive, blob, None)
        if found[blob] != blob:
            damage.append(Damage(blob, found[blob], what))
    return damage
