"""`evidence init` and `evidence status`: create an archive home and describe it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from archive import __version__
from collector.cli.context import state

if TYPE_CHECKING:
    from archive.archive import Archive


JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def describe(archive: Archive) -> dict[str, Any]:
    """Where the archive lives, its schema, its key, its contents and its custody chain."""
    from archive import records
    from archive.db import SCHEMA_HEAD, current_revision
    from archive.provenance.keys import load_signing_key

    key = load_signing_key(archive.home)
    with archive.session() as session:
        counts = records.counts(session)
        chain = records.chain_status(session)
    return {
        "home": str(archive.home),
        "database_url": archive.settings.database_url,
        "blob_url": archive.settings.blob_url,
        "investigator": archive.settings.investigator,
        "schema_revision": current_revision(archive.engine),
        "schema_head": SCHEMA_HEAD,
        "tool_version": __version__,
        "signing_key_fingerprint": key.public.fingerprint if key else None,
        "counts": counts,
        "custody_chain": chain,
    }


def _print_status(info: dict[str, Any]) -> None:
    from collector.cli.output import print_fields, print_table

    chain = info["custody_chain"]
    print_fields(
        "Archive",
        {
            "home": info["home"],
            "database": info["database_url"],
            "blobs": info["blob_url"],
            "investigator": info["investigator"],
            "schema": info["schema_revision"],
            "signing key": info["signing_key_fingerprint"] or "none yet",
            "custody chain": f"{chain['events']} events, "
            + ("intact" if chain["intact"] else f"BROKEN ({len(chain['problems'])} problems)"),
            "chain head": chain["head"],
        },
    )
    print_table("Records", ["table", "rows"], sorted(info["counts"].items()))


def register(app: typer.Typer) -> None:
    """Add `init` and `status`."""

    @app.command("init")
    def init(ctx: typer.Context, json: JsonOption = False) -> None:
        """Create the archive home and its signing key (safe to repeat: overwrites nothing)."""
        from archive.provenance.keys import ensure_key
        from collector.cli.output import console, print_json

        archive = state(ctx).archive()
        ensure_key(archive)
        info = describe(archive)
        if json:
            print_json(info)
        else:
            console.print(f"Archive ready at [bold]{info['home']}[/bold]", highlight=False)
            _print_status(info)

    @app.command("status")
    def status(ctx: typer.Context, json: JsonOption = False) -> None:
        """Show where the archive lives, what it holds and whether its custody chain holds."""
        from collector.cli.output import print_json

        info = describe(state(ctx).archive())
        if json:
            print_json(info)
        else:
            _print_status(info)
        if not info["custody_chain"]["intact"]:
            raise typer.Exit(1)
