"""Store one acquisition: browser artifacts, platform artifacts and post rows, sealed together.

The steps of `collector.capture.store` with more added between building the rows and sealing
them: the screenshots' image checks and perceptual hashes, a thumbnail, the post card (HTML and
PNG, role `post-card`) with the avatar it shows, the evidence card, and the platform data (raw
responses, normalized post JSON, media), so the signed manifest covers all of it as well as the
screenshots, DOM and WARC.

The evidence card shows the page screenshot, unless the page was judged anything but a page
(`Capture.details["page_verdict"]`, `PageVerdict`: blank, bot challenge, login wall,
unavailable) or has no screenshot: then it shows the post card, and its footer says so and why.
"""

import hashlib
import mimetypes
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session

from archive.archive import Archive
from archive.ids import new_id
from archive.timeutil import iso
from archive.vocabulary import Availability, CaptureStatus, PageVerdict
from collector.capture.store import CaptureRows, build_rows, insert_rows, seal_rows, store_blobs
from collector.collect.acquire import Acquisition
from collector.collect.imagework import IMAGE_MAX_PIXELS, POOL, ImageWork
from collector.collect.post_card import ROLE as POST_CARD_ROLE
from collector.collect.post_card import PostCard
from collector.collect.snapshots import post_document, snapshot_rows
from collector.platforms.evidence_card import render_card
from collector.platforms.imaging import (
    ImageRejected,
    analyze_image,
    analyze_with_thumbnail,
)
from collector.platforms.result import DownloadedMedia, PlatformResult


@dataclass
class SavedCapture:
    """What was stored for one acquisition."""

    capture_id: str
    status: str
    reason: str | None
    manifest_sha256: str | None
    artifacts: list[dict[str, Any]]
    post: dict[str, Any] | None = None
    related: list[tuple[str, PlatformResult]] = field(default_factory=list)


def _store_artifact(
    archive: Archive,
    session: Session,
    rows: CaptureRows,
    role: str,
    name: str,
    data: bytes,
    media_type: str | None,
    details: dict[str, Any],
    original_url: str | None = None,
) -> None:
    """Store `data` as a blob and add its artifact row to the capture's rows."""
    blob = archive.store_blob(session, data)
    rows.artifacts.append(
        {
            "id": new_id("art"),
            "capture_id": rows.capture_id,
            "role": role,
            "name": name,
            "blob_sha256": blob.sha256,
            "size": blob.size,
            "media_type": media_type,
            "original_url": original_url,
            "details": details,
        }
    )


def _add_platform(archive: Archive, rows: CaptureRows, platform: PlatformResult) -> list[Any]:
    snapshot = snapshot_rows(platform, rows.capture_id)
    with archive.session() as session:
        for spec in snapshot.artifacts:
            _store_artifact(
                archive,
                session,
                rows,
                spec.role,
                spec.name,
                spec.data,
                spec.media_type,
                spec.details,
                spec.original_url,
            )
    rows.posts.append(snapshot.snapshot)
    rows.posts.extend(post for _relation, post, _result in snapshot.embedded)
    rows.capture["details"]["platform"] = {
        "platform": platform.platform,
        "availability": platform.availability,
        "availability_reason": platform.availability_reason,
        "source": platform.source,
    }
    return [(relation, result) for relation, _post, result in snapshot.embedded]


