"""`evidence capture URL...`: capture pages in Chromium and store them in the archive.

Heavy modules (the capture stack, the archive) are imported inside the command, so that
registering it for `--help` costs nothing.
"""

from typing import Annotated, Any

import typer

from collector.cli.context import state
from collector.cli.session_options import NoSessionOption, SessionOption
from collector.cli.vantages import VantageOption


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
        from collector.capture.settings import CaptureSettings
        from collector.cli.output import err_console, print_json, print_table
        from collector.cli.progress import work_progress
        from collector.collect.captures import capture_and_save
        from collector.collect.locations import check_url
        from collector.collect.sessions import SessionChoice, SessionPicker
        from collector.collect.stack import capture_section
        from collector.collect.vantage import vantage_settings
        from collector.platforms.config import PlatformConfig

        checked = [check_url(url) for url in urls]
        cli = state(ctx)
        home = cli.settings()  # the archive itself opens while the browser launches
        sessions = SessionPicker(home.home, SessionChoice.from_flags(session, no_session))
        sessions.require_fit(checked)
        settings = CaptureSettings.from_sources(
            capture_section(home),
            concurrency=concurrency,
            proxy=proxy,
            pdf=pdf or None,
            allow_private=allow_private or None,
            timeout_s=timeout,
        )
        vantages = vantage_settings(settings, vantage or [])
        platforms = PlatformConfig.load(home.section("platforms"))
        with work_progress(enabled=not json) as update:
            update("capturing", len(checked))

            def shown(row: dict[str, Any]) -> None:
                update(f"done {row['requested_url']}", None)
                if not json:
                    err_console.print(f"{row['status']:8} {row['requested_url']}", highlight=False)
                    for warning in row.get("warnings", []):
                        err_console.print(f"         warning: {warning}", highlight=False)

            rows = asyncio.run(
                capture_and_save(
                    cli.archive, checked, settings, platforms, shown, vantages, sessions
                )
            )
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
