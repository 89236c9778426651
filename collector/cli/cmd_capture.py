"""`evidence capture URL...`: capture pages in Chromium and store them in the archive."""

import asyncio
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.archive import Archive
from archive.errors import EvidenceError
from archive.provenance.seal import finish_writes
from archive.vocabulary import CaptureStatus
from collector.capture.client import make_client
from collector.capture.engine import CaptureEngine
from collector.capture.settings import CaptureSettings
from collector.cli.context import state
from collector.cli.output import err_console, print_json, print_table
from collector.collect.acquire import Acquirer, Acquisition
from collector.collect.record import SavedCapture, save_acquisition
from collector.platforms.config import PlatformConfig


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host, else raise EvidenceError."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EvidenceError(f"not an http(s) URL: {url!r}")
    return url.strip()


async def run_captures(
    archive: Archive,
    urls: list[str],
    settings: CaptureSettings,
    platforms: PlatformConfig,
    progress: Progress | None,
) -> list[dict[str, Any]]:
    """Acquire (page + platform data) and save each URL; one failure never stops the others."""
    task = progress.add_task("capturing", total=len(urls)) if progress else None
    semaphore = asyncio.Semaphore(max(1, settings.concurrency))
    async with CaptureEngine(settings) as engine, make_client(settings) as client:
        acquirer = Acquirer(engine, client, platforms)

        async def one(url: str) -> dict[str, Any]:
            async with semaphore:
                acquisition = await acquirer.acquire(url)
            try:
                saved = await asyncio.to_thread(save_acquisition, archive, acquisition)
                row = _row(acquisition, saved)
            except Exception as exc:  # one result that cannot be saved must not stop the others
                row = _row(acquisition, None)
                row["status"], row["status_reason"] = CaptureStatus.FAILED, f"not saved: {exc}"
            if progress is not None and task is not None:
                progress.advance(task)
                progress.console.print(f"{row['status']:8} {url}", highlight=False)
            return row

        rows = list(await asyncio.gather(*(one(url) for url in urls)))
    await asyncio.to_thread(finish_writes, archive)
    return rows


def _row(acquisition: Acquisition, saved: SavedCapture | None) -> dict[str, Any]:
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
    row["media"] = [a for a in row["artifacts"] if a["role"] in ("media", "media_playlist")]
    return row


def _post(post: dict[str, Any] | None) -> dict[str, Any] | None:
    if post is None:
        return None
    return {key: value for key, value in post.items() if key not in ("id", "capture_id")}


def register(app: typer.Typer) -> None:
    """Add `capture`."""

    @app.command("capture")
    def capture(
        ctx: typer.Context,
        urls: Annotated[list[str], typer.Argument(metavar="URL", help="Pages to capture.")],
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        concurrency: Annotated[
            int | None,
            typer.Option(help="Captures at the same time (default: from the CPU count).", min=1),
        ] = None,
        proxy: Annotated[
            str | None,
            typer.Option(help="Send all traffic through http://host:port or socks5://host:port."),
        ] = None,
        pdf: Annotated[bool, typer.Option("--pdf", help="Also print the page to PDF.")] = False,
        allow_private: Annotated[
            bool,
            typer.Option(
                "--allow-private", help="Allow loopback, private and link-local addresses."
            ),
        ] = False,
        timeout: Annotated[
            float | None, typer.Option(help="Time budget per capture in seconds.", min=1)
        ] = None,
    ) -> None:
        """Capture URLs in Chromium: screenshots, DOM, WARC, TLS chain, redirect chain."""
        checked = [check_url(url) for url in urls]
        archive = state(ctx).archive()
        settings = CaptureSettings.from_sources(
            archive.settings.section("capture"),
            concurrency=concurrency,
            proxy=proxy,
            pdf=pdf or None,
            allow_private=allow_private or None,
            timeout_s=timeout,
        )
        platforms = PlatformConfig.load(archive.settings.section("platforms"))
        if json:
            rows = asyncio.run(run_captures(archive, checked, settings, platforms, None))
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(
                *columns, console=err_console, transient=True, disable=not err_console.is_terminal
            ) as progress:
                rows = asyncio.run(run_captures(archive, checked, settings, platforms, progress))
        if json:
            print_json(rows)
        else:
            print_table(
                "Captures",
                ["capture", "status", "url", "http", "seconds", "reason"],
                (
                    [
                        r["capture_id"],
                        r["status"],
                        r["requested_url"],
                        r["http_status"],
                        r["duration_s"],
                        r["status_reason"],
                    ]
                    for r in rows
                ),
            )
        if any(row["status"] == CaptureStatus.FAILED for row in rows):
            raise typer.Exit(1)
