"""Small file-system helpers shared by the blob store and the session store."""

import os
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
