"""Byte sinks that stay in memory while small and move to a temporary file when they grow.

Every request and response the recorder relays is kept in a `Spool`, as warcio spools records:
the first `memory_bytes` in memory, past them everything in an ephemeral file
(`ephemeral.py`: on disk only as ciphertext under a key held in memory, so the cookies and
tokens a session's traffic carries never reach a disk in plaintext). The spools of one
capture share a `MemoryBudget`, so many small responses cannot add up either: memory per
capture stays bounded whatever a page sends. The rollover is decided here (not by a size
limit of the file) so that the spool knows where its bytes are.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, cast

from collector.capture.ephemeral import SpooledFile

SPOOL_MEMORY_BYTES = 1024 * 1024
"""Bytes one spool keeps in memory before it moves to a temporary file."""
CAPTURE_MEMORY_BYTES = 32 * 1024 * 1024
"""Bytes all spools of one capture keep in memory together."""
READ_BYTES = 1024 * 1024


@dataclass
class MemoryBudget:
    """The memory a group of spools may hold together; past it, their bytes go to disk."""

    limit: int = CAPTURE_MEMORY_BYTES
    used: int = 0


class Spool:
    """Bytes appended in order and read back from the start, in memory or on disk."""

    def __init__(
        self, budget: MemoryBudget | None = None, memory_bytes: int = SPOOL_MEMORY_BYTES
    ) -> None:
        self.budget = budget if budget is not None else MemoryBudget()
        self.memory_bytes = memory_bytes
        self.size = 0
        self.on_disk = False
        self._file = SpooledFile(memory_bytes=None)  # closed by close(); rolled over here

    def write(self, data: bytes) -> None:
        """Append `data`, moving everything to disk once the spool outgrows its memory."""
        budget = self.budget
        if not self.on_disk:
            if self.size + len(data) > self.memory_bytes or budget.used + len(data) > budget.limit:
                self._file.rollover()
                self.on_disk = True
                budget.used -= self.size
            else:
                budget.used += len(data)
        self._file.seek(0, 2)
        self._file.write(data)
        self.size += len(data)

    def __len__(self) -> int:
        return self.size

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` to `end` (default: the end), in pieces of at most 1 MiB."""
        position, stop = start, self.size if end is None else min(end, self.size)
        while position < stop:
            self._file.seek(position)
            data = self._file.read(min(READ_BYTES, stop - position))
            if not data:
                return
            position += len(data)
            yield data

    def read(self, start: int = 0, end: int | None = None) -> bytes:
        """The bytes from `start` to `end` in one piece (for small spools and prefixes)."""
        return b"".join(self.chunks(start, end))

    def reader(self, start: int = 0) -> BinaryIO:
        """A file object reading the spool from `start` (one reader at a time)."""
        self._file.seek(start)
        return cast(BinaryIO, self._file)

    def close(self) -> None:
        """Free the memory or temporary file."""
        if not self.on_disk and not self._file.closed:
            self.budget.used -= self.size
        self._file.close()
