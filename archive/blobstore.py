"""Content-addressed blob store: bytes are named by their SHA-256.

`BlobStore` is the interface; `LocalBlobStore` keeps blobs in a folder as
`<root>/ab/cd/<sha256>`. A write goes to a temporary file in `<root>/tmp` (same filesystem),
is hashed while written, fsynced, then renamed into place atomically, so a crash never leaves a
visible partial blob. Identical content is stored once.
"""

import hashlib
import io
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive.errors import BlobError
from archive.fsutil import fsync_dir, pid_alive

CHUNK_SIZE = 1 << 20
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class PutResult:
    """What a write stored: the hashes of the exact bytes and their count."""

    sha256: str
    sha512: str
    size: int
    created: bool


def check_sha256(sha256: str) -> str:
    """Return the digest if it is 64 lowercase hex characters, else raise BlobError."""
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise BlobError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def copy_hashing(stream: BinaryIO, out: BinaryIO, max_size: int | None = None) -> PutResult:
    """Copy `stream` to `out` while hashing; BlobError past `max_size` (created=False)."""
    sha256, sha512, size = hashlib.sha256(), hashlib.sha512(), 0
    for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
        size += len(chunk)
        if max_size is not None and size > max_size:
            raise BlobError(f"blob exceeds the size limit of {max_size} bytes")
        sha256.update(chunk)
        sha512.update(chunk)
        out.write(chunk)
    return PutResult(sha256.hexdigest(), sha512.hexdigest(), size, created=False)


class BlobStore(ABC):
    """Where evidence bytes live, addressed by SHA-256."""

    @abstractmethod
    def put(self, stream: BinaryIO, max_size: int | None = None) -> PutResult:
        """Store everything read from `stream`; return its hashes and size."""

    def put_bytes(self, data: bytes) -> PutResult:
        """Store `data`."""
        return self.put(io.BytesIO(data))

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading; BlobError when missing."""

    def get(self, sha256: str) -> bytes:
        """Return a stored blob's bytes."""
        with self.open(sha256) as handle:
            return handle.read()

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """True when a blob with this digest is stored."""

    def verify(self, sha256: str) -> bool:
        """Re-hash a stored blob: True when its bytes still match its name.

        A missing blob raises BlobError, so callers can tell "gone" from "altered".
        """
        digest = hashlib.sha256()
        with self.open(sha256) as handle:
            for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
                digest.update(chunk)
        return digest.hexdigest() == sha256

    @abstractmethod
    def iter_digests(self) -> Iterator[str]:
        """Every stored digest."""


class LocalBlobStore(BlobStore):
    """Blobs in a local folder, one read-only file per digest."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.tmp = self.root / "tmp"

    def path(self, sha256: str) -> Path:
        """Where the blob with this digest lives (whether or not it exists)."""
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, max_size: int | None = None) -> PutResult:
        self.tmp.mkdir(parents=True, exist_ok=True)
        tmp_path = self.tmp / f"{os.getpid()}-{os.urandom(8).hex()}.part"
        try:
            with open(tmp_path, "xb") as out:
                copied = copy_hashing(stream, out, max_size)
                out.flush()
                os.fsync(out.fileno())
            final = self.path(copied.sha256)
            if final.exists():
                tmp_path.unlink()
                return copied
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)
            os.replace(tmp_path, final)
            fsync_dir(final.parent)
            return PutResult(copied.sha256, copied.sha512, copied.size, created=True)
        except OSError as exc:
            raise BlobError(f"cannot write blob under {self.root}: {exc.strerror}") from exc
        finally:
            if tmp_path.exists():
                tmp_path.unlink()

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError as exc:
            raise BlobError(f"blob {sha256} is missing from {self.root}") from exc
        except OSError as exc:
            raise BlobError(f"cannot read blob {sha256}: {exc.strerror}") from exc

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def iter_digests(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/??/*")):
            if _SHA256_RE.match(path.name):
                yield path.name

    def remove_stale_temp(self) -> int:
        """Delete temporary files left by writers that are no longer running."""
        removed = 0
        if not self.tmp.is_dir():
            return 0
        for part in self.tmp.glob("*.part"):
            pid_text = part.name.split("-", 1)[0]
            if pid_text.isdigit() and pid_alive(int(pid_text)):
                continue
            part.unlink(missing_ok=True)
            removed += 1
        return removed
