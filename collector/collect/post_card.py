"""The post card: the tool's own rendering of a post's recorded platform data, as HTML and PNG.

When a platform serves a blank page, a bot challenge or a login wall, the screenshot shows
nothing of the post, while the platform's own answers (recorded in the WARC and kept as
`platform_response` artifacts) still hold it. The card draws that data: author, handle, avatar,
text with its links, media, time (UTC), post id, which answer the fields came from and the
SHA-256 of every piece, under a label saying it is a rendering of recorded data and not a
screenshot of the platform.

The HTML is self-contained and inert: images are `data:` URLs of the stored bytes (the card
states each one's SHA-256, the same as its artifact's), every value from the platform is escaped
by Jinja2's autoescape, there are no scripts, and a Content-Security-Policy allows only `data:`
images and the card's own stylesheet (by hash). The PNG is drawn by the capture engine's
Chromium from that HTML in a context with JavaScript off and the network offline, so every
script and colour emoji renders with the fonts fontconfig maps to the generic `sans-serif`.

Written here rather than taken from a library: no library draws archived platform data of these
shapes with these provenance facts; the layout is a small Jinja2 template
(`templates/post_card.html`).
"""

import asyncio
import base64
import dataclasses
import hashlib
import mimetypes
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from playwright.async_api import Browser, BrowserContext
from playwright.async_api import Error as PlaywrightError

from archive import __version__ as tool_version
from archive.errors import first_line
from archive.timeutil import iso
from collector.collect.snapshots import post_document
from collector.platforms import media
from collector.platforms.config import PlatformConfig
from collector.platforms.result import DownloadedMedia, Link, MediaItem, PlatformResult

TEMPLATES = Path(__file__).parent / "templates"
CARD_WIDTH = 600
"""CSS px, as wide as the platforms' own embeds; the PNG is drawn at DEVICE_SCALE."""
DEVICE_SCALE = 1
"""1: the screenshot's cost grows with its pixels (1.5 cost about half as much again, 2 about
twice, measured with benchmarks/post_card.py); the HTML is there for a sharper view."""
MAX_CARD_HEIGHT = 8000
"""CSS px; a taller card's PNG is cut there and says so in its details (the HTML is whole)."""
MAX_INLINE_BYTES = 16 << 20
"""All images inlined into one card; items beyond it are listed with their hash only."""
AVATAR_MAX_BYTES = 5 << 20
"""Also the limit for each video's poster image."""
MAX_PREVIEWS = 8
VIDEO_KINDS = frozenset({"video", "gif", "m3u8"})
RENDER_TIMEOUT_S = 15.0
PLATFORM_NAMES = {"twitter": "X", "telegram": "Telegram", "bluesky": "Bluesky"}
ROLE = "post-card"


@dataclass
class Preview:
    """A video's poster image, as the platform names it (`MediaItem.preview_url`), downloaded so
    the card can show the video; stored beside the video under `name`."""

    name: str
    item: MediaItem
    downloaded: DownloadedMedia


@dataclass
class PostCard:
    """One post's card: the HTML, its PNG (None when drawing failed: `error` says why), the
    avatar bytes it shows (stored beside it) and facts for the artifacts' details."""

    html: bytes
    png: bytes | None
    details: dict[str, Any]
    avatar: DownloadedMedia | None = None
    error: str | None = None
    previews: list[Preview] = field(default_factory=list)

    @property
    def post_json_sha256(self) -> str:
        """SHA-256 of the `post.json` bytes the card was drawn from."""
        return str(self.details["post_json_sha256"])


@dataclass
class _Budget:
    """How many image bytes may still be inlined into the card."""

    left: int = MAX_INLINE_BYTES
    skipped: list[str] = field(default_factory=list)


def platform_name(platform: str) -> str:
    """How the card names a platform ("X" for twitter)."""
    return PLATFORM_NAMES.get(platform, platform.capitalize())


