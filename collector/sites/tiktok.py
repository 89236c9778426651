"""TikTok URLs: videos and photo posts, embeds, profiles and short links.

Video ids are global; the canonical post is `https://www.tiktok.com/@<user>/video/<id>`
(`/embed/v2/<id>` when the user is unknown). Its adapter is yt-dlp.
"""

from archive.vocabulary import CitationKind, PageVerdict
from collector.sites.model import (
    EmbedAttribute,
    NotCitation,
    PageRule,
    Platform,
    Query,
    UrlExample,
    UrlInfo,
)
from collector.sites.urlparts import DIGITS, keep_case

NAME = "tiktok"
_SHORT_HOSTS = frozenset({"vm.tiktok.com", "vt.tiktok.com"})


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a TikTok URL names."""
    if not segs:
        return None
    if host in _SHORT_HOSTS or segs[0] == "t":
        return UrlInfo(NAME, CitationKind.LINK, canonical_url=keep_case(url))
    video = len(segs) >= 3 and segs[0].startswith("@") and segs[1] in ("video", "photo")
    if video and DIGITS.match(segs[2]):
        user = segs[0][1:]
        canonical = f"https://www.tiktok.com/@{user}/{segs[1]}/{segs[2]}"
        return UrlInfo(NAME, CitationKind.POST, segs[2], user, canonical)
    if segs[0] == "embed" and DIGITS.match(segs[-1]):
        canonical = f"https://www.tiktok.com/embed/v2/{segs[-1]}"
        return UrlInfo(NAME, CitationKind.POST, segs[-1], None, canonical)
    if segs[0].startswith("@") and len(segs) == 1:
        profile = f"https://www.tiktok.com/{segs[0]}"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[0][1:], profile)
    if segs[0] in ("share", "upload"):
        return UrlInfo(NAME, NotCitation.SHARE)
    return None


PAGE_RULES = (
    PageRule(
        PageVerdict.LOGIN_WALL,
        "TikTok asked to log in instead of showing the video",
        paths=(r"^/login",),
        titles=(r"(?i)^log in \| tiktok",),
    ),
    PageRule(
        PageVerdict.UNAVAILABLE,
        "TikTok says the video is unavailable",
        phrases=(
            "video currently unavailable",
            "this video is unavailable",
            "couldn't find this account",
        ),
    ),
)

_VIDEO = "https://www.tiktok.com/@user/video/7100000000000000000"
PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"tiktok.com"}) | _SHORT_HOSTS,
    rules=rules,
    host_suffixes=(".tiktok.com",),
    global_post_ids=True,
    embed_attributes=(
        EmbedAttribute(
            "data-video-id",
            "https://www.tiktok.com/embed/v2/{}",
            "7100000000000000000",
            raw='data-video-id="{}"',
            tag="blockquote",
            class_word="tiktok",
            digits=True,
        ),
    ),
    page_rules=PAGE_RULES,
    examples=(
        UrlExample(_VIDEO, CitationKind.POST, "7100000000000000000", _VIDEO, "ytdlp"),
        UrlExample(
            "https://www.tiktok.com/embed/v2/7100000000000000000",
            CitationKind.POST,
            "7100000000000000000",
            "https://www.tiktok.com/embed/v2/7100000000000000000",
        ),  # no yt-dlp extractor takes embed/v2 pages: captured as a page
        UrlExample(
            "https://www.tiktok.com/@user",
            CitationKind.PROFILE,
            None,
            "https://www.tiktok.com/@user",
        ),
    ),
)
