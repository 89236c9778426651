"""`evidence timestamp --pending`: RFC 3161 tokens for manifests and checkpoints lacking one;
`--upgrade`: pending OpenTimestamps proofs of checkpoints completed from their calendars."""

from typing import Annotated

import typer

from archive.errors import EvidenceError
from collector.cli.context import state


def register(app: typer.Typer) -> None:
    """Add `timestamp`."""

    @app.command("timestamp")
    def timestamp(
        ctx: typer.Context,
        pending: Annotated[
            bool, typer.Option("--pending", help="Timestamp everything still without a token.")
        ] = False,
        upgrade: Annotated[
            bool,
            typer.Option(
                "--upgrade", help="Complete pending OpenTimestamps proofs (Bitcoin attestations)."
            ),
        ] = False,
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    ) -> None:
        """Ask the TSAs in EVIDENCE_TSA_URLS for tokens; failures are recorded, not hidden."""
        if upgrade:
            _upgrade(ctx, json)
            if not pending:
                return
        from archive.provenance.timestamps import timestamp_pending, tsa_settings
        from collector.cli.output import console, print_json, print_table

        if not pending:
            raise EvidenceError(
                "say what to timestamp: `evidence timestamp --pending` or `--upgrade`"
            )
        archive = state(ctx).archive()
        if not tsa_settings(archive).urls:
            raise EvidenceError("no TSA configured: set EVIDENCE_TSA_URLS (comma separated)")
        rows = timestamp_pending(archive)
        records = [
            {
                "id": r.id,
                "subject": f"{r.subject_type} {r.subject_id}",
                "tsa_url": r.tsa_url,
                "status": r.status,
                "gen_time": r.gen_time,
                "error": r.error,
            }
            for r in rows
        ]
        if json:
            print_json(records)
        else:
            print_table(
                "Timestamps",
                ["subject", "tsa", "status", "genTime", "error"],
                [
                    (r["subject"], r["tsa_url"], r["status"], r["gen_time"], r["error"])
                    for r in records
                ],
                empty="nothing pending",
            )
            console.print(
                f"{sum(r.status == 'ok' for r in rows)} granted, "
                f"{sum(r.status != 'ok' for r in rows)} failed",
                highlight=False,
            )
        if any(r.status != "ok" for r in rows):
            raise typer.Exit(1)


def _upgrade(ctx: typer.Context, json: bool) -> None:
    """Ask the calendars for the Bitcoin attestations of every pending OpenTimestamps proof."""
    from archive.provenance.anchors import current_proofs, upgrade_pending
    from archive.vocabulary import OtsStatus
    from archive.witness_settings import witness_settings
    from collector.cli.output import console, print_json, print_table

    archive = state(ctx).archive()
    if not witness_settings(archive.settings).ots_calendars:
        raise EvidenceError("no OpenTimestamps calendar configured: set EVIDENCE_OTS_CALENDARS")
    upgraded = upgrade_pending(archive)
    with archive.session() as session:
        still = [r.tree_size for r in current_proofs(session).values()
                 if r.status == OtsStatus.PENDING]  # fmt: skip
    records = [
        {"checkpoint": r.tree_size, "status": r.status, "errors": r.errors} for r in upgraded
    ]
    if json:
        print_json({"upgraded": records, "still_pending": still})
        return
    print_table(
        "OpenTimestamps",
        ["checkpoint", "status", "errors"],
        [(r["checkpoint"], r["status"], "; ".join(r["errors"])) for r in records],
        empty="no proof changed",
    )
    console.print(
        f"{sum(r.status == OtsStatus.COMPLETE for r in upgraded)} completed, "
        f"{len(still)} still pending",
        highlight=False,
    )