def text_segments(text: str, links: list[Link]) -> list[dict[str, str | None]]:
    """`text` cut into plain runs and link runs (`href` set), for escaping by the template.

    A link is found by the URL as written in the post, else by its display text; only http(s)
    targets become links, and every character of the text is kept in order."""
    needles: dict[str, str] = {}
    for link in links:
        href = link.url if link.url.startswith(("https://", "http://")) else None
        if href is None:
            continue
        for needle in (link.url, link.display_url):
            if needle and needle in text:
                needles.setdefault(needle, href)
                break
    segments: list[dict[str, str | None]] = []
    position = 0
    ordered = sorted(needles, key=len, reverse=True)
    while position < len(text):
        found = [(text.find(n, position), n) for n in ordered]
        hits = [(start, n) for start, n in found if start >= 0]
        if not hits:
            break
        start, needle = min(hits, key=lambda hit: (hit[0], -len(hit[1])))
        if start > position:
            segments.append({"text": text[position:start], "href": None})
        segments.append({"text": needle, "href": needles[needle]})
        position = start + len(needle)
    if position < len(text):
        segments.append({"text": text[position:], "href": None})
    return segments


def _data_url(got: DownloadedMedia, budget: _Budget) -> str | None:
    """The image as a data: URL when it decoded, is an image and fits the inline budget."""
    if got.status != 200 or got.error or got.image is None:
        return None
    if not (got.media_type or "").startswith("image/"):
        return None
    if got.size > budget.left:
        budget.skipped.append(got.sha256)
        return None
    budget.left -= got.size
    return f"data:{got.media_type};base64,{base64.b64encode(got.data).decode('ascii')}"


def _media_entry(item: MediaItem, budget: _Budget, previews: dict[int, Preview]) -> dict[str, Any]:
    got = item.downloaded
    entry: dict[str, Any] = {"kind": item.kind, "alt": item.alt_text, "size": None, "src": None}
    preview = previews.get(id(item))
    if preview is not None:
        poster = preview.downloaded
        source = _data_url(poster, budget)
        if source is not None:
            entry["preview"] = {"src": source, "size": poster.size, "sha256": poster.sha256}
    if got is None:
        entry["note"] = f"Not downloaded: {item.error or 'no download'}; URL {item.url}"
        return entry
    entry.update(sha256=got.sha256, size=got.size, media_type=got.media_type)
    entry["src"] = _data_url(got, budget)
    if got.error:
        entry["note"] = f"Kept but not shown: {got.error}"
    elif entry["src"] is None and got.sha256 in budget.skipped:
        entry["note"] = "Not shown: over the card's inline size limit; see its media artifact"
    elif entry["src"] is None:
        entry["note"] = "Not drawn on the card; see its media artifact"
    return entry


def _posted(result: PlatformResult) -> str:
    if result.posted_at is not None:
        shown = result.posted_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        source = result.extra.get("posted_at_from")
        return f"{shown} (from the {source})" if source else shown
    if result.extra.get("posted_date"):
        return f"{result.extra['posted_date']} (day only; no time in the recorded data)"
    return "(not in the recorded data)"


def _post_view(
    result: PlatformResult,
    budget: _Budget,
    avatar: str | None,
    previews: dict[int, Preview],
    relation: str | None = None,
) -> dict[str, Any]:
    """What the template shows of one post (and one level of quoted / parent post)."""
    embedded = []
    if relation is None:
        for name, inner in (("Quoted post", result.quoted), ("In reply to", result.reply_to)):
            if inner is not None:
                embedded.append(_post_view(inner, budget, None, previews, name))
    return {
        "relation": relation,
        "platform": result.platform,
        "platform_name": platform_name(result.platform),
        "name": result.author_name,
        "handle": f"@{result.author_handle}" if result.author_handle else None,
        "avatar": {"src": avatar} if avatar else None,
        "no_avatar": (
            "avatar not fetched" if result.extra.get("author_avatar_url") else "no avatar recorded"
        ),
        "availability": str(result.availability),
        "availability_reason": result.availability_reason,
        "segments": text_segments(result.text, result.links) if result.text else [],
        "language": result.language,
        "media": [_media_entry(item, budget, previews) for item in result.media],
        "posted": _posted(result),
        "post_id": result.post_id,
        "url": result.url,
        "links": [link.as_dict() for link in result.links],
        "reply_to_id": result.reply_to_id if result.reply_to is None else None,
        "reply_to_handle": result.reply_to_handle,
        "metrics": sorted((k, v) for k, v in result.metrics.items() if isinstance(v, int)),
        "embedded": embedded,
    }


