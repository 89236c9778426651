"""Download a post's media with httpx: streamed, size-capped, SHA-256 hashed; images checked.

`download_all(result, client, config)` fills `MediaItem.downloaded` (or `.error`) for the post
and its quoted/parent posts. Images get `imaging.analyze_image` and a WebP thumbnail; a corrupt
image or a decompression bomb keeps its bytes (they are evidence) with `downloaded.error` set.
"""

import hashlib

import httpx

from archive.timeutil import utcnow
from collector.platforms.config import PlatformConfig
from collector.platforms.imaging import ImageRejected, analyze_image, thumbnail_webp
from collector.platforms.result import DownloadedMedia, MediaItem, PlatformResult

CHUNK = 256 * 1024


class MediaTooLarge(Exception):
    """The media file is larger than the configured limit."""


def _is_image(media_type: str | None, kind: str | None) -> bool:
    if media_type and media_type.startswith("image/"):
        return True
    return kind == "photo" and not (media_type or "").startswith(("video/", "audio/"))


async def download(
    client: httpx.AsyncClient,
    url: str,
    config: PlatformConfig,
    kind: str | None = None,
) -> DownloadedMedia:
    """Fetch `url` (redirects followed) into memory, at most `config.media_max_bytes`.

    Raises MediaTooLarge over the limit and httpx.HTTPError on network failure.
    """
    limit = config.media_max_bytes
    fetched_at = utcnow()
    digest = hashlib.sha256()
    body = bytearray()
    async with client.stream("GET", url, follow_redirects=True) as response:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise MediaTooLarge(f"{url}: Content-Length {declared} exceeds the limit of {limit}")
        async for chunk in response.aiter_bytes(CHUNK):
            if len(body) + len(chunk) > limit:
                raise MediaTooLarge(f"{url}: more than the limit of {limit} bytes")
            digest.update(chunk)
            body.extend(chunk)
        content_type = response.headers.get("content-type")
        media_type = content_type.split(";")[0].strip().lower() if content_type else None
        downloaded = DownloadedMedia(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            media_type=media_type,
            size=len(body),
            sha256=digest.hexdigest(),
            data=bytes(body),
            fetched_at=fetched_at,
            headers=list(response.headers.multi_items()),
        )
    if downloaded.status != 200:
        downloaded.error = f"HTTP {downloaded.status}"
    elif _is_image(media_type, kind):
        try:
            downloaded.image = analyze_image(downloaded.data, config.image_max_pixels)
            downloaded.thumbnail_webp = thumbnail_webp(downloaded.data, config.image_max_pixels)
        except ImageRejected as exc:
            downloaded.error = str(exc)
    return downloaded


async def download_item(client: httpx.AsyncClient, item: MediaItem, config: PlatformConfig) -> None:
    """Download one item (and its HLS playlist); failures land in `item.error`, never raise."""
    try:
        item.downloaded = await download(client, item.url, config, item.kind)
        if item.hls_url and item.hls_url != item.url:
            item.hls_downloaded = await download(client, item.hls_url, config, "m3u8")
    except MediaTooLarge as exc:
        item.error = str(exc)
    except httpx.HTTPError as exc:
        item.error = f"{type(exc).__name__}: {exc}"


async def download_all(
    result: PlatformResult, client: httpx.AsyncClient, config: PlatformConfig
) -> None:
    """Download every media item of the post and of its quoted and parent posts, in order."""
    for post in (result, result.quoted, result.reply_to):
        if post is None:
            continue
        for item in post.media:
            if item.downloaded is None and item.url:
                await download_item(client, item, config)
