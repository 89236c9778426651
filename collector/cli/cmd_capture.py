"""`evidence capture URL...`: capture pages in Chromium and store them in the archive.

Heavy modules (the capture stack, the archive) are imported inside the command, so that
registering it for `--help` costs nothing; the command reads its settings with light modules,
begins the browser's launch (`lifecycle.Prelaunch`) and imports the rest while Chromium starts.
"""

import gc
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from collector.cli.context import state
from collector.cli.session_options import NoSessionOption, SessionOption
from collector.cli.vantages import VantageOption

if TYPE_CHECKING:
    from collector.capture.lifecycle import Prelaunch
    from collector.capture.settings import CaptureSettings
    from collector.cli.context import CliState
    from collector.platforms.config import PlatformConfig

COMMAND_CODE = (
    "collector.collect.captures",
    "collector.collect.sessions",
    "collector.collect.vantage",
    "collector.cli.progress",
)
"""What the command runs after the browser's launch has begun (the capture stack, the archive,
the saving code)."""


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
        vantage: VantageOption = None,
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
        session: SessionOption = None,
        no_session: NoSessionOption = False,
    ) -> None:
        """Capture URLs in Chromium: screenshots, DOM, WARC, TLS chain, redirect chain."""
        import asyncio

        from archive.vocabulary import CaptureStatus
        from collector.capture.lifecycle import Prelaunch
        from collector.capture.settings import CaptureSettings
        from collector.cli.output import print_json, print_table
        from collector.collect.capturehome import capture_section
        from collector.collect.locations import check_url
        from collector.platforms.config import PlatformConfig

        checked = [check_url(url) for url in urls]
        cli = state(ctx)
        home = cli.settings()  # the archive itself opens while the browser launches
        settings = CaptureSettings.from_sources(
            capture_section(home),
            concurrency=concurrency,
            proxy=proxy,
            pdf=pdf or None,
            allow_private=allow_private or None,
            timeout_s=timeout,
        )
        platforms = PlatformConfig.load(home.section("platforms"))

        async def launched_first() -> list[dict[str, Any]]:
            async with Prelaunch(settings) as prelaunch:  # Chromium starts, in its own processes
                await _imported_beside_launch()
                return await _capture_rows(
                    cli, home.home, checked, settings, platforms, prelaunch, session, no_session,
                    vantage, json,
                )  # fmt: skip

        rows = asyncio.run(launched_first())
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
            vantages = [v for r in rows for v in r.get("vantages", [])]
            if vantages:
                from collector.cli.vantages import print_vantages

                print_vantages(vantages)
        if any(row["status"] == CaptureStatus.FAILED for row in rows):
            raise typer.Exit(1)


def _import_command_code() -> None:
    """Import COMMAND_CODE."""
    for name in COMMAND_CODE:
        importlib.import_module(name)


async def _imported_beside_launch() -> None:
    """Import COMMAND_CODE in a thread while the browser launches, with the cyclic garbage
    collector paused: the imports make objects that live as long as the process, and the
    collector's passes over them cost a cold capture 0.2 s (docs/capture.md). They are then
    frozen (`gc.freeze()`: left out of every later pass) and the collector runs as usual."""
    import asyncio

    gc.disable()
    try:
        await asyncio.to_thread(_import_command_code)
    finally:
        gc.freeze()
        gc.enable()


async def _capture_rows(
    cli: "CliState",
    home: Path,
    checked: list[str],
    settings: "CaptureSettings",
    platforms: "PlatformConfig",
    prelaunch: "Prelaunch",
    session: str | None,
    no_session: bool,
    vantage: list[str] | None,
    json: bool,
) -> list[dict[str, Any]]:
    """The sessions (of the archive `home`) and vantages checked, then every URL captured and
    saved (with progress unless `json`) in the browser `prelaunch` began."""
    from collector.cli.output import err_console
    from collector.cli.progress import work_progress
    from collector.collect.captures import capture_and_save
    from collector.collect.sessions import SessionChoice, SessionPicker
    from collector.collect.vantage import vantage_settings

    sessions = SessionPicker(home, SessionChoice.from_flags(session, no_session))
    sessions.require_fit(checked)
    vantages = vantage_settings(settings, vantage or [])
    with work_progress(enabled=not json) as update:
        update("capturing", len(checked))

        def shown(row: dict[str, Any]) -> None:
            update(f"done {row['requested_url']}", None)
            if not json:
                err_console.print(f"{row['status']:8} {row['requested_url']}", highlight=False)
                for warning in row.get("warnings", []):
                    err_console.print(f"         warning: {warning}", highlight=False)

        return await capture_and_save(
            cli.archive, checked, settings, platforms, shown, vantages, sessions, prelaunch
        )
