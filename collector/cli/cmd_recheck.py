"""`evidence recheck`: capture targets again and record deletions, edits and link rot."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated

import typer

from collector.cli.context import state
from collector.cli.session_options import NoSessionOption, SessionOption

if TYPE_CHECKING:
    from collector.collect.recheck import RecheckResult


def _print(results: list[RecheckResult]) -> None:
    from collector.cli.output import print_table

    rows = []
    for result in results:
        changes = "; ".join(f"{c.field}: {c.before} → {c.after}" for c in result.changes)
        rows.append([result.target_id, result.status, result.url, changes or "no change"])
    print_table("Rechecked", ["target", "status", "url", "changes"], rows, empty="nothing to do")


def register(app: typer.Typer) -> None:
    """Add `recheck`."""

    @app.command("recheck")
    def recheck_command(
        ctx: typer.Context,
        target_ids: Annotated[
            list[str] | None, typer.Argument(metavar="[TARGET_ID]...", help="Targets to recheck.")
        ] = None,
        older_than: Annotated[
            float,
            typer.Option(help="Without ids: targets whose newest capture is older (hours).", min=0),
        ] = 24.0,
        every: Annotated[
            float | None,
            typer.Option(help="Repeat every this many hours (a simple scheduler).", min=0.01),
        ] = None,
        rounds: Annotated[
            int | None, typer.Option(help="With --every: stop after this many rounds.", min=1)
        ] = None,
        allow_private: Annotated[
            bool, typer.Option("--allow-private", help="Allow non-public addresses.")
        ] = False,
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        session: SessionOption = None,
        no_session: NoSessionOption = False,
    ) -> None:
        """Capture targets again and record what changed (deleted, edited, link rot)."""
        from datetime import timedelta

        from archive.timeutil import utcnow
        from collector.cli.output import console, print_json
        from collector.cli.progress import work_progress
        from collector.collect.pipeline import CollectOptions
        from collector.collect.recheck import recheck

        archive = state(ctx).archive()
        options = CollectOptions.for_archive(
            archive, allow_private=allow_private or None, session=session, no_session=no_session
        )
        done = 0
        while True:
            cutoff = None if target_ids else utcnow() - timedelta(hours=older_than)
            with work_progress(enabled=not json) as update:
                results, summary = recheck(archive, target_ids or [], options, update, cutoff)
            if json:
                print_json({"results": [asdict(r) for r in results], **summary})
            else:
                _print(results)
            done += 1
            if every is None or (rounds is not None and done >= rounds):
                return
            console.print(f"next round in {every} h", highlight=False)
            time.sleep(every * 3600)
