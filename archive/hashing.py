"""Streaming digests of large files: blobs re-hashed by verify, files hashed into packages."""

import hashlib
from pathlib import Path
from typing import BinaryIO

READ_SIZE = 8 << 20


def hash_stream(
    handle: BinaryIO, *names: str, buffer: bytearray | None = None
) -> tuple[list[str], int]:
    """Hex digests (SHA-256 by default) and size of everything in `handle`, read in large
    chunks (8 MiB unless `buffer` is given; pass one to reuse it across many files)."""
    digests = [hashlib.new(name) for name in names or ("sha256",)]
    view = memoryview(buffer if buffer is not None else bytearray(READ_SIZE))
    size = 0
    while count := handle.readinto(view):  # type: ignore[attr-defined]
        chunk = view[:count]
        for digest in digests:
            digest.update(chunk)
        size += count
    return [digest.hexdigest() for digest in digests], size


def hash_file(path: Path, *names: str) -> tuple[list[str], int]:
    """`hash_stream` of the file at `path`."""
    with open(path, "rb") as handle:
        return hash_stream(handle, *names)
