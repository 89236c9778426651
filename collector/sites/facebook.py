"""Facebook URLs: posts (permalinks, photos, videos, reels, watch), pages and share dialogs.

Post ids are scoped to their page, so the target key is the canonical URL. Its adapter is
yt-dlp (for videos).
"""

import re

from archive.vocabulary import CitationKind, PageVerdict
from collector.sites.model import NotCitation, PageRule, Platform, Query, UrlExample, UrlInfo

NAME = "facebook"
_PAGE = re.compile(r"^[A-Za-z0-9.\-]{3,80}$")


def _post(post_id: str, owner: str | None, canonical: str) -> UrlInfo:
    return UrlInfo(NAME, CitationKind.POST, post_id, owner, canonical)


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a Facebook URL names (social plugins: the URL they embed)."""
    if host == "fb.watch":  # a short link to a video: the video's id is behind the redirect
        return UrlInfo(NAME, CitationKind.LINK) if segs else None
    if not segs:
        return None
    first = segs[0].lower()
    if first in ("sharer.php", "sharer", "share.php", "dialog") or (
        first == "share" and len(segs) == 1
    ):
        return UrlInfo(NAME, NotCitation.SHARE)
    if first == "plugins":
        inner = query.get("href")
        if inner and inner[0] != url:
            from collector.sites.classify import classify_url  # the registry imports this module

            found = classify_url(inner[0])
            if found is not None and found.platform == NAME:
                return found
        return UrlInfo(NAME, NotCitation.ASSET)
    if first in ("permalink.php", "story.php") and query.get("story_fbid") and query.get("id"):
        post, owner = query["story_fbid"][0], query["id"][0]
        canonical = f"https://www.facebook.com/permalink.php?story_fbid={post}&id={owner}"
        return _post(post, owner, canonical)
    if first in ("photo.php", "photo") and query.get("fbid"):
        post = query["fbid"][0]
        return _post(post, None, f"https://www.facebook.com/photo/?fbid={post}")
    if first == "watch" and query.get("v"):
        video = query["v"][0]
        return _post(video, None, f"https://www.facebook.com/watch/?v={video}")
    if first == "reel" and len(segs) >= 2:
        return _post(segs[1], None, f"https://www.facebook.com/reel/{segs[1]}")
    if len(segs) >= 3 and segs[1] in ("posts", "videos", "photos"):
        post = segs[-1]
        return _post(post, segs[0], f"https://www.facebook.com/{segs[0]}/{segs[1]}/{post}")
    if len(segs) == 1 and _PAGE.match(segs[0]) and "." not in first[-4:]:
        page = f"https://www.facebook.com/{segs[0]}"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[0], page)
    return None


PAGE_RULES = (
    # Logged-out visits end on /login/ (or login.php) with "You must log in to continue."
    PageRule(
        PageVerdict.LOGIN_WALL,
        "Facebook asked to log in instead of showing the post",
        paths=(r"^/login(\.php|/|$)",),
        titles=(r"(?i)^log in(to)? (to )?facebook",),
        phrases=("you must log in to continue",),
    ),
    # The same wording also marks a shared post that is gone, inside a post that is shown.
    PageRule(
        PageVerdict.UNAVAILABLE,
        "Facebook says the content isn't available",
        phrases=(
            "this content isn't available right now",
            "this content isn't available at the moment",
            "this page isn't available",
        ),
        unless=('[role="article"]',),
    ),
)

PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"facebook.com", "fb.com", "fb.watch"}),
    rules=rules,
    video_redirect_hosts=frozenset({"fb.watch"}),
    page_rules=PAGE_RULES,
    examples=(
        UrlExample(
            "https://www.facebook.com/watch?v=123",
            CitationKind.POST,
            "123",
            "https://www.facebook.com/watch/?v=123",
            "ytdlp",
        ),
        UrlExample(
            "https://m.facebook.com/somepage/posts/456",
            CitationKind.POST,
            "456",
            "https://www.facebook.com/somepage/posts/456",
            "ytdlp",
        ),
        UrlExample(
            "https://www.facebook.com/somepage",
            CitationKind.PROFILE,
            None,
            "https://www.facebook.com/somepage",
        ),
        UrlExample("https://www.facebook.com/sharer/sharer.php?u=x", NotCitation.SHARE),
        UrlExample("https://fb.watch/abcDEF12/", CitationKind.LINK, None, None, "ytdlp"),
    ),
)
