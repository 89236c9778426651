"""Searching every byte of a folder (and what its gzip and zip files hold) for secrets."""

import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path


def expanded(data: bytes) -> Iterator[bytes]:
    """`data`, and what it holds once unzipped or gunzipped (members of members too)."""
    yield data
    if data[:2] == b"\x1f\x8b":
        yield from expanded(gzip.decompress(data))
    elif data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield name.encode()
                yield from expanded(archive.read(name))


def leaks(root: Path, secrets: set[str]) -> list[str]:
    """Where under `root` any of `secrets` is found (each named by its first characters)."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        for data in expanded(path.read_bytes()):
            found += [f"{path}: {s[:4]}..." for s in secrets if s.encode() in data]
    return found
