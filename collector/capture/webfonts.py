"""The characters a page's web fonts cover, read from the font files the capture recorded.

A web font reached the page as a response the recorder kept; fontTools reads its character map
(TrueType, OpenType, WOFF, WOFF2, collections' first face). Only fonts Chromium reported drawing
with count, matched by their PostScript or family name (Chromium reports a web font under the
names in its own `name` table). A web font that was not recorded (a `data:` URL, a font the
service worker made) or does not parse stays unread: its coverage is unknown, and said so.
"""

import io
from dataclasses import dataclass, field

from fontTools.ttLib import TTFont

from collector.capture.artifacts import decoded_body
from collector.capture.recorder import Exchange

MAX_FONT_BYTES = 16 * 1024 * 1024
"""A web font larger than this (decoded) is not read."""
FONT_TYPES = ("font/", "application/font", "application/x-font")
FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".otf", ".ttc")
NAME_IDS = (1, 4, 6, 16)
"""`name` table entries Chromium may report: family, full, PostScript, typographic family."""


@dataclass
class WebFontCoverage:
    """What the recorded web fonts among those used cover."""

    code_points: set[int] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    """Names (of those asked about) whose font file was read."""


def _is_font(exchange: Exchange) -> bool:
    head = exchange.response_head
    if head is None or exchange.status != 200 or exchange.companion or exchange.truncated:
        return False
    media_type = (head.get("content-type") or "").lower()
    path = exchange.url.split("?", 1)[0].split("#", 1)[0].lower()
    return media_type.startswith(FONT_TYPES) or path.endswith(FONT_SUFFIXES)


def _font_bytes(exchange: Exchange) -> bytes | None:
    out = io.BytesIO()
    decoded = decoded_body(exchange, MAX_FONT_BYTES, out)
    return None if decoded.capped or decoded.failed else out.getvalue()


def web_font_coverage(exchanges: list[Exchange], used: set[str]) -> WebFontCoverage:
    """The code points covered by the recorded web fonts named in `used` (blocking: fontTools)."""
    coverage = WebFontCoverage()
    for exchange in exchanges:
        if not used - coverage.read or exchange.finished_at is None or not _is_font(exchange):
            continue
        data = _font_bytes(exchange)
        if data is None:
            continue
        try:
            font = TTFont(io.BytesIO(data), lazy=True, fontNumber=0)
            names = {str(font["name"].getDebugName(i)) for i in NAME_IDS} & used
            if names:
                coverage.code_points.update(font.getBestCmap() or {})
                coverage.read |= names
        except Exception:  # noqa: BLE001  a page's font file may be anything: it is just unread
            continue
    return coverage
