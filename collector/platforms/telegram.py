"""Telegram public channel posts from t.me's own HTML (no login, no API key).

1. `<telegram_url>/<channel>/<id>?embed=1&mode=tme`: the embed widget (text, date, views,
   author, photos, videos, reply and forward headers).
2. `<telegram_url>/s/<channel>/<id>`: the channel preview page, same widget markup, used when
   the embed fails.
3. `<telegram_url>/<channel>/<id>`: the post page's meta tags (channel name, image, text), the
   last resort.
"""

import re
from datetime import UTC, datetime

import httpx
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from archive.vocabulary import Availability
from collector.platforms.base import Adapter
from collector.platforms.html_meta import meta_tags
from collector.platforms.result import Link, MediaItem, PlatformResult
from collector.sites import telegram

_BACKGROUND_URL = re.compile(r"background-image:\s*url\(['\"]?(?P<url>[^'\")]+)")
_COUNT = re.compile(r"^(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>[KMB]?)$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def parse_count(text: str) -> int | None:
    """'1.2M' → 1200000, '845' → 845 (Telegram rounds; the shown text is kept as well)."""
    found = _COUNT.match(text.strip().replace("\u00a0", "").replace(" ", ""))
    if not found:
        return None
    number = float(found.group("number").replace(",", "."))
    return int(round(number * _UNITS[found.group("unit").lower()]))


def _text_with_breaks(node: Node) -> str:
    html = re.sub(r"<br\s*/?>", "\n", node.html or "", flags=re.IGNORECASE)
    return HTMLParser(html).text(separator="").strip()


def _background(node: Node) -> str | None:
    found = _BACKGROUND_URL.search(node.attributes.get("style") or "")
    return found.group("url") if found else None


def find_message(html: str, channel: str, post_id: str) -> Node | None:
    """The widget message block for `channel/post_id` in an embed or /s/ page."""
    wanted = f"{channel}/{post_id}".lower()
    for node in HTMLParser(html).css("div.tgme_widget_message[data-post]"):
        if (node.attributes.get("data-post") or "").lower() == wanted:
            return node
    return None


def parse_message(node: Node, result: PlatformResult) -> None:
    """Fill `result` from one `tgme_widget_message` block."""
    result.set_availability(Availability.AVAILABLE)
    data_post = node.attributes.get("data-post") or ""
    channel, _, post_id = data_post.partition("/")
    result.author_handle = channel or result.author_handle
    result.post_id = post_id or result.post_id
    owner = node.css_first(".tgme_widget_message_owner_name")
    result.author_name = owner.text(strip=True) if owner else None
    photo = node.css_first(".tgme_widget_message_user_photo img[src]")
    if photo is not None:
        result.extra["author_avatar_url"] = photo.attributes.get("src")
    text = node.css_first(".tgme_widget_message_text")
    if text is not None:
        result.text = _text_with_breaks(text)
        for anchor in text.css("a[href]"):
            href = anchor.attributes.get("href") or ""
            if href.startswith(("http://", "https://")):
                result.links.append(Link(url=href, display_url=anchor.text(strip=True)))
    time_node = node.css_first(".tgme_widget_message_date time[datetime]") or node.css_first(
        "time[datetime]"
    )
    if time_node is not None:
        moment = datetime.fromisoformat(time_node.attributes["datetime"] or "")
        result.posted_at = moment.astimezone(UTC) if moment.tzinfo else None
    views = node.css_first(".tgme_widget_message_views")
    if views is not None:
        shown = views.text(strip=True)
        result.metrics["views_text"] = shown
        count = parse_count(shown)
        if count is not None:
            result.metrics["views"] = count
    for photo in node.css(".tgme_widget_message_photo_wrap"):
        url = _background(photo)
        if url:
            result.media.append(MediaItem(url=url, kind="photo"))
    for video in node.css("video.tgme_widget_message_video, video[src]"):
        src = video.attributes.get("src")
        if src and all(m.url != src for m in result.media):
            result.media.append(MediaItem(url=src, kind="video"))
    reply = node.css_first("a.tgme_widget_message_reply")
    if reply is not None:
        found = re.search(r"/(\d+)(?:\?|$)", reply.attributes.get("href") or "")
        result.reply_to_id = found.group(1) if found else None
    forwarded = node.css_first(".tgme_widget_message_forwarded_from_name")
    if forwarded is not None:
        result.extra["forwarded_from"] = forwarded.text(strip=True)
        result.extra["forwarded_from_url"] = forwarded.attributes.get("href")
    if node.css_first(".tgme_widget_message_edited, .message_edited"):
        result.extra["edited"] = True


def parse_post_page(html: str, result: PlatformResult) -> None:
    """Fill what a t.me post page's meta tags say (channel name, image, text when present)."""
    tree = HTMLParser(html)
    meta = meta_tags(tree)
    app_url = meta.get("al:ios:url") or meta.get("al:android:url") or ""
    found = re.search(r"domain=(?P<channel>[\w]+)(?:&|&amp;)post=(?P<post>\d+)", app_url)
    if not found:
        result.set_availability(Availability.UNKNOWN, "t.me page does not describe a post")
        return
    result.set_availability(Availability.AVAILABLE, "read from the post page's meta tags only")
    result.source = result.source or "telegram.post_page"
    result.author_handle = found.group("channel")
    result.post_id = found.group("post")
    result.author_name = meta.get("og:title")
    result.text = meta.get("og:description") or None
    image = meta.get("og:image")
    if image:
        result.media.append(MediaItem(url=image, kind="photo"))
    iframe = tree.css_first("iframe[id^=telegram-post-]")
    if iframe is not None:
        result.extra["embed_url"] = iframe.attributes.get("src")


PRIVATE_NOTE = (
    "t.me/c/ links name posts of private channels, which only their members can read: "
    "the post was not fetched"
)


class TelegramAdapter(Adapter):
    """Telegram channel post URLs (`collector.sites.telegram`).

    Private channel posts (`t.me/c/<chat>/<id>`) are posts to the extractor too; they are taken
    here, so both agree, and answered without a request: only members can read them.
    """

    name = "telegram"
    site = telegram.PLATFORM

    async def fetch(self, url: str, client: httpx.AsyncClient) -> PlatformResult:
        found = self.match(url)
        if found is None or found.post_id is None or found.canonical_url is None:
            raise ValueError(f"not a Telegram post URL: {url}")
        channel, _, post_id = found.post_id.rpartition("/")
        result = PlatformResult(
            platform=telegram.NAME,
            url=found.canonical_url,
            post_id=post_id,
            author_handle=found.handle,
        )
        if found.handle is None:  # a private channel: t.me/c/<chat id>/<id>
            result.extra["private_chat_id"] = channel.removeprefix(telegram.PRIVATE_PREFIX)
            result.notes.append(PRIVATE_NOTE)
            return result
        base = self.config.telegram_url
        attempts = (
            ("telegram.embed", f"{base}/{channel}/{post_id}", {"embed": "1", "mode": "tme"}),
            ("telegram.channel_preview", f"{base}/s/{channel}/{post_id}", None),
        )
        not_found = False
        for name, endpoint, params in attempts:
            raw = await self.get(client, result, name, endpoint, params, ok_only=True)
            if raw is None:
                continue
            node = find_message(raw.text(), channel, post_id)
            if node is not None:
                result.source = name
                parse_message(node, result)
                return result
            not_found = not_found or "tgme_widget_message_error" in raw.text()
        page = f"{base}/{channel}/{post_id}"
        raw = await self.get(client, result, "telegram.post_page", page, ok_only=True)
        if raw is not None:
            parse_post_page(raw.text(), result)
        if result.availability == Availability.UNKNOWN and not_found:
            result.set_availability(
                Availability.NOT_FOUND, "the embed widget says the post is not found"
            )
        return result
