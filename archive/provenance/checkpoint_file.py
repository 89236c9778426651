"""The newest signed checkpoint kept outside the database, and publishing it.

`checkpoint.txt` in the archive home holds the note of the newest checkpoint, rewritten
atomically whenever one is signed; every export carries a copy. `verify` holds the database to
it, so rolling back the newest events, or deleting checkpoint rows, is caught without a note
published elsewhere (an attacker must also find and replace this file and every copy).

Publishing: `publish(note, destination)` writes the note to a file, or PUTs it to an http(s)
URL. Another way to publish (an OpenTimestamps stamp of the note, another issue) is one more
entry in `PUBLISHERS`, keyed by the destination's scheme.
"""

import base64
import binascii
import os
from collections.abc import Callable
from pathlib import Path

from archive.errors import EvidenceError

FILE_NAME = "checkpoint.txt"
PUBLISH_TIMEOUT_S = 30.0


def path_in(home: Path) -> Path:
    """Where the home keeps its newest checkpoint note."""
    return home / FILE_NAME


def write_note(path: Path, note: str) -> None:
    """Replace `path` with `note`, atomically (a crash leaves the old note or the new one)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(note)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise EvidenceError(f"cannot write checkpoint {path}: {exc.strerror or exc}") from exc


def read_note(path: Path) -> str | None:
    """The note in `path`, or None when there is no such file."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"cannot read checkpoint {path}: {exc}") from exc


def tree_head(note: str) -> tuple[int | None, bytes | None]:
    """The tree size and root hash a note's body states, unverified ((None, None) if none)."""
    lines = note.split("\n")
    try:
        return int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError, binascii.Error):
        return None, None


def _put(note: str, url: str) -> str:
    import httpx  # loaded only when publishing to a URL

    try:
        response = httpx.put(
            url,
            content=note.encode("utf-8"),
            headers={"Content-Type": "text/plain; charset=utf-8"},
            timeout=PUBLISH_TIMEOUT_S,
        )
    except httpx.HTTPError as exc:
        raise EvidenceError(f"cannot publish the checkpoint to {url}: {exc}") from exc
    if response.status_code >= 300:
        raise EvidenceError(f"cannot publish the checkpoint to {url}: HTTP {response.status_code}")
    return f"published to {url} (HTTP {response.status_code})"


def _to_file(note: str, destination: str) -> str:
    path = Path(destination).expanduser()
    write_note(path, note)
    return f"written to {path}"


PUBLISHERS: dict[str, Callable[[str, str], str]] = {"http": _put, "https": _put}


def publish(note: str, destination: str) -> str:
    """Publish `note` to a URL (by its scheme) or a file; returns what was done."""
    scheme = destination.split("://", 1)[0].lower() if "://" in destination else ""
    if scheme and scheme not in PUBLISHERS:
        raise EvidenceError(f"cannot publish to {destination}: no publisher for {scheme}://")
    return PUBLISHERS.get(scheme, _to_file)(note, destination)
