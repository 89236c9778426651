"""Turn a `PlatformResult` into archive rows and artifact descriptions, writing nothing.

It sits in `collect/` because it joins two layers below: the platform's result and the capture's
`ArtifactData`, so neither `platforms/` nor `capture/` needs the other.

The capture step calls `snapshot_rows(result, capture_id)` inside its own transaction, stores
each `ArtifactData.data` as a blob, inserts an `Artifact` row per spec (role, name, media type,
original URL and details are given here) and the returned `PostSnapshot` rows, and records the
custody events. Quoted and parent posts come back as their own snapshots (same capture) so
the caller can also create Targets for them.
"""

import json
import mimetypes
from dataclasses import asdict, dataclass
from typing import Any

from archive.ids import new_id
from archive.models import PostSnapshot
from archive.timeutil import iso
from collector.capture.result import ArtifactData
from collector.platforms.fetching import describe
from collector.platforms.result import MediaItem, PlatformResult


@dataclass
class SnapshotRows:
    """Everything `snapshot_rows` produced for one result."""

    snapshot: PostSnapshot
    artifacts: list[ArtifactData]
    embedded: list[tuple[str, PostSnapshot, PlatformResult]]  # ("quoted"|"reply_to", ...)


def _extension(media_type: str | None, url: str | None = None) -> str:
    special = {"application/json": "json", "text/html": "html", "application/x-mpegurl": "m3u8"}
    if media_type in special:
        return special[media_type]
    guessed = mimetypes.guess_extension(media_type or "") if media_type else None
    if guessed:
        return guessed.lstrip(".")
    if url and "." in url.rsplit("/", 1)[-1].split("?")[0]:
        return url.rsplit("/", 1)[-1].split("?")[0].rsplit(".", 1)[-1][:5]
    return "bin"


def result_json(result: PlatformResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (raw bodies by hash only)."""
    return {
        "platform": result.platform,
        "url": result.url,
        "post_id": result.post_id,
        "availability": result.availability,
        "availability_reason": result.availability_reason,
        "source": result.source,
        "author": {
            "handle": result.author_handle,
            "name": result.author_name,
            "id": result.author_id,
        },
        "posted_at": iso(result.posted_at),
        "text": result.text,
        "language": result.language,
        "reply_to_id": result.reply_to_id,
        "reply_to_handle": result.reply_to_handle,
        "quoted_post_id": result.quoted_post_id,
        "quoted_url": result.quoted_url,
        "media": [m.as_dict() for m in result.media],
        "links": [link.as_dict() for link in result.links],
        "metrics": result.metrics,
        "notes": result.notes,
        "extra": result.extra,
        "raw": [describe(raw) for raw in result.raw],
        "quoted": result_json(result.quoted) if result.quoted else None,
        "reply_to": result_json(result.reply_to) if result.reply_to else None,
    }


def post_document(result: PlatformResult) -> bytes:
    """The bytes of the `post.json` artifact: `result_json` as indented UTF-8 JSON."""
    document = json.dumps(result_json(result), ensure_ascii=False, indent=2, sort_keys=True)
    return document.encode("utf-8")


def _snapshot(result: PlatformResult, capture_id: str) -> PostSnapshot:
    return PostSnapshot(
        id=new_id("post"),
        capture_id=capture_id,
        platform=result.platform,
        post_id=result.post_id,
        availability=result.availability,
        author_handle=result.author_handle,
        author_name=result.author_name,
        author_id=result.author_id,
        posted_at=result.posted_at,
        text=result.text,
        language=result.language,
        reply_to_id=result.reply_to_id,
        quoted_post_id=result.quoted_post_id,
        media=[m.as_dict() for m in result.media],
        links=[link.as_dict() for link in result.links],
        metrics=dict(result.metrics),
    )


def _media_specs(prefix: str, media: list[MediaItem]) -> list[ArtifactData]:
    specs: list[ArtifactData] = []
    for index, item in enumerate(media, start=1):
        got = item.downloaded
        if got is None:
            continue
        ext = _extension(got.media_type, got.final_url)
        name = f"{prefix}media/{index:02d}-{item.kind}.{ext}"
        details: dict[str, Any] = {
            "kind": item.kind,
            "final_url": got.final_url,
            "status": got.status,
            "fetched_at": iso(got.fetched_at),
            "item": item.as_dict(),
        }
        if got.image is not None:
            details["image"] = asdict(got.image)
        if got.error:
            details["rejected"] = got.error
        specs.append(
            ArtifactData(
                role="media" if got.status == 200 else "media_error",
                name=name,
                data=got.data,
                media_type=got.media_type or "application/octet-stream",
                original_url=item.url,
                details=details,
            )
        )
        playlist = item.hls_downloaded
        if playlist is not None:
            specs.append(
                ArtifactData(
                    role="media_playlist" if playlist.status == 200 else "media_error",
                    name=f"{prefix}media/{index:02d}-{item.kind}.m3u8",
                    data=playlist.data,
                    media_type=playlist.media_type or "application/x-mpegurl",
                    original_url=item.hls_url,
                    details={
                        "of": name,
                        "status": playlist.status,
                        "final_url": playlist.final_url,
                    },
                )
            )
        if got.thumbnail_webp:
            specs.append(
                ArtifactData(
                    role="thumbnail",
                    name=f"{prefix}media/{index:02d}-{item.kind}.thumb.webp",
                    data=got.thumbnail_webp,
                    media_type="image/webp",
                    original_url=item.url,
                    details={"of": name, "of_sha256": got.sha256},
                )
            )
    return specs


def snapshot_rows(result: PlatformResult, capture_id: str) -> SnapshotRows:
    """Build (without writing) the PostSnapshot rows and artifact specs for `result`."""
    artifacts = [
        ArtifactData(
            role="platform_response",
            name=f"platform/{index:02d}-{raw.name}.{_extension(raw.media_type)}",
            data=raw.body,
            media_type=raw.media_type or "application/octet-stream",
            original_url=raw.url,
            details={**describe(raw), "headers": [list(h) for h in raw.headers]},
        )
        for index, raw in enumerate(result.raw, start=1)
    ]
    artifacts.append(
        ArtifactData(
            role="post_json",
            name="post.json",
            data=post_document(result),
            media_type="application/json",
            original_url=result.url,
            details={"platform": result.platform, "post_id": result.post_id},
        )
    )
    artifacts.extend(_media_specs("", result.media))
    embedded: list[tuple[str, PostSnapshot, PlatformResult]] = []
    for relation, inner in (("quoted", result.quoted), ("reply_to", result.reply_to)):
        if inner is not None:
            embedded.append((relation, _snapshot(inner, capture_id), inner))
            artifacts.extend(_media_specs(f"{relation}/", inner.media))
    return SnapshotRows(_snapshot(result, capture_id), artifacts, embedded)
