"""Bluesky posts through the public AppView (`app.bsky.feed.getPostThread`, no login).

`EVIDENCE_BLUESKY_API_URL` (default https://public.api.bsky.app) is the AppView base.
"""

from datetime import UTC, datetime
from typing import Any

import httpx

from archive.vocabulary import Availability
from collector.platforms.base import Adapter
from collector.platforms.fetching import fetch_into
from collector.platforms.result import Link, MediaItem, PlatformResult
from collector.sites import bluesky

_NOT_AVAILABLE = {
    "app.bsky.feed.defs#notFoundPost": (Availability.NOT_FOUND, "the AppView reports notFoundPost"),
    "app.bsky.feed.defs#blockedPost": (Availability.PROTECTED, "the AppView reports blockedPost"),
}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def _rkey(uri: str | None) -> str | None:
    return uri.rsplit("/", 1)[-1] if uri else None


def _embed_media(embed: dict[str, Any], result: PlatformResult) -> None:
    kind = embed.get("$type", "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        _embed_media(embed.get("media") or {}, result)
        _embed_media(embed.get("record") or {}, result)
    elif kind.startswith("app.bsky.embed.images"):
        for image in embed.get("images") or []:
            ratio = image.get("aspectRatio") or {}
            result.media.append(
                MediaItem(
                    url=image.get("fullsize") or image.get("thumb"),
                    kind="photo",
                    alt_text=image.get("alt") or None,
                    preview_url=image.get("thumb"),
                    width=ratio.get("width"),
                    height=ratio.get("height"),
                )
            )
    elif kind.startswith("app.bsky.embed.video"):
        result.media.append(
            MediaItem(
                url=embed.get("playlist"),
                kind="m3u8",
                hls_url=embed.get("playlist"),
                preview_url=embed.get("thumbnail"),
                alt_text=embed.get("alt"),
            )
        )
    elif kind.startswith("app.bsky.embed.external"):
        external = embed.get("external") or {}
        if external.get("uri"):
            result.links.append(
                Link(url=external["uri"], display_url=external.get("title"), kind="card")
            )
    elif kind.startswith("app.bsky.embed.record"):
        record = embed.get("record") or {}
        uri = record.get("uri")
        author = (record.get("author") or {}).get("handle")
        if uri:
            result.quoted_post_id = _rkey(uri)
            result.quoted_url = (
                f"https://bsky.app/profile/{author}/post/{_rkey(uri)}" if author else uri
            )


def parse_thread(body: Any, result: PlatformResult) -> None:
    """Fill `result` from a `getPostThread` answer."""
    thread = body.get("thread") if isinstance(body, dict) else None
    if not isinstance(thread, dict):
        result.set_availability(Availability.UNKNOWN, "getPostThread answer without a thread")
        return
    kind = thread.get("$type", "")
    if kind in _NOT_AVAILABLE:
        result.set_availability(*_NOT_AVAILABLE[kind])
        return
    post = thread.get("post") or {}
    author = post.get("author") or {}
    record = post.get("record") or {}
    result.source = "bluesky.getPostThread"
    result.set_availability(Availability.AVAILABLE)
    result.post_id = _rkey(post.get("uri")) or result.post_id
    result.author_handle = author.get("handle")
    result.author_name = author.get("displayName") or None
    result.author_id = author.get("did")
    if author.get("avatar"):
        result.extra["author_avatar_url"] = author["avatar"]
    result.posted_at = _time(record.get("createdAt"))
    result.text = record.get("text")
    langs = record.get("langs") or []
    result.language = langs[0] if langs else None
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    result.reply_to_id = _rkey(parent)
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == "app.bsky.richtext.facet#link" and feature.get("uri"):
                result.links.append(Link(url=feature["uri"]))
    _embed_media(post.get("embed") or {}, result)
    names = {
        "likeCount": "likes",
        "repostCount": "reposts",
        "replyCount": "replies",
        "quoteCount": "quotes",
    }
    result.metrics = {
        new: post[old] for old, new in names.items() if isinstance(post.get(old), int)
    }
    result.extra["uri"] = post.get("uri")
    result.extra["cid"] = post.get("cid")
    result.extra["indexed_at"] = post.get("indexedAt")
    labels = [label.get("val") for label in post.get("labels") or []]
    if labels:
        result.extra["labels"] = labels
    if result.author_handle and result.post_id:
        result.url = f"https://bsky.app/profile/{result.author_handle}/post/{result.post_id}"


class BlueskyAdapter(Adapter):
    """bsky.app post URLs (`collector.sites.bluesky`)."""

    name = "bluesky"
    site = bluesky.PLATFORM

    async def fetch(self, url: str, client: httpx.AsyncClient) -> PlatformResult:
        found = self.match(url)
        if found is None or found.post_id is None or found.handle is None:
            raise ValueError(f"not a Bluesky post URL: {url}")
        handle, post_id = found.handle, found.post_id
        result = PlatformResult(
            platform=bluesky.NAME, url=url, post_id=post_id, author_handle=handle
        )
        endpoint = f"{self.config.bluesky_api_url}/xrpc/app.bsky.feed.getPostThread"
        params = {"uri": f"at://{handle}/app.bsky.feed.post/{post_id}", "depth": "0"}
        raw = await fetch_into(
            result,
            client,
            "bluesky.getPostThread",
            endpoint,
            max_bytes=self.config.response_max_bytes,
            params=params,
        )
        if raw is None:
            return result
        try:
            body = raw.json()
        except ValueError:
            result.notes.append(f"bluesky: HTTP {raw.status} answer is not JSON")
            return result
        if raw.status == 400 and isinstance(body, dict) and body.get("error") == "NotFound":
            result.set_availability(Availability.NOT_FOUND, body.get("message") or "NotFound")
        elif raw.status != 200:
            result.notes.append(f"bluesky: HTTP {raw.status} {body}")
        else:
            parse_thread(body, result)
        return result
