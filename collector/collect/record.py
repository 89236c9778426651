"""Store one acquisition: browser artifacts, platform artifacts and post rows, sealed together.

The steps of `collector.capture.store` with more added between building the rows and sealing
them: the screenshots' image checks and perceptual hashes, a thumbnail, the evidence card, and
the platform data (raw responses, normalized post JSON, media), so the signed manifest covers
all of it as well as the screenshots, DOM and WARC.
"""

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from archive.archive import Archive
from archive.ids import new_id
from archive.timeutil import utcnow
from archive.vocabulary import Availability, CaptureStatus
from collector.capture.store import CaptureRows, build_rows, insert_rows, seal_rows, store_blobs
from collector.collect.acquire import Acquisition
from collector.collect.snapshots import snapshot_rows
from collector.platforms.evidence_card import render_card
from collector.platforms.imaging import ImageRejected, analyze_image, thumbnail_webp
from collector.platforms.result import PlatformResult

IMAGE_MAX_PIXELS = 200_000_000  # a 1280 x 20,000 px full-page screenshot is 25.6 million
IMAGE_THREADS = 4
WARM_UP_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS"
    b"\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\r\xefF\xb8\x00\x00\x00\x00IEND\xaeB`\x82"
)
"""A 1x1 white PNG."""


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


def _add_platform(archive: Archive, rows: CaptureRows, platform: PlatformResult) -> list[Any]:
    snapshot = snapshot_rows(platform, rows.capture_id)
    with archive.session() as session:
        for spec in snapshot.artifacts:
            blob = archive.store_blob(session, spec.data)
            rows.artifacts.append(
                {
                    "id": new_id("art"),
                    "capture_id": rows.capture_id,
                    "role": spec.role,
                    "name": spec.name,
                    "blob_sha256": blob.sha256,
                    "size": blob.size,
                    "media_type": spec.media_type,
                    "original_url": spec.original_url,
                    "details": spec.details,
                }
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
    archive: Archive, rows: CaptureRows, acquisition: Acquisition, max_pixels: int
) -> None:
    """Image checks and perceptual hashes of the screenshots, a thumbnail, the evidence card.

    The four are independent, and Pillow's decoders and resizers let go of the GIL, so they run
    in threads at once: a single capture's save waits for the slowest one only."""
    result = acquisition.capture
    by_name = {artifact["name"]: artifact for artifact in rows.artifacts}
    extra: list[tuple[str, str, bytes, dict[str, Any]]] = []
    full, viewport = result.artifact("screenshot-full"), result.artifact("screenshot-viewport")
    card_source = viewport or full
    with ThreadPoolExecutor(max_workers=IMAGE_THREADS) as pool:
        checks = {
            shot.name: pool.submit(analyze_image, shot.data, max_pixels)
            for shot in (full, viewport)
            if shot is not None
        }
        thumb = pool.submit(thumbnail_webp, full.data, max_pixels) if full else None
        card = (
            pool.submit(
                render_card,
                card_source.data,
                result.final_url or result.requested_url,
                result.started_at,
                rows.capture_id,
                max_pixels,
            )
            if card_source is not None
            else None
        )
        for shot in (full, viewport):
            if shot is None:
                continue
            details = by_name[shot.name]["details"]
            try:
                details["image"] = asdict(checks[shot.name].result())
            except ImageRejected as exc:
                details["image_rejected"] = str(exc)
                continue
            if shot is full and thumb is not None:
                extra.append(
                    ("thumbnail", "screenshot-full.thumb.webp", thumb.result(), {"of": shot.name})
                )
        if card is not None and card_source is not None:
            try:
                extra.append(
                    ("evidence-card", "evidence-card.png", card.result(), {"of": card_source.name})
                )
            except ImageRejected as exc:
                rows.capture["details"]["evidence_card_error"] = str(exc)
    with archive.session() as session:
        for role, name, data, details in extra:
            blob = archive.store_blob(session, data)
            media_type = "image/webp" if name.endswith(".webp") else "image/png"
            rows.artifacts.append(
                {
                    "id": new_id("art"),
                    "capture_id": rows.capture_id,
                    "role": role,
                    "name": name,
                    "blob_sha256": blob.sha256,
                    "size": blob.size,
                    "media_type": media_type,
                    "original_url": None,
                    "details": details,
                }
            )


def warm_up() -> None:
    """Check, thumbnail and card a 1x1 PNG once, so that what they load (Pillow's codecs,
    imagehash with numpy and scipy, pdqhash, the card's font) is loaded before the first
    capture is saved: `capture` runs it in a thread while the first page loads. Nothing is
    stored; a failure here is left for that first save to report with its reason."""
    with contextlib.suppress(Exception):
        analyze_image(WARM_UP_PNG, IMAGE_MAX_PIXELS)
        thumbnail_webp(WARM_UP_PNG, IMAGE_MAX_PIXELS)
        render_card(WARM_UP_PNG, "about:blank", utcnow(), "warm-up", IMAGE_MAX_PIXELS)


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
    _add_screenshot_products(archive, rows, acquisition, IMAGE_MAX_PIXELS)
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
