"""YouTube URLs: videos (watch, youtu.be, shorts, live, embed), channels and share links.

Video ids are global; the canonical form of a video is `https://www.youtube.com/watch?v=<id>`.
Its adapter is yt-dlp (which does its own networking beside the capture).
"""

import re

from archive.vocabulary import CitationKind
from collector.sites.model import EmbedAttribute, NotCitation, Platform, Query, UrlExample, UrlInfo

NAME = "youtube"
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def _video(video_id: str) -> UrlInfo:
    url = f"https://www.youtube.com/watch?v={video_id}"
    return UrlInfo(NAME, CitationKind.POST, video_id, None, url)


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a YouTube URL names."""
    if host == "youtu.be":
        return _video(segs[0]) if segs and _VIDEO_ID.match(segs[0]) else None
    if host == "i.ytimg.com" or host == "img.youtube.com":
        return UrlInfo(NAME, CitationKind.MEDIA)  # canonical URL: see classify_url
    if not segs:
        return None
    first = segs[0].lower()
    watched = query.get("v") or [""]
    if first in ("watch", "attribution_link") and _VIDEO_ID.match(watched[0]):
        return _video(watched[0])
    in_path = segs[1] if len(segs) >= 2 else ""
    if first in ("embed", "shorts", "live", "v", "e") and _VIDEO_ID.match(in_path):
        return _video(in_path)
    if first in ("share", "sharer") or (first == "embed" and len(segs) == 1):
        return UrlInfo(NAME, NotCitation.SHARE)
    if first == "iframe_api" or first == "s":
        return UrlInfo(NAME, NotCitation.ASSET)
    if segs[0].startswith("@") and len(segs) <= 2:
        channel = f"https://www.youtube.com/{segs[0]}"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[0][1:], channel)
    if first in ("channel", "c", "user") and len(segs) >= 2:
        channel = f"https://www.youtube.com/{first}/{segs[1]}"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[1], channel)
    return None


_WATCH = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
PLATFORM = Platform(
    name=NAME,
    hosts=frozenset(
        {
            "youtube.com",
            "youtu.be",
            "youtube-nocookie.com",
            "music.youtube.com",
            "i.ytimg.com",
            "img.youtube.com",
        }
    ),
    rules=rules,
    global_post_ids=True,
    embed_selectors=("amp-youtube", "lite-youtube"),
    embed_attributes=(
        EmbedAttribute("data-videoid", "https://youtu.be/{}", "dQw4w9WgXcQ"),
        EmbedAttribute("videoid", "https://youtu.be/{}", "dQw4w9WgXcQ"),
    ),
    examples=(
        UrlExample(_WATCH, CitationKind.POST, "dQw4w9WgXcQ", _WATCH, "ytdlp"),
        UrlExample(
            "https://youtu.be/dQw4w9WgXcQ?si=x", CitationKind.POST, "dQw4w9WgXcQ", _WATCH, "ytdlp"
        ),
        UrlExample(
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
            CitationKind.POST,
            "dQw4w9WgXcQ",
            _WATCH,
            "ytdlp",
        ),
        UrlExample(
            "https://www.youtube.com/@channel",
            CitationKind.PROFILE,
            None,
            "https://www.youtube.com/@channel",
        ),
        UrlExample("https://www.youtube.com/iframe_api", NotCitation.ASSET),
    ),
)
