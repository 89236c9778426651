"""Small readers of URL parts that several site modules share."""

import re
from urllib.parse import unquote, urlsplit

DIGITS = re.compile(r"^\d{1,20}$")


def segments(path: str) -> list[str]:
    """The non-empty, percent-decoded segments of a URL path."""
    return [unquote(s) for s in path.split("/") if s]


def keep_case(url: str) -> str:
    """Short links and media ids are case-sensitive: only scheme and host are normalized."""
    parts = urlsplit(url)
    return f"https://{(parts.hostname or '').lower()}{parts.path}"
