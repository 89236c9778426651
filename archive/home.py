"""The archive home: one directory that holds the database, blobs, keys and config."""

import errno
import os
from pathlib import Path

from archive.config import CONFIG_FILE, CONFIG_TEMPLATE
from archive.errors import ArchiveHomeError

SUBDIRS = ("blobs", "keys")


def _describe(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied (read-only or not yours)"
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        return "a file is in the way where a directory is needed"
    return exc.strerror or str(exc)


def prepare_home(home: Path) -> bool:
    """Create the home layout if missing (idempotent); return True when anything was created.

    Raises ArchiveHomeError with a one-line reason when the path cannot hold an archive.
    """
    created = False
    if home.exists() and not home.is_dir():
        raise ArchiveHomeError(f"archive home {home} is a file, not a directory")
    try:
        if not home.is_dir():
            home.mkdir(parents=True)
            created = True
        for name in SUBDIRS:
            sub = home / name
            if sub.exists() and not sub.is_dir():
                raise ArchiveHomeError(f"{sub} is a file, not a directory")
            if not sub.is_dir():
                sub.mkdir()
                created = True
        os.chmod(home / "keys", 0o700)
        config = home / CONFIG_FILE
        if not config.exists():
            tmp = config.with_suffix(".toml.tmp")
            tmp.write_text(CONFIG_TEMPLATE, encoding="utf-8")
            os.replace(tmp, config)
            created = True
    except ArchiveHomeError:
        raise
    except OSError as exc:
        raise ArchiveHomeError(f"cannot create archive home {home}: {_describe(exc)}") from exc
    if not os.access(home, os.W_OK | os.X_OK):
        raise ArchiveHomeError(f"archive home {home} is not writable")
    return created
