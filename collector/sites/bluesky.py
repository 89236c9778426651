"""Bluesky URLs: posts (`bsky.app/profile/<handle>/post/<rkey>`, `at://` URIs) and profiles.

Post ids (record keys) are treated as global, as they always have been by target keys.
"""

import re

from archive.vocabulary import CitationKind
from collector.sites.model import NotCitation, Platform, Query, UrlExample, UrlInfo

NAME = "bluesky"
_AT_URI = re.compile(r"^at://([^/\s]+)/app\.bsky\.feed\.post/([A-Za-z0-9]+)$")


def rules(host: str, segs: list[str], query: Query, url: str) -> UrlInfo | None:
    """What a bsky.app URL names."""
    if len(segs) >= 4 and segs[0] == "profile" and segs[2] == "post":
        canonical = f"https://bsky.app/profile/{segs[1]}/post/{segs[3]}"
        return UrlInfo(NAME, CitationKind.POST, segs[3], segs[1], canonical)
    if len(segs) == 2 and segs[0] == "profile":
        profile = f"https://bsky.app/profile/{segs[1]}"
        return UrlInfo(NAME, CitationKind.PROFILE, None, segs[1], profile)
    if segs[:1] == ["intent"]:
        return UrlInfo(NAME, NotCitation.SHARE)
    return None


def at_uri(uri: str) -> UrlInfo | None:
    """An `at://did/app.bsky.feed.post/rkey` URI as a Bluesky post."""
    m = _AT_URI.match(uri.strip())
    if not m:
        return None
    return rules("bsky.app", ["profile", m.group(1), "post", m.group(2)], {}, uri)


_POST = "https://bsky.app/profile/a.test/post/3k"
PLATFORM = Platform(
    name=NAME,
    hosts=frozenset({"bsky.app"}),
    rules=rules,
    global_post_ids=True,
    recorded=True,
    embed_selectors=("[data-bluesky-uri]",),
    examples=(
        UrlExample(_POST, CitationKind.POST, "3k", _POST, "bluesky"),
        UrlExample(
            "https://bsky.app/profile/a.test",
            CitationKind.PROFILE,
            None,
            "https://bsky.app/profile/a.test",
        ),
        UrlExample("https://bsky.app/intent/compose?text=x", NotCitation.SHARE),
    ),
)
