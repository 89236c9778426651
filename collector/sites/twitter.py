"""X/Twitter URLs: status, profile, short-link, media and widget forms on x.com, twitter.com
and the mirror hosts (fxtwitter, vxtwitter, nitter, ...).

The canonical form of a post is `https://x.com/<handle>/status/<id>` (`/i/status/<id>` when the
handle is unknown); status ids are global, so every form of one post shares one target key.
"""

import re

from archive.vocabulary import CitationKind, PageVerdict
from collector.sites.model import NotCitation, PageRule, Platform, Query, UrlExample, UrlInfo
from collector.sites.urlparts import DIGITS, keep_case

NAME = "twitter"
CANONICAL_HOST = "x.com"
HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_RESERVED = frozenset(
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
MIRRORS = frozenset(
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
_OTHER_HOSTS = frozenset(
    [
        "pic.twitter.com",
        "pbs.twimg.com",
        "video.twimg.com",
        "t.co",
        "platform.twitter.com",
        "publish.twitter.com",
        "syndication.twitter.com",
    ]
)
_ASSET_HOSTS = frozenset({"publish.twitter.com", "syndication.twitter.com"})


def post_url(handle: str | None, post_id: str) -> str:
    """The canonical URL of an X post."""
    return _post(handle, post_id).canonical_url or ""


def _post(handle: str | None, post_id: str) -> UrlInfo:
    shown = handle if handle and handle.lower() != "i" else None
    url = f"https://{CANONICAL_HOST}/{shown or 'i'}/status/{post_id}"
    return UrlInfo(NAME, CitationKind.POST, post_id, shown, url)


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What an X/Twitter URL names."""
    if host == "pic.twitter.com" or host.endswith("twimg.com"):
        if host.endswith("twimg.com") and not segs:
            return None
        kind = CitationKind.MEDIA if segs else CitationKind.LINK
        return UrlInfo(NAME, kind, canonical_url=keep_case(url))
    if host == "t.co":
        return UrlInfo(NAME, CitationKind.LINK, canonical_url=keep_case(url)) if segs else None
    if host == "platform.twitter.com":
        ids = query.get("id") or query.get("tweet_id")
        if segs and segs[-1] == "Tweet.html" and ids and DIGITS.match(ids[0]):
            return _post(None, ids[0])
        return UrlInfo(NAME, NotCitation.ASSET)
    if host in _ASSET_HOSTS:
        return UrlInfo(NAME, NotCitation.ASSET)
    if not segs:
        return None
    first = segs[0].lower()
    if first in ("intent", "share", "home") or (first == "i" and segs[1:2] == ["flow"]):
        return UrlInfo(NAME, NotCitation.SHARE)
    # /i/web/status/ID, /i/status/ID, /statuses/ID, /<handle>/status(es)/ID[/photo/1]
    for i, seg in enumerate(segs[:-1]):
        if seg.lower() in ("status", "statuses") and DIGITS.match(segs[i + 1]):
            handle = segs[i - 1] if i >= 1 and HANDLE.match(segs[i - 1]) else None
            if handle and handle.lower() in ("web", "i"):
                handle = None
            return _post(handle, segs[i + 1])
    if first == "hashtag" or first == "search":
        return UrlInfo(NAME, NotCitation.SHARE)
    if first in _RESERVED or not HANDLE.match(segs[0]):
        return None
    if len(segs) == 1 or segs[1].lower() in ("with_replies", "media", "likes", "highlights"):
        profile = f"https://{CANONICAL_HOST}/{segs[0]}"
        return UrlInfo(NAME, CitationKind.PROFILE, handle=segs[0], canonical_url=profile)
    return None


_TWEET = 'article[data-testid="tweet"]'
PAGE_RULES = (
    # A logged-out visit X will not serve is sent to its login flow (x.com/i/flow/login).
    PageRule(
        PageVerdict.LOGIN_WALL,
        "X asked to log in instead of showing the page",
        paths=(r"^/i/flow/(login|signup)", r"^/login/?$", r"^/account/access"),
        titles=(r"^(Log in|Sign in) to (X|Twitter)\b",),
        unless=(_TWEET,),
    ),
    # X's own wording in place of a post (its 404 route, tombstones, suspended accounts).
    PageRule(
        PageVerdict.UNAVAILABLE,
        "X shows that the post is unavailable",
        phrases=(
            "hmm...this page doesn't exist",
            "this post is unavailable",
            "this tweet is unavailable",
            "this post was deleted",
            "this tweet was deleted",
            "this account doesn't exist",
            "account suspended",
            "sorry, that page doesn't exist",
        ),
        unless=(_TWEET,),
    ),
)

PLATFORM = Platform(
    name=NAME,
    hosts=MIRRORS | _OTHER_HOSTS,
    rules=rules,
    host_prefixes=("nitter.",),
    short_link_hosts=frozenset({"t.co"}),
    global_post_ids=True,
    recorded=True,
    fragment_routes=True,
    embed_selectors=("amp-twitter", "[data-tweet-id]", "[data-tweetid]"),
    page_rules=PAGE_RULES,
    examples=(
        UrlExample(
            "https://twitter.com/jack/status/20",
            CitationKind.POST,
            "20",
            "https://x.com/jack/status/20",
            "twitter",
        ),
        UrlExample(
            "https://mobile.x.com/i/web/status/20?s=20",
            CitationKind.POST,
            "20",
            "https://x.com/i/status/20",
            "twitter",
        ),
        UrlExample(
            "https://nitter.net/jack/status/20#m",
            CitationKind.POST,
            "20",
            "https://x.com/jack/status/20",
            "twitter",
        ),
        UrlExample(
            "https://twitter.com/#!/jack/status/20",
            CitationKind.POST,
            "20",
            "https://x.com/jack/status/20",
            "twitter",
        ),
        UrlExample("https://x.com/jack", CitationKind.PROFILE, None, "https://x.com/jack"),
        UrlExample("https://t.co/AbC123", CitationKind.LINK, None, "https://t.co/AbC123"),
        UrlExample("https://twitter.com/intent/tweet?text=hi", NotCitation.SHARE),
        UrlExample("https://platform.twitter.com/widgets.js", NotCitation.ASSET),
    ),
)
