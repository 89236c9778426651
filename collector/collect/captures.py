"""`capture URL...` without an article: acquire each URL (page + platform data), store it
sealed, capture it again through each `--vantage` proxy and record the comparison, then
timestamp and checkpoint. One URL that fails never stops the others."""

import asyncio
from collections.abc import Callable
from typing import Any

from archive.archive import Archive
from archive.provenance.seal import finish_writes
from archive.vocabulary import CaptureStatus
from collector.capture.lifecycle import Prelaunch
from collector.capture.settings import CaptureSettings
from collector.collect.acquire import Acquisition
from collector.collect.record import SavedCapture, save_acquisition
from collector.collect.sessions import SessionPicker
from collector.collect.stack import CaptureStack, capture_stack
from collector.collect.vantage import Vantages, open_vantages, vantage_rows
from collector.collect.warmup import warm_up
from collector.platforms.config import PlatformConfig

RowFn = Callable[[dict[str, Any]], None]
"""Called with each URL's JSON row as soon as it is stored."""

MEDIA_ROLES = ("media", "media_playlist")


async def capture_and_save(
    open_archive: Callable[[], Archive],
    urls: list[str],
    settings: CaptureSettings,
    platforms: PlatformConfig,
    on_row: RowFn | None = None,
    vantages: list[CaptureSettings] | None = None,
    sessions: SessionPicker | None = None,
    prelaunch: Prelaunch | None = None,
) -> list[dict[str, Any]]:
    """Acquire and save every URL with bounded concurrency; the rows come back in input order.

    `open_archive` runs in a thread while the browser launches (both take a while on a cold
    start), and so does `warm_up`, which loads what the first capture and save would; with
    `prelaunch` (the launch `evidence capture` began before importing this) the browser is
    usually up already, and both run while the first page loads. Each saved URL is then
    captured through every `vantages` setting (one proxy each), logged in where `sessions`
    picks a session for it. The checkpoint and timestamps (`finish_writes`)
    are made while the browser closes.
    """
    opening = asyncio.create_task(asyncio.to_thread(open_archive))
    warming = asyncio.create_task(asyncio.to_thread(warm_up))
    finishing: asyncio.Task[Any] | None = None
    try:
        async with capture_stack(
            settings, platforms, sessions=sessions, prelaunch=prelaunch
        ) as stack:
            archive = await opening
            async with open_vantages(archive, vantages or [], platforms) as points:
                rows = await acquire_and_save(archive, stack, urls, on_row, points)
            finishing = asyncio.create_task(asyncio.to_thread(finish_writes, archive))
    except BaseException:
        for task in (opening, warming, finishing):  # threads end before the error goes on
            if task is not None:
                await asyncio.wait({task})
                if not task.cancelled():
                    task.exception()  # retrieved: the error raised here is the one reported
        raise
    await warming
    await finishing
    return rows


async def acquire_and_save(
    archive: Archive,
    stack: CaptureStack,
    urls: list[str],
    on_row: RowFn | None = None,
    points: Vantages | None = None,
) -> list[dict[str, Any]]:
    """Each URL acquired in an open stack's browser slots and saved in a thread while the next
    one is captured; rows in input order (`finish_writes` is the caller's). The image code
    the first capture and save need is loaded in a thread meanwhile (`warm_up`, at once when
    it was done already)."""
    warming = asyncio.create_task(asyncio.to_thread(warm_up))

    async def one(url: str) -> dict[str, Any]:
        turn = await stack.acquirer.session_turn(url)
        async with stack.browser_slots:
            acquisition = await stack.acquirer.acquire(url, turn=turn)
        saved: SavedCapture | None = None
        await warming
        try:
            saved = await asyncio.to_thread(save_acquisition, archive, acquisition)
            row = capture_row(acquisition, saved)
        except Exception as exc:  # one result that cannot be saved must not stop the others
            row = capture_row(acquisition, None)
            row["status"], row["status_reason"] = CaptureStatus.FAILED, f"not saved: {exc}"
        if points is not None and saved is not None:
            row["vantages"] = vantage_rows(await points.corroborate(url, saved))
        if on_row is not None:
            on_row(row)
        return row

    return list(await asyncio.gather(*(one(url) for url in urls)))


def capture_row(acquisition: Acquisition, saved: SavedCapture | None) -> dict[str, Any]:
    """The JSON row of one capture: the page summary, the post's data and its media."""
    row: dict[str, Any] = {"capture_id": saved.capture_id if saved else None}
    row.update(acquisition.capture.summary())
    row["page_status"] = acquisition.capture.status
    if saved is None:
        return row
    row["status"], row["status_reason"] = saved.status, saved.reason
    row["manifest_sha256"] = saved.manifest_sha256
    row["artifacts"] = [
        {k: a[k] for k in ("role", "name", "media_type", "size", "original_url")}
        | {"sha256": a["blob_sha256"]}
        for a in saved.artifacts
    ]
    row["post"] = _post(saved.post)
    row["media"] = [a for a in row["artifacts"] if a["role"] in MEDIA_ROLES]
    return row


def _post(post: dict[str, Any] | None) -> dict[str, Any] | None:
    if post is None:
        return None
    return {key: value for key, value in post.items() if key not in ("id", "capture_id")}
