"""Any web page: OpenGraph and JSON-LD (extruct), Twitter card tags, title, author, dates.

Field precedence: JSON-LD (Article-like types) > OpenGraph / article:* > Twitter card > plain
meta tags / <title>. What each source said is kept whole in `extra` so nothing is lost to the
precedence. The x.com migrate interstitial is recognised and reported as such.
"""

from datetime import UTC, datetime
from typing import Any

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from archive.vocabulary import Availability
from collector.platforms.base import Adapter
from collector.platforms.fetching import fetch_into
from collector.platforms.html_meta import meta_tags
from collector.platforms.result import Link, MediaItem, PlatformResult
from collector.platforms.twitter_parse import INTERSTITIAL_REASON, is_x_interstitial

_ARTICLE_TYPES = {
    "Article",
    "NewsArticle",
    "BlogPosting",
    "Report",
    "SocialMediaPosting",
    "VideoObject",
    "WebPage",
}
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _name(value: Any) -> str | None:
    """A person's name from a JSON-LD author (string, object or list)."""
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return value.get("name")
    return value if isinstance(value, str) else None


def _types(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    return set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()


def _article(json_ld: list[dict[str, Any]]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for item in json_ld:
        items.extend(item.get("@graph", [item]) if isinstance(item, dict) else [])
    for item in items:
        if isinstance(item, dict) and _types(item) & _ARTICLE_TYPES:
            return item
    return {}


def parse_page(html: str, url: str, result: PlatformResult) -> None:
    """Fill `result` from a page's HTML."""
    import extruct  # lxml underneath: slow to import, so only when a page is read

    if is_x_interstitial(html):
        result.set_availability(Availability.UNKNOWN, INTERSTITIAL_REASON)
        return
    tree = HTMLParser(html)
    meta = meta_tags(tree)
    try:
        data = extruct.extract(html, base_url=url, syntaxes=["opengraph", "json-ld"], uniform=True)
    except Exception as exc:  # extruct raises many parser-specific types on broken markup
        data = {"opengraph": [], "json-ld": []}
        result.notes.append(f"structured data could not be read: {type(exc).__name__}")
    og = data["opengraph"][0] if data["opengraph"] else {}
    article = _article(data["json-ld"])
    twitter = {k: v for k, v in meta.items() if k.startswith("twitter:")}
    title_node = tree.css_first("title")
    html_node = tree.css_first("html")
    result.source = "generic.html"
    result.author_name = (
        _name(article.get("author"))
        or meta.get("author")
        or meta.get("article:author")
        or twitter.get("twitter:creator")
    )
    creator = twitter.get("twitter:creator") or ""
    result.author_handle = creator.lstrip("@") if creator.startswith("@") else None
    result.posted_at = (
        _parse_time(article.get("datePublished"))
        or _parse_time(og.get("article:published_time"))
        or _parse_time(meta.get("article:published_time"))
        or _parse_time(meta.get("date"))
        or _parse_time(meta.get("pubdate"))
    )
    result.text = og.get("og:description") or article.get("description") or meta.get("description")
    result.language = html_node.attributes.get("lang") if html_node else None
    title = (
        og.get("og:title")
        or article.get("headline")
        or twitter.get("twitter:title")
        or (title_node.text(strip=True) if title_node else None)
    )
    images = [og.get("og:image"), twitter.get("twitter:image")]
    for image in dict.fromkeys(i for i in images if isinstance(i, str) and i):
        result.media.append(MediaItem(url=image, kind="photo"))
    video = og.get("og:video:secure_url") or og.get("og:video:url") or og.get("og:video")
    if isinstance(video, str) and video:
        result.media.append(MediaItem(url=video, kind="video"))
    canonical = tree.css_first("link[rel=canonical]")
    if canonical is not None and canonical.attributes.get("href"):
        result.links.append(Link(url=canonical.attributes["href"] or "", kind="canonical"))
    result.extra.update(
        {
            "title": title,
            "site_name": og.get("og:site_name"),
            "modified_at": article.get("dateModified") or og.get("article:modified_time"),
            "opengraph": og,
            "twitter_card": twitter,
            "json_ld": data["json-ld"],
        }
    )
    result.set_availability(Availability.AVAILABLE)


class GenericAdapter(Adapter):
    """Every URL no platform adapter claims."""

    name = "generic"

    @classmethod
    def suitable(cls, url: str) -> bool:
        """Any http(s) URL."""
        return url.strip().lower().startswith(("http://", "https://"))

    async def fetch(self, url: str, client: httpx.AsyncClient) -> PlatformResult:
        result = PlatformResult(platform="generic", url=url)
        limit = self.config.response_max_bytes
        raw = await fetch_into(result, client, "generic.page", url, max_bytes=limit)
        if raw is None:
            result.set_availability(Availability.UNKNOWN, "the page could not be fetched")
            return result
        result.url = raw.final_url or url
        if raw.status in (404, 410):
            result.set_availability(Availability.NOT_FOUND, f"HTTP {raw.status}")
            return result
        if raw.status != 200:
            result.set_availability(Availability.UNKNOWN, f"HTTP {raw.status}")
            return result
        if raw.media_type not in _HTML_TYPES:
            result.set_availability(Availability.AVAILABLE, f"not HTML ({raw.media_type})")
            return result
        parse_page(raw.text(), result.url, result)
        return result
