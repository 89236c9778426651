"""What a browser shows a page natively, kept between runs so a start needs no probe browser.

`presentation.read_native` reads the user agent and its metadata in a first browser of its own
(the user agent is a launch flag of the second one), which costs a cold start 0.3-0.6 s. The
answer depends only on the browser build and the machine it runs on, so it is kept in a JSON
file per executable under `CaptureSettings.native_cache_dir`, keyed by what identifies them:
the executable's resolved path, size, modification time and inode, the kernel release and
machine (the metadata's `platformVersion` and `architecture`), the Playwright version, the
flags the probe is started with, and the SHA-256 of the probe script and hints. A kept answer
is used only when its key matches, and the browser then started must report the very version
the probe saw (`lifecycle.py` checks it, and reads afresh when it differs). Each capture
records which it was in `browser_changes.native_read`: read at this start, or kept from a
probe at a stated time. A file that cannot be read or parsed is treated as absent; writes
are atomic (temporary file, fsync, rename).
"""

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from collector.capture import presentation
from collector.capture.presentation import NativeBrowser

FORMAT = 1


@dataclass(frozen=True)
class KeptNative:
    """A probe's answer as kept: the browser version it came from, and when it was read."""

    native: NativeBrowser
    version: str
    read_at: str


def cache_key(executable: str, probe_flags: list[str], playwright: str) -> str | None:
    """The key of what `executable` shows natively (None: the executable cannot be read)."""
    try:
        real = os.path.realpath(executable)
        stat = os.stat(real)
    except OSError:
        return None
    uname = os.uname()
    parts = {
        "format": FORMAT,
        "executable": real,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "inode": stat.st_ino,
        "kernel": uname.release,
        "machine": uname.machine,
        "playwright": playwright,
        "flags": probe_flags,
        "probe": hashlib.sha256(
            (presentation.PROBE_SCRIPT + "\n".join(presentation.HIGH_ENTROPY_HINTS)).encode()
        ).hexdigest(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _path(folder: str, key: str) -> Path:
    return Path(folder).expanduser() / f"browser-native-{key[:32]}.json"


def load(folder: str, key: str) -> KeptNative | None:
    """The kept answer for `key`, or None (none kept, unreadable, or another key)."""
    try:
        kept = json.loads(_path(folder, key).read_text(encoding="utf-8"))
        if kept.get("key") != key:
            return None
        return KeptNative(NativeBrowser(**kept["native"]), str(kept["version"]), kept["read_at"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def save(folder: str, key: str, kept: KeptNative) -> None:
    """Keep `kept` for `key`, atomically; a folder that cannot be written is left alone (the
    next start probes again)."""
    record: dict[str, Any] = {
        "key": key,
        "version": kept.version,
        "read_at": kept.read_at,
        "native": asdict(kept.native),
    }
    target = _path(folder, key)
    with contextlib.suppress(OSError):
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".native-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(record, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)


def forget(folder: str, key: str) -> None:
    """Remove the kept answer for `key` (its browser reported another version)."""
    with contextlib.suppress(OSError):
        _path(folder, key).unlink()