def endpoint(url: str) -> str:
    """The URL without its query ("?…" marks one): the endpoint, as the card shows it; the
    whole URL is in the answer's `platform_response` artifact."""
    base, mark, _query = url.partition("?")
    return f"{base}?…" if mark else base


def _answered(result: PlatformResult) -> str:
    if result.source is None:
        return "no answer yielded the post's fields"
    raw = next((r for r in result.raw if r.name == result.source), None)
    if raw is None:
        return result.source
    return f"{result.source}: HTTP {raw.status} {endpoint(raw.final_url or raw.url)}"


def _avatar_fact(result: PlatformResult, avatar: DownloadedMedia | None) -> str | None:
    url = result.extra.get("author_avatar_url")
    if not url:
        return None
    if avatar is None:
        return f"{url}: not downloaded"
    if avatar.status != 200 or avatar.image is None:
        return f"{url}: HTTP {avatar.status}, not shown ({avatar.error or 'not an image'})"
    return f"{url}: {avatar.size} bytes {avatar.media_type}, SHA-256 {avatar.sha256}"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _stylesheet() -> tuple[str, str]:
    """The card's CSS and the CSP source that allows exactly it."""
    css = (TEMPLATES / "post_card.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def card_html(
    result: PlatformResult,
    *,
    captured_at: datetime,
    captured_url: str,
    post_json_sha256: str,
    avatar: DownloadedMedia | None = None,
    previews: list[Preview] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The card's HTML for `result`, and facts about it (which media were inlined)."""
    budget = _Budget()
    avatar_src = _data_url(avatar, budget) if avatar is not None else None
    css, style_source = _stylesheet()
    csp = (
        f"default-src 'none'; img-src data:; style-src {style_source}; "
        "base-uri 'none'; form-action 'none'"
    )
    view = _post_view(result, budget, avatar_src, {id(p.item): p for p in previews or []})
    html = (
        _environment()
        .get_template("post_card.html")
        .render(
            csp=csp,
            css=css,
            tool=f"evidence-collector {tool_version}",
            post=view,
            answered=_answered(result),
            raws=[
                {
                    "name": raw.name,
                    "status": raw.status,
                    "url": endpoint(raw.url),
                    "size": len(raw.body),
                    "sha256": raw.sha256,
                    "truncated": raw.truncated,
                }
                for raw in result.raw
            ],
            post_json_sha256=post_json_sha256,
            avatar_fact=_avatar_fact(result, avatar),
            captured=iso(captured_at),
            captured_url=captured_url,
        )
    )
    facts = {
        "inlined_bytes": MAX_INLINE_BYTES - budget.left,
        "not_inlined_over_limit": budget.skipped,
    }
    return html, facts


class CardRenderer:
    """Draws card HTML into PNGs with the capture engine's browser, in one context of its own
    (JavaScript off, network offline) opened on first use and again after the browser went
    away; each card gets a fresh page. One context for all cards saves a context per card
    (about a fifth of a card's time, measured with the headless shell); the cards are inert
    and offline, so they share nothing through it."""

    def __init__(self, browser: Callable[[], Awaitable[Browser]]) -> None:
        self._browser = browser
        self._lock = asyncio.Lock()
        self._context: BrowserContext | None = None
        self._owner: Browser | None = None

    async def _open(self) -> BrowserContext:
        browser = await self._browser()
        async with self._lock:
            if self._context is None or self._owner is not browser or not browser.is_connected():
                self._context = await browser.new_context(
                    viewport={"width": CARD_WIDTH, "height": 400},
                    device_scale_factor=DEVICE_SCALE,
                    java_script_enabled=False,
                    offline=True,
                    service_workers="block",
                    accept_downloads=False,
                )
                self._owner = browser
            return self._context

    async def render(self, html: str) -> tuple[bytes, dict[str, Any]]:
        """The PNG of `html` and its facts (browser, scale; `cut_at_css_px` when cut).

        One full-page screenshot clipped at MAX_CARD_HEIGHT (Chromium trims the clip to a
        shorter page); a card that reaches it is measured and marked as cut."""
        context = await self._open()
        page = await context.new_page()
        try:
            await page.set_content(html, wait_until="load", timeout=RENDER_TIMEOUT_S * 1000)
            clip = {"x": 0, "y": 0, "width": CARD_WIDTH, "height": MAX_CARD_HEIGHT}
            png = await page.screenshot(full_page=True, clip=clip, type="png")
            facts: dict[str, Any] = {
                "width_css_px": CARD_WIDTH,
                "device_scale": DEVICE_SCALE,
                "browser": f"Chromium {self._owner.version if self._owner else ''}".strip(),
            }
            if _png_height(png) >= int(MAX_CARD_HEIGHT * DEVICE_SCALE):
                box = await page.locator("body").bounding_box()
                if box is not None and box["height"] > MAX_CARD_HEIGHT:
                    facts["cut_at_css_px"] = MAX_CARD_HEIGHT
                    facts["height_css_px"] = round(box["height"])
            return png, facts
        finally:
            await page.close()


def _png_height(png: bytes) -> int:
    """The height in a PNG's IHDR chunk (bytes 20-24), without decoding the image."""
    return int.from_bytes(png[20:24], "big")


async def _download_small(
    client: httpx.AsyncClient, url: str, config: PlatformConfig
) -> DownloadedMedia | None:
    """An image named by the platform data, over the guarded client like other media, at most
    AVATAR_MAX_BYTES; None when the download failed (the card then says so)."""
    limited = dataclasses.replace(
        config, media_max_bytes=min(config.media_max_bytes, AVATAR_MAX_BYTES)
    )
    try:
        return await media.download(client, url, limited, "photo")
    except (media.MediaTooLarge, httpx.HTTPError):
        return None


def _is_web_url(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


async def download_avatar(
    result: PlatformResult, client: httpx.AsyncClient, config: PlatformConfig
) -> DownloadedMedia | None:
    """The author's picture named by the platform data (`extra["author_avatar_url"]`), if any."""
    url = result.extra.get("author_avatar_url")
    return await _download_small(client, url, config) if _is_web_url(url) else None


async def download_previews(
    result: PlatformResult, client: httpx.AsyncClient, config: PlatformConfig
) -> list[Preview]:
    """The poster images of the post's videos (and its quoted / parent post's), at most
    MAX_PREVIEWS, named `<prefix>media/NN-<kind>.preview.<ext>` beside the video's artifact."""
    previews: list[Preview] = []
    for prefix, post in (("", result), ("quoted/", result.quoted), ("reply_to/", result.reply_to)):
        for index, item in enumerate(post.media if post else [], start=1):
            if item.kind not in VIDEO_KINDS or not _is_web_url(item.preview_url):
                continue
            if len(previews) >= MAX_PREVIEWS:
                return previews
            got = await _download_small(client, str(item.preview_url), config)
            if got is not None and got.status == 200 and got.image is not None:
                extension = mimetypes.guess_extension(got.media_type or "") or ".bin"
                name = f"{prefix}media/{index:02d}-{item.kind}.preview{extension}"
                previews.append(Preview(name, item, got))
    return previews


async def make_post_card(
    result: PlatformResult,
    renderer: CardRenderer,
    client: httpx.AsyncClient,
    config: PlatformConfig,
    *,
    captured_at: datetime,
    captured_url: str,
) -> PostCard:
    """Download the avatar, write the HTML and draw the PNG. Never raises for a drawing
    failure: the card then has its HTML, no PNG, and the error."""
    began = time.monotonic()
    avatar = await download_avatar(result, client, config)
    previews = await download_previews(result, client, config)
    post_json_sha256 = hashlib.sha256(post_document(result)).hexdigest()
    html, facts = card_html(
        result,
        captured_at=captured_at,
        captured_url=captured_url,
        post_json_sha256=post_json_sha256,
        avatar=avatar,
        previews=previews,
    )
    details: dict[str, Any] = {"post_json_sha256": post_json_sha256, **facts}
    png: bytes | None = None
    error: str | None = None
    try:
        async with asyncio.timeout(RENDER_TIMEOUT_S + 5):
            png, drawn = await renderer.render(html)
        details.update(drawn)
    except (PlaywrightError, TimeoutError) as exc:
        error = f"post card not drawn: {first_line(exc) or type(exc).__name__}"
    details["render_s"] = round(time.monotonic() - began, 3)
    return PostCard(html.encode("utf-8"), png, details, avatar, error, previews)
