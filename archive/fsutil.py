"""Small file-system helpers shared by the blob store, the session store, the key files and
the exports."""

import os
import secrets
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """True when a process `pid` exists on this machine (also one owned by another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in the folder `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_sibling(output: Path) -> Path:
    """A fresh path next to `output` (same filesystem, so the final rename is atomic), unique
    to this process and call, so neither processes nor threads of one take each other's."""
    return output.with_name(f".{output.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
