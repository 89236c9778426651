"""Instagram URLs: posts, reels and profiles.

Shortcodes are global; the canonical post is `https://www.instagram.com/p/<code>/` (`/reel/`
for reels). Its adapter is yt-dlp.
"""

import re

from archive.vocabulary import CitationKind, PageVerdict
from collector.sites.model import EmbedAttribute, PageRule, Platform, Query, UrlExample, UrlInfo

NAME = "instagram"
_RESERVED = frozenset(
    [
        "p",
        "reel",
        "reels",
        "tv",
        "stories",
        "explore",
        "accounts",
        "about",
        "developer",
        "legal",
        "direct",
        "web",
        "embed",
    ]
)
_USER = re.compile(r"^[A-Za-z0-9_.]{1,30}$")


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What an Instagram URL names."""
    if not segs:
        return None
    if len(segs) >= 3 and segs[1] in ("p", "reel", "tv") and segs[0] not in _RESERVED:
        segs = segs[1:]
    first = segs[0].lower()
    if first in ("p", "reel", "reels", "tv") and len(segs) >= 2:
        kind = "reel" if first in ("reel", "reels") else "p"
        canonical = f"https://www.instagram.com/{kind}/{segs[1]}/"
        return UrlInfo(NAME, CitationKind.POST, segs[1], None, canonical)
    if first in _RESERVED or not _USER.match(segs[0]):
        return None
    profile = f"https://www.instagram.com/{segs[0]}/"
    return UrlInfo(NAME, CitationKind.PROFILE, None, segs[0], profile)


PAGE_RULES = (
    # Logged-out visits are redirected to /accounts/login/?next=<the post> ("Login • Instagram").
    PageRule(
        PageVerdict.LOGIN_WALL,
        "Instagram asked to log in instead of showing the post",
        paths=(r"^/accounts/login",),
        titles=(r"(?i)^login\s*[•·]\s*instagram",),
    ),
    PageRule(
        PageVerdict.UNAVAILABLE,
        "Instagram says the page isn't available",
        phrases=(
            "sorry, this page isn't available",
            "the link you followed may be broken, or the page may have been removed",
        ),
    ),
)

PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"instagram.com", "instagr.am"}),
    rules=rules,
    global_post_ids=True,
    embed_selectors=("amp-instagram",),
    embed_attributes=(
        EmbedAttribute(
            "data-shortcode", "https://www.instagram.com/p/{}/", "Cabc123", tag="amp-instagram"
        ),
    ),
    page_rules=PAGE_RULES,
    examples=(
        UrlExample(
            "https://www.instagram.com/p/Cabc123/",
            CitationKind.POST,
            "Cabc123",
            "https://www.instagram.com/p/Cabc123/",
            "ytdlp",
        ),
        UrlExample(
            "https://www.instagram.com/someone/reel/Cabc123/?igsh=x",
            CitationKind.POST,
            "Cabc123",
            "https://www.instagram.com/reel/Cabc123/",
            "ytdlp",
        ),
        UrlExample(
            "https://instagram.com/someone",
            CitationKind.PROFILE,
            None,
            "https://www.instagram.com/someone/",
        ),
    ),
)
