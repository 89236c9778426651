"""Where a source or target may come from: checks made before any browser starts.

Shared by the command line and the web viewer, so both refuse the same input the same way.
"""

from pathlib import Path
from urllib.parse import urlsplit

from archive.errors import EvidenceError


def is_url(location: str) -> bool:
    """Whether `location` names an http(s) URL (rather than a file or stdin)."""
    return location.lower().startswith(("http://", "https://"))


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host, else raise EvidenceError."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
        raise EvidenceError(f"not a valid URL: {url!r} ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EvidenceError(f"not an http(s) URL: {url!r}")
    return url.strip()


def check_source(source: str) -> None:
    """Refuse a missing file or a malformed URL; `-` (stdin) is always accepted."""
    if source == "-":
        return
    if "://" in source:
        check_url(source)
    elif not Path(source).expanduser().is_file():
        raise EvidenceError(f"no such file: {source}")