def _add_screenshot_products(
    archive: Archive,
    rows: CaptureRows,
    acquisition: Acquisition,
    max_pixels: int,
    post_card: PostCard | None = None,
) -> None:
    """Image checks and perceptual hashes of the screenshots, a thumbnail, the evidence card
    (over the post card when the page is not usable: `evidence_card_source`).

    The three (the full-page shot's checks with its thumbnail from one decode, the viewport's
    checks, the card) are independent, and Pillow's decoders and resizers let go of the GIL, so
    they run in threads at once (`imagework.POOL`): a single capture's save waits for the
    slowest one only, and the checks and thumbnail started while the page was still being captured
    (`Acquisition.images`) are taken as they are when they were made from the bytes stored."""
    result = acquisition.capture
    by_name = {artifact["name"]: artifact for artifact in rows.artifacts}
    extra: list[tuple[str, str, bytes, dict[str, Any]]] = []
    full, viewport = result.artifact("screenshot-full"), result.artifact("screenshot-viewport")
    card_source = evidence_card_source(acquisition, post_card)
    work = acquisition.images
    if work is None or work.max_pixels != max_pixels:
        work = ImageWork(max_pixels)
    checked = work.result(analyze_with_thumbnail, full) if full else None
    viewed = work.result(analyze_image, viewport) if viewport else None
    card = None
    if card_source is not None:
        card = POOL.submit(
            render_card,
            card_source.image,
            result.final_url or result.requested_url,
            result.started_at,
            rows.capture_id,
            max_pixels,
            image_label=card_source.label,
            notes=card_source.notes,
        )
    for shot, future in ((full, checked), (viewport, viewed)):
        if shot is None or future is None:
            continue
        details = by_name[shot.name]["details"]
        try:
            got = future.result()
        except ImageRejected as exc:
            details["image_rejected"] = str(exc)
            continue
        info, thumb = got if shot is full else (got, None)
        details["image"] = asdict(info)
        if thumb is not None:
            extra.append(("thumbnail", "screenshot-full.thumb.webp", thumb, {"of": shot.name}))
    if card is not None and card_source is not None:
        try:
            extra.append(("evidence-card", "evidence-card.png", card.result(), card_source.details))
        except ImageRejected as exc:
            rows.capture["details"]["evidence_card_error"] = str(exc)
    with archive.session() as session:
        for role, name, data, details in extra:
            media_type = "image/webp" if name.endswith(".webp") else "image/png"
            _store_artifact(archive, session, rows, role, name, data, media_type, details)


@dataclass
class CardSource:
    """What the evidence card shows: the image, what it is, and why."""

    image: bytes
    label: str
    notes: list[str]
    details: dict[str, Any]


def evidence_card_source(acquisition: Acquisition, card: PostCard | None) -> CardSource | None:
    """The page screenshot, or the post card when the page was not usable (its verdict is not
    `page`: blank, a challenge, a wall, unavailable) or has no screenshot; None: no image."""
    result = acquisition.capture
    shot = result.artifact("screenshot-viewport") or result.artifact("screenshot-full")
    judged = result.details.get("page_verdict") or {}
    verdict = judged.get("verdict")
    page = verdict in (None, PageVerdict.PAGE)
    details: dict[str, Any] = {} if page else {"page_verdict": verdict}
    if page:
        why = "the capture has no page screenshot"
    else:
        why = f"the page was judged {verdict}"
        why += f" ({judged['reason']})" if judged.get("reason") else ""
    if (not page or shot is None) and card is not None and card.png is not None:
        notes = [
            "Image: the post card, the tool's rendering of recorded platform data, "
            "not a screenshot of the page.",
            f"Page screenshot not used: {why}.",
        ]
        return CardSource(card.png, "Post card", notes, {"of": "post-card.png", **details})
    if shot is None:
        return None
    notes = [] if page else [f"Warning: {why}; no post data to show instead."]
    return CardSource(shot.data, "Screenshot", notes, {"of": shot.name, **details})


def _add_post_card(
    archive: Archive, rows: CaptureRows, acquisition: Acquisition
) -> PostCard | None:
    """Store the post card (HTML, PNG) and the images it shows; the card, when stored."""
    card = _usable_post_card(rows, acquisition)
    if card is None:
        return None
    with archive.session() as session:
        for role, name, data, media_type, details in post_card_artifacts(card):
            original_url = details.pop("original_url", None)
            _store_artifact(
                archive, session, rows, role, name, data, media_type, details, original_url
            )
    return card


def _usable_post_card(rows: CaptureRows, acquisition: Acquisition) -> PostCard | None:
    """The acquisition's post card, if it was drawn from the very post data stored with it.

    A card whose `post.json` hash differs from the one being stored would state a wrong hash:
    it is left out and the capture's details say why."""
    card, platform = acquisition.post_card, acquisition.platform
    if card is None or platform is None:
        return None
    facts: dict[str, Any] = {"render_s": card.details.get("render_s")}
    rows.capture["details"]["post_card"] = facts
    stored = hashlib.sha256(post_document(platform)).hexdigest()
    if stored != card.post_json_sha256:
        facts["error"] = "post data changed after the card was drawn; card not stored"
        return None
    if card.error:
        facts["error"] = card.error
    return card


Extra = tuple[str, str, bytes, str, dict[str, Any]]
"""(role, name, bytes, media type, details) of an artifact the post card brings."""


