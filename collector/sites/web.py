"""Any other web URL: share buttons of the sharing services, static assets, media files and
plain links."""

import re

from archive.vocabulary import CitationKind
from collector.sites.canonical import canonical_form
from collector.sites.model import NotCitation, UrlExample, UrlInfo

NAME = "web"
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


def rules(base_host: str, path: str, url: str) -> UrlInfo | None:
    """What a URL on a host no platform claims names; None when it cannot be canonicalized."""
    if base_host in _BOOKMARK_HOSTS or (_SHARE_PATH.search(path) and base_host in _SHARE_HOSTS):
        return UrlInfo(NAME, NotCitation.SHARE)
    canonical = canonical_form(url)
    if canonical is None:
        return None
    if _ASSET_FILE.search(path):
        return UrlInfo(NAME, NotCitation.ASSET)
    kind = CitationKind.MEDIA if _MEDIA_FILE.search(path) else CitationKind.LINK
    return UrlInfo(NAME, kind, canonical_url=canonical)


EXAMPLES = (
    UrlExample(
        "https://example.org/article?utm_source=x",
        CitationKind.LINK,
        None,
        "https://example.org/article",
    ),
    UrlExample(
        "https://example.org/photo.JPG", CitationKind.MEDIA, None, "https://example.org/photo.JPG"
    ),
    UrlExample("https://www.linkedin.com/shareArticle?url=x", NotCitation.SHARE),
    UrlExample("https://cdn.example.org/app.js", NotCitation.ASSET),
)
