"""`evidence capture URL...`: capture pages in Chromium and store them in the archive."""

import asyncio
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.archive import Archive
from archive.errors import EvidenceError
from collector.capture.engine import capture_many
from collector.capture.result import FAILED, CaptureResult
from collector.capture.settings import CaptureSettings
from collector.capture.store import save_capture
from collector.cli.context import state
from collector.cli.output import err_console, print_json, print_table


def check_url(url: str) -> str:
    """Return `url` if it is an absolute http(s) URL with a host, else raise EvidenceError."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise EvidenceError(f"not an http(s) URL: {url!r}")
    return url.strip()


async def run_captures(
    archive: Archive, urls: list[str], settings: CaptureSettings, progress: Progress | None
) -> list[tuple[str | None, CaptureResult]]:
    """Capture and save each URL as it finishes; a failure of one never stops the others."""
    task = progress.add_task("capturing", total=len(urls)) if progress else None
    saved: dict[int, str | None] = {}

    async def on_result(result: CaptureResult) -> None:
        try:
            capture_id = await asyncio.to_thread(save_capture, archive, result)
        except Exception as exc:  # one result that cannot be saved must not stop the others
            result.status, result.status_reason = FAILED, f"not saved: {exc}"
            capture_id = None
        saved[id(result)] = capture_id
        if progress is not None and task is not None:
            progress.advance(task)
            progress.console.print(f"{result.status:8} {result.requested_url}")

    results = await capture_many(urls, settings, on_result=on_result)
    return [(saved.get(id(result)), result) for result in results]


def _row(capture_id: str | None, result: CaptureResult) -> dict[str, Any]:
    return {"capture_id": capture_id, **result.summary()}


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
        if json:
            outcomes = asyncio.run(run_captures(archive, checked, settings, None))
        else:
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=err_console, transient=True) as progress:
                outcomes = asyncio.run(run_captures(archive, checked, settings, progress))
        rows = [_row(capture_id, result) for capture_id, result in outcomes]
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
        if any(result.status == FAILED for _, result in outcomes):
            raise typer.Exit(1)