def post_card_artifacts(card: PostCard) -> list[Extra]:
    """The card's HTML, its PNG (when drawn) and the images it shows, as artifacts to store."""
    html_sha256 = hashlib.sha256(card.html).hexdigest()
    facts = {k: v for k, v in card.details.items() if k != "render_s"}
    made: list[Extra] = []
    avatar = card.avatar
    if avatar is not None:
        name = "media/avatar" + (mimetypes.guess_extension(avatar.media_type or "") or ".bin")
        made.append(_image_artifact("avatar", name, avatar, {"of": "post.json"}))
        facts["avatar_sha256"] = avatar.sha256
    for preview in card.previews:
        of = {"of_url": preview.item.url, "kind": preview.item.kind}
        made.append(_image_artifact("media_preview", preview.name, preview.downloaded, of))
    made.append(
        (POST_CARD_ROLE, "post-card.html", card.html, "text/html", {"of": "post.json", **facts})
    )
    if card.png is not None:
        details = {"of": "post-card.html", "of_sha256": html_sha256, **facts}
        made.append((POST_CARD_ROLE, "post-card.png", card.png, "image/png", details))
    return made


def _image_artifact(role: str, name: str, got: DownloadedMedia, details: dict[str, Any]) -> Extra:
    """An image the post card shows (avatar, video poster), as downloaded."""
    described: dict[str, Any] = {
        "original_url": got.url,
        **details,
        "final_url": got.final_url,
        "status": got.status,
        "fetched_at": iso(got.fetched_at),
    }
    if got.image is not None:
        described["image"] = asdict(got.image)
    if got.error:
        described["rejected"] = got.error
    media_type = got.media_type or "application/octet-stream"
    return (role if got.status == 200 else "media_error", name, got.data, media_type, described)


def combined_status(acquisition: Acquisition) -> tuple[str, str | None]:
    """One status for the page capture and the platform data together.

    A page that could not be captured while the post's data was read is `partial`, and so is a
    captured page whose platform data could not be fetched; the reason says which half is
    missing. Generic page metadata is read from the captured page itself, so it never makes a
    failed page capture partial. The page capture's own status is kept in the capture's details.
    """
    page = acquisition.capture
    platform = acquisition.platform
    independent = platform is not None and platform.platform != "generic"  # not read off the page
    if (
        page.status == CaptureStatus.FAILED
        and independent
        and platform.availability != Availability.UNKNOWN
    ):
        return CaptureStatus.PARTIAL, (
            f"page not captured ({page.status_reason}); post data captured from "
            f"{platform.source or platform.platform}"
        )
    if page.status == CaptureStatus.COMPLETE and acquisition.notes:
        return CaptureStatus.PARTIAL, "page captured; " + "; ".join(acquisition.notes)
    return page.status, page.status_reason


def save_acquisition(
    archive: Archive,
    acquisition: Acquisition,
    *,
    details: dict[str, Any] | None = None,
    **links: str | None,
) -> SavedCapture:
    """Store, seal and insert one acquisition; return what was stored.

    `links` are the capture's `target_id`, `source_id` and `case_id`; `details` are added to
    the capture's details (a queue job records its id there)."""
    rows, related = sealed_rows(archive, acquisition, details=details, **links)
    insert_rows(archive, rows)
    return saved_capture(rows, related)


def sealed_rows(
    archive: Archive,
    acquisition: Acquisition,
    *,
    target_id: str | None = None,
    source_id: str | None = None,
    case_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[CaptureRows, list[tuple[str, PlatformResult]]]:
    """Store the acquisition's bytes and seal its rows, not yet inserted (`insert_rows`), with
    the platform results its post embeds."""
    result = acquisition.capture
    stored = store_blobs(archive, result)
    rows = build_rows(
        archive, result, stored, target_id=target_id, source_id=source_id, case_id=case_id
    )
    rows.capture["details"].update(details or {})
    if acquisition.notes:
        rows.capture["details"]["notes"] = list(acquisition.notes)
    rows.capture["details"]["page"] = {"status": result.status, "reason": result.status_reason}
    rows.capture["status"], rows.capture["status_reason"] = combined_status(acquisition)
    card = _add_post_card(archive, rows, acquisition)
    _add_screenshot_products(archive, rows, acquisition, IMAGE_MAX_PIXELS, card)
    related = []
    if acquisition.platform is not None:
        related = _add_platform(archive, rows, acquisition.platform)
    seal_rows(archive, rows)
    return rows, related


def saved_capture(rows: CaptureRows, related: list[tuple[str, PlatformResult]]) -> SavedCapture:
    """What was stored for an acquisition whose rows were inserted."""
    post = rows.posts[0].model_dump() if rows.posts else None
    return SavedCapture(
        capture_id=rows.capture_id,
        status=rows.capture["status"],
        reason=rows.capture["status_reason"],
        manifest_sha256=rows.capture.get("manifest_sha256"),
        artifacts=rows.artifacts,
        post=post,
        related=related,
    )
