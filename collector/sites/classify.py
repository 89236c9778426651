"""Which platform a URL belongs to, and whether it names a post, a profile, media or a page.

The rules are hand-written per site (one module each in this package) because no maintained
library covers the post/profile/share split across X, Telegram, YouTube, Instagram, TikTok,
Bluesky, Reddit, Facebook, Threads, VK and Mastodon; each rule is a few lines of path matching
on `urllib.parse.urlsplit` output. yt-dlp's extractors are not asked here (they route the
yt-dlp adapter, `collector.platforms.ytdlp`): asking all 1,753 of them costs about 3 ms a URL
(an article of 100,000 links: five minutes) and they say nothing of profiles, share links or
canonical URLs.

`classify_url` returns kind `share` for share buttons and intents and `asset` for widget
scripts: those are never citations, and the extractor drops them.
"""

from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from archive.vocabulary import CitationKind
from collector.sites import mastodon, web
from collector.sites.canonical import absolute_url, canonical_form
from collector.sites.model import NOT_CITATIONS, UrlInfo
from collector.sites.registry import platform_for_host
from collector.sites.urlparts import segments

_HOST_PREFIXES = ("www.", "mobile.", "m.", "web.", "old.", "new.", "np.", "d.", "api.")


def base_host(host: str) -> str:
    """`host` without a `www.`-like first label (when one is left after it)."""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            return host[len(prefix) :]
    return host


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
    base = base_host(host)
    platform = platform_for_host(host, base)
    if platform is not None:
        path = parts.path
        fragment = unquote(parts.fragment)
        if platform.fragment_routes and fragment.startswith("!/"):
            path = fragment[1:]
        found = platform.rules(base, segments(path), parse_qs(parts.query), absolute)
        if found is None:  # the platform's home page or an unknown path on its host
            found = UrlInfo(platform.name, CitationKind.LINK)
        if found.canonical_url is None and found.kind not in NOT_CITATIONS:
            canonical = canonical_form(absolute)
            return UrlInfo(found.platform, found.kind, found.post_id, found.handle, canonical)
        return found
    if mastodon.might_be_post(parts.path):
        found = mastodon.post(host, parts.path)
        if found is not None:
            return found
    return web.rules(base, parts.path, absolute)
