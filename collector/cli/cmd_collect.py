"""`evidence collect SOURCE`: the whole job for one article: a line per item, then a summary.

The pipeline and the queue are imported inside the command, so registering it costs nothing.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from collector.cli.context import state
from collector.cli.session_options import NoSessionOption, SessionOption
from collector.cli.vantages import VantageOption

if TYPE_CHECKING:
    from collector.collect.pipeline import CollectReport
    from collector.queue.enqueue import QueuedCollect


def _print_report(report: "CollectReport") -> None:
    from collector.cli.output import console, print_table

    data = report.to_dict()
    article = data["article"]
    console.print(
        f"Source [bold]{data['source_id']}[/bold]"
        + (" (reused: read recently, unchanged)" if data["source_reused"] else ""),
        highlight=False,
    )
    if article:
        console.print(
            f"Article capture {article['capture_id']}: {article['status']}"
            + (f" ({article['reason']})" if article["reason"] else ""),
            highlight=False,
            markup=False,
        )
    rows = []
    for item in data["items"]:
        post = item["post"] or {}
        citation = item["citation"] or {}
        who = post.get("author_handle") or citation.get("author_handle") or ""
        what = item["url"] or f"“{(citation.get('text') or '')[:50]}…”"
        rows.append(
            [
                item["status"],
                f"{item['platform']} {item['kind']}",
                what,
                f"@{who}" if who else "",
                item["capture_id"],
                item["reason"] or item["found_via"] or "",
            ]
        )
    print_table(
        "Cited items",
        ["status", "what", "url or text", "author", "capture", "note"],
        rows,
        empty="the source cites nothing this tool recognises",
    )
    vantages = [row for item in data["items"] for row in item["vantages"]]
    if vantages:
        from collector.cli.vantages import print_vantages

        print_vantages(vantages)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(data["counts"].items()))
    stamps = data["timestamps"]
    console.print(f"Items: {counts or 'none'}", highlight=False)
    if stamps.get("note"):
        console.print(stamps["note"], highlight=False, markup=False)
    else:
        console.print(
            f"Timestamps: {stamps['granted']} of {stamps['requested']} granted"
            + (f"; failed: {'; '.join(stamps['failed'])}" if stamps["failed"] else ""),
            highlight=False,
            markup=False,
        )
    if stamps.get("checkpoint_tree_size") is not None:
        console.print(
            f"Log checkpoint: {stamps['checkpoint_tree_size']} events, root "
            f"{stamps['checkpoint_root']}",
            highlight=False,
        )
    shots = [item for item in [article, *data["items"]] if item and item.get("screenshot")]
    if shots:
        console.print("Screenshots (named by their SHA-256):", highlight=False)
        for item in shots:
            console.print(
                f"  {item['capture_id']}  {item['screenshot']}", highlight=False, soft_wrap=True
            )
    console.print("Every artifact and its hashes: `evidence show CAPTURE_ID`.", highlight=False)


def _print_queued(report: "QueuedCollect", json: bool) -> None:
    """Print the job ids (a table, or JSON)."""
    from collector.cli.output import console, print_json, print_table

    if json:
        print_json(report.to_dict())
        return
    console.print(f"Source [bold]{report.source_id}[/bold]", highlight=False)
    print_table(
        "Capture jobs",
        ["job", "what", "url", "target"],
        [(j["job_id"], j["kind"], j["url"], j["target_id"]) for j in report.jobs],
        empty="the source cites nothing this tool can capture",
    )
    for item in report.unresolved:
        console.print(
            f"unresolved {item['target_id']}: {item['reason']}", highlight=False, markup=False
        )
    console.print(
        f"{len(report.jobs)} jobs queued; run `evidence worker` to capture them.", highlight=False
    )


def register(app: typer.Typer) -> None:
    """Add `collect`."""

    @app.command("collect")
    def collect_command(
        ctx: typer.Context,
        source: Annotated[str, typer.Argument(help="Article URL, a file, or - for stdin.")],
        json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
        case: Annotated[str | None, typer.Option(help="Group this work under a case.")] = None,
        investigator: Annotated[
            str | None, typer.Option(help="Who collects (recorded in every custody event).")
        ] = None,
        recapture: Annotated[
            bool, typer.Option("--recapture", help="Capture again even if captured recently.")
        ] = False,
        fresh_hours: Annotated[
            float,
            typer.Option(
                "--fresh-for", help="Reuse complete captures younger than this (hours).", min=0
            ),
        ] = 24.0,
        depth: Annotated[
            int, typer.Option(help="1: also capture links found inside cited posts.", min=0, max=1)
        ] = 0,
        concurrency: Annotated[
            int | None, typer.Option(help="Captures at the same time.", min=1)
        ] = None,
        proxy: Annotated[
            str | None, typer.Option(help="Send all traffic through http:// or socks5:// proxy.")
        ] = None,
        vantage: VantageOption = None,
        allow_private: Annotated[
            bool,
            typer.Option("--allow-private", help="Allow loopback, private, link-local addresses."),
        ] = False,
        timeout: Annotated[
            float | None, typer.Option(help="Time budget per capture in seconds.", min=1)
        ] = None,
        queue: Annotated[
            bool,
            typer.Option("--queue", help="Enqueue one job per target for `evidence worker`."),
        ] = False,
        session: SessionOption = None,
        no_session: NoSessionOption = False,
    ) -> None:
        """Read an article, capture everything it cites, sign and timestamp the evidence."""
        from datetime import timedelta

        from archive.errors import EvidenceError
        from archive.vocabulary import CaptureStatus
        from collector.cli.output import print_json
        from collector.cli.progress import work_progress
        from collector.collect.locations import check_source
        from collector.collect.pipeline import CollectOptions, collect

        check_source(source)
        if queue and vantage:
            raise EvidenceError("--vantage runs in this process: it cannot be used with --queue")
        cli = state(ctx)
        if investigator:
            cli.overrides["investigator"] = investigator
        archive = cli.archive()
        options = CollectOptions.for_archive(
            archive,
            concurrency=concurrency,
            proxy=proxy,
            allow_private=allow_private or None,
            timeout_s=timeout,
            case=case,
            recapture=recapture,
            fresh_for=timedelta(hours=fresh_hours),
            depth=depth,
            vantage=vantage,
            session=session,
            no_session=no_session,
        )
        if queue:
            from collector.queue.enqueue import collect_to_queue

            _print_queued(collect_to_queue(archive, source, options), json)
            return
        with work_progress(enabled=not json) as progress:
            report = collect(archive, source, options, progress, progress.item)
        if json:
            print_json(report.to_dict())
        else:
            _print_report(report)
        if any(item.status == CaptureStatus.FAILED for item in report.items):
            raise typer.Exit(1)
