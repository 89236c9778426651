"""Reddit URLs: posts (`/comments/<id>`, redd.it), users and media hosts.

Post ids are global; the canonical post is `https://www.reddit.com[/r/<sub>]/comments/<id>/`.
Its adapter is yt-dlp (for video posts).
"""

import re

from archive.vocabulary import CitationKind
from collector.sites.model import NotCitation, Platform, Query, UrlExample, UrlInfo

NAME = "reddit"
_POST_ID = re.compile(r"^[a-z0-9]{4,10}$")
_MEDIA_HOSTS = frozenset({"i.redd.it", "v.redd.it", "preview.redd.it"})


def _post(post_id: str, prefix: str = "") -> UrlInfo:
    canonical = f"https://www.reddit.com{prefix}/comments/{post_id}/"
    return UrlInfo(NAME, CitationKind.POST, post_id, None, canonical)


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a Reddit URL names."""
    if host == "redd.it":
        return _post(segs[0]) if segs and _POST_ID.match(segs[0]) else None
    if host in _MEDIA_HOSTS:
        return UrlInfo(NAME, CitationKind.MEDIA)  # canonical URL: see classify_url
    if "comments" in segs:
        i = segs.index("comments")
        if i + 1 < len(segs) and _POST_ID.match(segs[i + 1]):
            sub = segs[i - 1] if i >= 2 and segs[i - 2] == "r" else None
            return _post(segs[i + 1], f"/r/{sub}" if sub else "")
    if len(segs) >= 2 and segs[0] in ("user", "u"):
        profile = f"https://www.reddit.com/user/{segs[1]}/"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[1], profile)
    if segs[:1] == ["submit"]:
        return UrlInfo(NAME, NotCitation.SHARE)
    return None


PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"reddit.com", "redd.it", "redditmedia.com"}) | _MEDIA_HOSTS,
    rules=rules,
    global_post_ids=True,
    video_redirect_hosts=frozenset({"v.redd.it"}),
    examples=(
        UrlExample(
            "https://www.reddit.com/r/pics/comments/abc123/title/",
            CitationKind.POST,
            "abc123",
            "https://www.reddit.com/r/pics/comments/abc123/",
            "ytdlp",
        ),
        UrlExample(
            "https://redd.it/abc123",
            CitationKind.POST,
            "abc123",
            "https://www.reddit.com/comments/abc123/",
            "ytdlp",
        ),
        UrlExample("https://v.redd.it/abc123xyz", CitationKind.MEDIA, None, None, "ytdlp"),
        UrlExample(
            "https://old.reddit.com/user/someone",
            CitationKind.PROFILE,
            None,
            "https://www.reddit.com/user/someone/",
        ),
    ),
)
