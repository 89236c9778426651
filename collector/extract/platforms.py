"""Which platform a URL belongs to, and whether it names a post, a profile, media or a page.

Hand-written per platform because no maintained library covers the post/profile/share split
across X, Telegram, YouTube, Instagram, TikTok, Bluesky, Reddit, Facebook, Threads, VK and
Mastodon; each rule is a few lines of path matching on `urllib.parse.urlsplit` output.

`classify_url` returns kind `share` for share buttons and intents and `asset` for widget
scripts: those are never citations, and the extractor drops them.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from collector.extract.canonical import absolute_url, canonicalize_url

NOT_CITATIONS = frozenset({"share", "asset"})

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_DIGITS = re.compile(r"^\d{1,20}$")
_TWITTER_RESERVED = frozenset(
    [
        "i",
        "intent",
        "share",
        "home",
        "search",
        "hashtag",
        "explore",
        "settings",
        "login",
        "logout",
        "signup",
        "messages",
        "notifications",
        "tos",
        "privacy",
        "about",
        "download",
        "account",
        "compose",
        "oauth",
        "widgets",
        "web",
        "statuses",
        "following",
        "followers",
        "who_to_follow",
        "jobs",
        "lists",
        "places",
        "help",
        "signin",
        "rules",
        "en",
    ]
)
_TWITTER_MIRRORS = frozenset(
    [
        "twitter.com",
        "x.com",
        "fxtwitter.com",
        "vxtwitter.com",
        "fixupx.com",
        "fixvx.com",
        "twittpr.com",
        "xcancel.com",
        "nitter.net",
        "nitter.poast.org",
        "nitter.privacydev.net",
        "twstalker.com",
    ]
)
_TG_RESERVED = frozenset({"share", "joinchat", "addstickers", "proxy", "socks", "iv", "login"})
_YT_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_IG_RESERVED = frozenset(
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


_SHARE_HOSTS = frozenset(
    [
        "linkedin.com",
        "tumblr.com",
        "pinterest.com",
        "pinterest.de",
        "pinterest.co.uk",
        "wa.me",
        "whatsapp.com",
        "api.whatsapp.com",
        "getpocket.com",
        "buffer.com",
        "bufferapp.com",
        "flipboard.com",
        "xing.com",
        "news.ycombinator.com",
        "digg.com",
        "mix.com",
        "plus.google.com",
        "stumbleupon.com",
        "ok.ru",
        "connect.ok.ru",
        "addthis.com",
        "sharethis.com",
        "line.me",
        "social-plugins.line.me",
    ]
)
_BOOKMARK_HOSTS = frozenset({"b.hatena.ne.jp", "addtoany.com", "static.addtoany.com"})
_SHARE_PATH = re.compile(
    r"/(?:share|sharer|shareArticle|sharing|submit|submitlink|pin/create|intent|send|save|add"
    r"|bookmark|dialog)\b",
    re.IGNORECASE,
)
_ASSET_FILE = re.compile(r"\.(?:js|mjs|css|woff2?|ttf|otf|eot|map|ico)$", re.IGNORECASE)
_MEDIA_FILE = re.compile(
    r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?|mp4|m4v|webm|mov|mp3|m4a|ogg|wav)$", re.I
)


@dataclass(frozen=True)
class UrlInfo:
    """What a URL points at."""

    platform: str
    kind: str  # post | profile | link | media | share | asset
    post_id: str | None = None
    handle: str | None = None
    canonical_url: str | None = None


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def _base_host(host: str) -> str:
    for prefix in ("www.", "mobile.", "m.", "web.", "old.", "new.", "np.", "d.", "api."):
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


def _twitter_post(handle: str | None, post_id: str) -> UrlInfo:
    shown = handle if handle and handle.lower() != "i" else None
    url = f"https://x.com/{shown or 'i'}/status/{post_id}"
    return UrlInfo("twitter", "post", post_id, shown, url)


def twitter_post_url(handle: str | None, post_id: str) -> str:
    """The canonical URL of an X post."""
    return _twitter_post(handle, post_id).canonical_url or ""


def _twitter(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if host == "pic.twitter.com" or host.endswith("twimg.com"):
        if host.endswith("twimg.com") and not segs:
            return None
        kind = "media" if segs else "link"
        return UrlInfo("twitter", kind, canonical_url=_keep_case(url))
    if host == "t.co":
        return UrlInfo("twitter", "link", canonical_url=_keep_case(url)) if segs else None
    if host == "platform.twitter.com":
        ids = query.get("id") or query.get("tweet_id")
        if segs and segs[-1] == "Tweet.html" and ids and _DIGITS.match(ids[0]):
            return _twitter_post(None, ids[0])
        return UrlInfo("twitter", "asset")
    if host in ("publish.twitter.com", "syndication.twitter.com", "analytics.twitter.com"):
        return UrlInfo("twitter", "asset")
    if not segs:
        return None
    first = segs[0].lower()
    if first in ("intent", "share", "home") or (first == "i" and segs[1:2] == ["flow"]):
        return UrlInfo("twitter", "share")
    # /i/web/status/ID, /i/status/ID, /statuses/ID, /<handle>/status(es)/ID[/photo/1]
    for i, seg in enumerate(segs[:-1]):
        if seg.lower() in ("status", "statuses") and _DIGITS.match(segs[i + 1]):
            handle = segs[i - 1] if i >= 1 and _HANDLE.match(segs[i - 1]) else None
            if handle and handle.lower() in ("web", "i"):
                handle = None
            return _twitter_post(handle, segs[i + 1])
    if first == "hashtag" or first == "search":
        return UrlInfo("twitter", "share")
    if first in _TWITTER_RESERVED or not _HANDLE.match(segs[0]):
        return UrlInfo("twitter", "link", canonical_url=canonicalize_url(url))
    if len(segs) == 1 or segs[1].lower() in ("with_replies", "media", "likes", "highlights"):
        return UrlInfo(
            "twitter", "profile", handle=segs[0], canonical_url=f"https://x.com/{segs[0]}"
        )
    return UrlInfo("twitter", "link", canonical_url=canonicalize_url(url))


def _keep_case(url: str) -> str:
    """Short links and media ids are case-sensitive: only scheme and host are normalized."""
    parts = urlsplit(url)
    return f"https://{(parts.hostname or '').lower()}{parts.path}"


def _telegram(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if not segs:
        return None
    if segs[0] == "s" and len(segs) >= 2:
        segs = segs[1:]
    first = segs[0].lower()
    if first in _TG_RESERVED:
        return UrlInfo("telegram", "share" if first == "share" else "link")
    if first == "c" and len(segs) >= 3 and _DIGITS.match(segs[1]) and _DIGITS.match(segs[2]):
        return UrlInfo(
            "telegram",
            "post",
            f"c/{segs[1]}/{segs[2]}",
            None,
            f"https://t.me/c/{segs[1]}/{segs[2]}",
        )
    channel = segs[0]
    if not re.match(r"^[A-Za-z0-9_]{3,64}$", channel):
        return UrlInfo("telegram", "link", canonical_url=canonicalize_url(url))
    if len(segs) >= 2 and _DIGITS.match(segs[1]):
        post = f"{channel}/{segs[1]}"
        return UrlInfo("telegram", "post", post, channel, f"https://t.me/{post}")
    return UrlInfo("telegram", "profile", None, channel, f"https://t.me/{channel}")


def _youtube_post(video_id: str) -> UrlInfo:
    return UrlInfo("youtube", "post", video_id, None, f"https://www.youtube.com/watch?v={video_id}")


def _youtube(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if host == "youtu.be":
        return _youtube_post(segs[0]) if segs and _YT_ID.match(segs[0]) else None
    if host == "i.ytimg.com" or host == "img.youtube.com":
        return UrlInfo("youtube", "media", canonical_url=canonicalize_url(url))
    if not segs:
        return None
    first = segs[0].lower()
    if first in ("watch", "attribution_link") and query.get("v") and _YT_ID.match(query["v"][0]):
        return _youtube_post(query["v"][0])
    if first in ("embed", "shorts", "live", "v", "e") and len(segs) >= 2 and _YT_ID.match(segs[1]):
        return _youtube_post(segs[1])
    if first in ("share", "sharer") or (first == "embed" and len(segs) == 1):
        return UrlInfo("youtube", "share")
    if first == "iframe_api" or first == "s":
        return UrlInfo("youtube", "asset")
    if segs[0].startswith("@") and len(segs) <= 2:
        return UrlInfo(
            "youtube", "profile", None, segs[0][1:], f"https://www.youtube.com/{segs[0]}"
        )
    if first in ("channel", "c", "user") and len(segs) >= 2:
        return UrlInfo(
            "youtube", "profile", None, segs[1], f"https://www.youtube.com/{first}/{segs[1]}"
        )
    return UrlInfo("youtube", "link", canonical_url=canonicalize_url(url))


def _instagram(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if not segs:
        return None
    if len(segs) >= 3 and segs[1] in ("p", "reel", "tv") and segs[0] not in _IG_RESERVED:
        segs = segs[1:]
    first = segs[0].lower()
    if first in ("p", "reel", "reels", "tv") and len(segs) >= 2:
        kind = "reel" if first in ("reel", "reels") else "p"
        return UrlInfo(
            "instagram", "post", segs[1], None, f"https://www.instagram.com/{kind}/{segs[1]}/"
        )
    if first in _IG_RESERVED or not re.match(r"^[A-Za-z0-9_.]{1,30}$", segs[0]):
        return UrlInfo("instagram", "link", canonical_url=canonicalize_url(url))
    return UrlInfo("instagram", "profile", None, segs[0], f"https://www.instagram.com/{segs[0]}/")


def _tiktok(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if not segs:
        return None
    if host in ("vm.tiktok.com", "vt.tiktok.com") or segs[0] == "t":
        return UrlInfo("tiktok", "link", canonical_url=_keep_case(url))
    video = len(segs) >= 3 and segs[0].startswith("@") and segs[1] in ("video", "photo")
    if video and _DIGITS.match(segs[2]):
        user = segs[0][1:]
        return UrlInfo(
            "tiktok",
            "post",
            segs[2],
            user,
            f"https://www.tiktok.com/@{user}/{segs[1]}/{segs[2]}",
        )
    if segs[0] == "embed" and _DIGITS.match(segs[-1]):
        return UrlInfo(
            "tiktok", "post", segs[-1], None, f"https://www.tiktok.com/embed/v2/{segs[-1]}"
        )
    if segs[0].startswith("@") and len(segs) == 1:
        return UrlInfo("tiktok", "profile", None, segs[0][1:], f"https://www.tiktok.com/{segs[0]}")
    if segs[0] in ("share", "upload"):
        return UrlInfo("tiktok", "share")
    return UrlInfo("tiktok", "link", canonical_url=canonicalize_url(url))


def _bluesky(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if len(segs) >= 4 and segs[0] == "profile" and segs[2] == "post":
        return UrlInfo(
            "bluesky",
            "post",
            segs[3],
            segs[1],
            f"https://bsky.app/profile/{segs[1]}/post/{segs[3]}",
        )
    if len(segs) == 2 and segs[0] == "profile":
        return UrlInfo("bluesky", "profile", None, segs[1], f"https://bsky.app/profile/{segs[1]}")
    if segs[:1] == ["intent"]:
        return UrlInfo("bluesky", "share")
    return UrlInfo("bluesky", "link", canonical_url=canonicalize_url(url)) if segs else None


def bluesky_at_uri(uri: str) -> UrlInfo | None:
    """An `at://did/app.bsky.feed.post/rkey` URI as a Bluesky post."""
    m = re.match(r"^at://([^/\s]+)/app\.bsky\.feed\.post/([A-Za-z0-9]+)$", uri.strip())
    if not m:
        return None
    return _bluesky("bsky.app", ["profile", m.group(1), "post", m.group(2)], {}, uri)


def _reddit(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if host == "redd.it":
        if segs and re.match(r"^[a-z0-9]{4,10}$", segs[0]):
            return UrlInfo(
                "reddit", "post", segs[0], None, f"https://www.reddit.com/comments/{segs[0]}/"
            )
        return None
    if host in ("i.redd.it", "v.redd.it", "preview.redd.it"):
        return UrlInfo("reddit", "media", canonical_url=canonicalize_url(url))
    if "comments" in segs:
        i = segs.index("comments")
        if i + 1 < len(segs) and re.match(r"^[a-z0-9]{4,10}$", segs[i + 1]):
            sub = segs[i - 1] if i >= 2 and segs[i - 2] == "r" else None
            prefix = f"/r/{sub}" if sub else ""
            post = segs[i + 1]
            return UrlInfo(
                "reddit", "post", post, None, f"https://www.reddit.com{prefix}/comments/{post}/"
            )
    if len(segs) >= 2 and segs[0] in ("user", "u"):
        return UrlInfo(
            "reddit", "profile", None, segs[1], f"https://www.reddit.com/user/{segs[1]}/"
        )
    if segs[:1] == ["submit"]:
        return UrlInfo("reddit", "share")
    return UrlInfo("reddit", "link", canonical_url=canonicalize_url(url)) if segs else None


def _facebook(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if not segs:
        return None
    first = segs[0].lower()
    if first in ("sharer.php", "sharer", "share.php", "dialog") or (
        first == "share" and len(segs) == 1
    ):
        return UrlInfo("facebook", "share")
    if first == "plugins":
        inner = query.get("href")
        if inner and inner[0] != url:
            found = classify_url(inner[0])
            if found is not None and found.platform == "facebook":
                return found
        return UrlInfo("facebook", "asset")
    if first in ("permalink.php", "story.php") and query.get("story_fbid") and query.get("id"):
        post = query["story_fbid"][0]
        owner = query["id"][0]
        return UrlInfo(
            "facebook",
            "post",
            post,
            owner,
            f"https://www.facebook.com/permalink.php?story_fbid={post}&id={owner}",
        )
    if first in ("photo.php", "photo") and query.get("fbid"):
        post = query["fbid"][0]
        return UrlInfo(
            "facebook", "post", post, None, f"https://www.facebook.com/photo/?fbid={post}"
        )
    if first == "watch" and query.get("v"):
        return UrlInfo(
            "facebook",
            "post",
            query["v"][0],
            None,
            f"https://www.facebook.com/watch/?v={query['v'][0]}",
        )
    if first == "reel" and len(segs) >= 2:
        return UrlInfo(
            "facebook", "post", segs[1], None, f"https://www.facebook.com/reel/{segs[1]}"
        )
    if len(segs) >= 3 and segs[1] in ("posts", "videos", "photos"):
        post = segs[-1]
        return UrlInfo(
            "facebook",
            "post",
            post,
            segs[0],
            f"https://www.facebook.com/{segs[0]}/{segs[1]}/{post}",
        )
    if len(segs) == 1 and re.match(r"^[A-Za-z0-9.\-]{3,80}$", segs[0]) and "." not in first[-4:]:
        return UrlInfo("facebook", "profile", None, segs[0], f"https://www.facebook.com/{segs[0]}")
    return UrlInfo("facebook", "link", canonical_url=canonicalize_url(url))


def _threads(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    if not segs or not segs[0].startswith("@"):
        return UrlInfo("threads", "link", canonical_url=canonicalize_url(url)) if segs else None
    user = segs[0][1:]
    if len(segs) >= 3 and segs[1] == "post":
        return UrlInfo(
            "threads", "post", segs[2], user, f"https://www.threads.net/@{user}/post/{segs[2]}"
        )
    return UrlInfo("threads", "profile", None, user, f"https://www.threads.net/@{user}")


_VK_WALL = re.compile(r"^wall(-?\d+_\d+)$")


def _vk(host: str, segs: list[str], query: dict[str, list[str]], url: str) -> UrlInfo | None:
    candidates = [*(segs[:1]), *(query.get("w") or [])]
    for candidate in candidates:
        m = _VK_WALL.match(candidate)
        if m:
            return UrlInfo("vk", "post", m.group(1), None, f"https://vk.com/wall{m.group(1)}")
    if not segs:
        return None
    if segs[0] in ("share.php", "share"):
        return UrlInfo("vk", "share")
    if len(segs) == 1 and re.match(r"^[A-Za-z0-9_.]{2,64}$", segs[0]) and "." not in segs[0]:
        return UrlInfo("vk", "profile", None, segs[0], f"https://vk.com/{segs[0]}")
    return UrlInfo("vk", "link", canonical_url=canonicalize_url(url))


_MASTODON_POST = re.compile(r"^/@([A-Za-z0-9_]{1,30})(?:@[\w.-]+)?/(\d{15,20})/?$")
_MASTODON_STATUS = re.compile(r"^/users/([A-Za-z0-9_]{1,30})/statuses/(\d{15,20})/?$")


def _mastodon(host: str, path: str) -> UrlInfo | None:
    m = _MASTODON_POST.match(path) or _MASTODON_STATUS.match(path)
    if not m:
        return None
    user, post = m.group(1), m.group(2)
    return UrlInfo("mastodon", "post", post, f"{user}@{host}", f"https://{host}/@{user}/{post}")


Handler = Callable[[str, list[str], dict[str, list[str]], str], UrlInfo | None]
_HOSTS: dict[str, Handler] = {
    **{h: _twitter for h in _TWITTER_MIRRORS},
    "pic.twitter.com": _twitter,
    "pbs.twimg.com": _twitter,
    "video.twimg.com": _twitter,
    "t.co": _twitter,
    "platform.twitter.com": _twitter,
    "publish.twitter.com": _twitter,
    "syndication.twitter.com": _twitter,
    "t.me": _telegram,
    "telegram.me": _telegram,
    "telegram.dog": _telegram,
    "youtube.com": _youtube,
    "youtu.be": _youtube,
    "youtube-nocookie.com": _youtube,
    "music.youtube.com": _youtube,
    "i.ytimg.com": _youtube,
    "img.youtube.com": _youtube,
    "instagram.com": _instagram,
    "instagr.am": _instagram,
    "tiktok.com": _tiktok,
    "vm.tiktok.com": _tiktok,
    "vt.tiktok.com": _tiktok,
    "bsky.app": _bluesky,
    "reddit.com": _reddit,
    "redd.it": _reddit,
    "i.redd.it": _reddit,
    "v.redd.it": _reddit,
    "preview.redd.it": _reddit,
    "redditmedia.com": _reddit,
    "facebook.com": _facebook,
    "fb.com": _facebook,
    "threads.net": _threads,
    "threads.com": _threads,
    "vk.com": _vk,
    "vk.ru": _vk,
}


_PLATFORM_OF: dict[Handler, str] = {
    _twitter: "twitter",
    _telegram: "telegram",
    _youtube: "youtube",
    _instagram: "instagram",
    _tiktok: "tiktok",
    _bluesky: "bluesky",
    _reddit: "reddit",
    _facebook: "facebook",
    _threads: "threads",
    _vk: "vk",
}


@lru_cache(maxsize=8192)
def classify_url(url: str, base_url: str | None = None) -> UrlInfo | None:
    """Platform, kind, post id, handle and canonical URL of `url`; None when not http(s)."""
    absolute = absolute_url(url, base_url)
    if absolute is None:
        return None
    try:
        parts = urlsplit(absolute)
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None
    base = _base_host(host)
    handler = _HOSTS.get(base) or _HOSTS.get(host)
    if handler is None and (base.startswith("nitter.") or host.endswith(".tiktok.com")):
        handler = _twitter if base.startswith("nitter.") else _tiktok
    if handler is not None:
        path = parts.path
        fragment = unquote(parts.fragment)
        if handler is _twitter and fragment.startswith("!/"):
            path = fragment[1:]
        query = parse_qs(parts.query)
        found = handler(base, _segments(path), query, absolute)
        if found is None:  # the platform's home page or an unknown path on its host
            found = UrlInfo(_PLATFORM_OF[handler], "link")
        if found.canonical_url is None and found.kind not in NOT_CITATIONS:
            canonical = canonicalize_url(absolute)
            return UrlInfo(found.platform, found.kind, found.post_id, found.handle, canonical)
        return found
    if "@" in parts.path or "/statuses/" in parts.path:
        found = _mastodon(host, parts.path)
        if found is not None:
            return found
    if base in _BOOKMARK_HOSTS or (_SHARE_PATH.search(parts.path) and base in _SHARE_HOSTS):
        return UrlInfo("web", "share")
    canonical = canonicalize_url(absolute)
    if canonical is None:
        return None
    if _ASSET_FILE.search(parts.path):
        return UrlInfo("web", "asset")
    kind = "media" if _MEDIA_FILE.search(parts.path) else "link"
    return UrlInfo("web", kind, canonical_url=canonical)
