"""`evidence export ID --format wacz|bagit|report -o PATH`: hand-over packages."""

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from archive.errors import EvidenceError
from collector.cli.context import state


class Format(StrEnum):
    """Export formats."""

    wacz = "wacz"
    bagit = "bagit"
    report = "report"


def register(app: typer.Typer) -> None:
    """Add `export`."""

    @app.command("export")
    def export_command(
        ctx: typer.Context,
        record_id: Annotated[
            str, typer.Argument(metavar="ID", help="A capture, source or case id.")
        ],
        output: Annotated[
            Path,
            typer.Option(
                "-o",
                "--output",
                help="Where to write (bagit: a folder, or a .zip; report: "
                ".html, or .pdf when a Chromium is available).",
            ),
        ],
        export_format: Annotated[
            Format, typer.Option("--format", "-f", help="wacz, bagit or report.")
        ] = Format.wacz,
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        allow_damaged: Annotated[
            bool,
            typer.Option(
                "--allow-damaged",
                help="Pack evidence whose bytes no longer match their SHA-256, with the damage "
                "recorded in the package, the report and the custody log (default: refuse).",
            ),
        ] = False,
        include_sealed: Annotated[
            bool,
            typer.Option(
                "--include-sealed",
                help="Also pack the sealed (encrypted) original WARCs of captures made logged "
                "in, for a court that ordered their disclosure (default: left out).",
            ),
        ] = False,
    ) -> None:
        """Write a package of the evidence of ID, with everything needed to verify it offline."""
        from archive.export import export
        from collector.cli.output import console, print_json

        output = output.expanduser().absolute()
        if not output.parent.is_dir():
            raise EvidenceError(f"the folder {output.parent} does not exist")
        if output.is_dir():
            raise EvidenceError(f"{output} already exists as a folder; choose a new path")
        started = time.monotonic()
        result = export(
            state(ctx).archive(),
            record_id,
            export_format.value,
            output,
            allow_damaged,
            include_sealed,
        )
        summary = {**result.as_dict(), "seconds": round(time.monotonic() - started, 3)}
        if json:
            print_json(summary)
            return
        console.print(
            f"{result.format} of {result.kind} {result.id}: {result.captures} captures, "
            f"{result.files} files, {result.size:,} bytes -> {result.path}",
            highlight=False,
        )
        for damage in result.damaged:
            console.print(
                f"WARNING: packed damaged blob {damage['blob']} (found {damage['found_sha256']}); "
                "recorded in package.json and the custody log",
                highlight=False,
            )
