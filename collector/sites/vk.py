"""VK URLs: wall posts (`/wall<owner>_<id>`, `?w=wall…`), pages and share links.

Its adapter is yt-dlp (for `/video…` and `/clip…` pages).
"""

import re

from archive.vocabulary import CitationKind
from collector.sites.model import NotCitation, Platform, Query, UrlExample, UrlInfo

NAME = "vk"
_WALL = re.compile(r"^wall(-?\d+_\d+)$")
_PAGE = re.compile(r"^[A-Za-z0-9_.]{2,64}$")


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a VK URL names."""
    for candidate in (*segs[:1], *(query.get("w") or [])):
        m = _WALL.match(candidate)
        if m:
            post = m.group(1)
            return UrlInfo(NAME, CitationKind.POST, post, None, f"https://vk.com/wall{post}")
    if not segs:
        return None
    if segs[0] in ("share.php", "share"):
        return UrlInfo(NAME, NotCitation.SHARE)
    if len(segs) == 1 and _PAGE.match(segs[0]) and "." not in segs[0]:
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[0], f"https://vk.com/{segs[0]}")
    return None


PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"vk.com", "vk.ru"}),
    rules=rules,
    examples=(
        UrlExample("https://vk.com/wall-1_2", CitationKind.POST, "-1_2", "https://vk.com/wall-1_2"),
        UrlExample(
            "https://vk.com/video-12345_67890",
            CitationKind.LINK,
            None,
            "https://vk.com/video-12345_67890",
            "ytdlp",
        ),
        UrlExample("https://vk.com/durov", CitationKind.PROFILE, None, "https://vk.com/durov"),
    ),
)
