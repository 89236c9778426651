"""`evidence list KIND` and `evidence show ID`: read what the archive holds."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from collector.cli.context import state

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


class Kind(StrEnum):
    """What `evidence list` can list."""

    sources = "sources"
    targets = "targets"
    captures = "captures"
    cases = "cases"
    events = "events"


COLUMNS: dict[Kind, list[str]] = {
    Kind.sources: ["id", "kind", "location", "title", "created_at"],
    Kind.targets: ["id", "platform", "kind", "canonical_url", "post_id", "created_at"],
    Kind.captures: ["id", "status", "requested_url", "http_status", "finished_at", "status_reason"],
    Kind.cases: ["id", "name", "description", "created_at"],
    Kind.events: ["seq", "occurred_at", "actor", "action", "subject_id"],
}


def register(app: typer.Typer) -> None:
    """Add `list` and `show`."""

    @app.command("list")
    def list_records(
        ctx: typer.Context,
        kind: Annotated[Kind, typer.Argument(help="What to list.")] = Kind.captures,
        limit: Annotated[int, typer.Option(help="Show at most this many (0: all).", min=0)] = 0,
        changed: Annotated[
            bool, typer.Option("--changed", help="Only what rechecks found changed.")
        ] = False,
        json: JsonOption = False,
    ) -> None:
        """List sources, targets, captures, cases or custody events, newest first."""
        from archive import records
        from collector.cli.output import print_json, print_table

        archive = state(ctx).archive()
        if changed:
            with archive.session() as session:
                rows = records.changes(session, limit or None)
            if json:
                print_json(rows)
            else:
                print_table(
                    "Changes found by recheck",
                    ["when", "target", "from", "to", "changes"],
                    (
                        [r["occurred_at"], r["target_id"], r["from_capture"], r["to_capture"],
                         "; ".join(f"{c['field']}: {c['before']} → {c['after']}"
                                   for c in r["changes"])]
                        for r in rows
                    ),
                    empty="no changes recorded",
                )  # fmt: skip
            return
        with archive.session() as session:
            rows = records.list_rows(session, kind.value, limit or None)
        if json:
            print_json(rows)
            return
        columns = COLUMNS[kind]
        print_table(kind.value.capitalize(), columns, ([row[c] for c in columns] for row in rows))

    @app.command("show")
    def show(
        ctx: typer.Context,
        record_id: Annotated[
            str,
            typer.Argument(metavar="ID", help="A record id, blob SHA-256 or custody event number."),
        ],
        json: JsonOption = False,
    ) -> None:
        """Show one record with what belongs to it (artifacts, citations, captures, events)."""
        from archive import records
        from collector.cli.output import print_json

        archive = state(ctx).archive()
        with archive.session() as session:
            record = records.get_record(session, record_id.strip())
        if json:
            print_json(record)
            return
        _print_record(record)


CHILD_COLUMNS = {
    "witnesses": ("service", "method", "status", "memento_url", "memento_at", "error"),
}
"""Columns of child tables whose first six generic columns would not say what matters."""


def _print_record(record: dict[str, Any]) -> None:
    from collector.cli.output import err_console, print_fields, print_table

    children = {
        k: v
        for k, v in record.items()
        if isinstance(v, list)
        and k != "occurrences"
        and k not in ("redirect_chain", "media", "links", "mementos", "vantage_comparisons")
    }
    fields = {k: v for k, v in record.items() if k not in children}
    print_fields(f"{record['type']} {record.get('id', record.get('seq', ''))}", fields)
    for warning in (record.get("details") or {}).get("warnings", []):
        err_console.print(f"warning: {warning}", highlight=False)
    for name, rows in children.items():
        if not rows:
            continue
        columns = (
            list(CHILD_COLUMNS.get(name, ()))
            or [
                c
                for c in (
                    "id",
                    "seq",
                    "role",
                    "name",
                    "status",
                    "kind",
                    "platform",
                    "url",
                    "requested_url",
                    "action",
                    "size",
                    "blob_sha256",
                    "occurred_at",
                )
                if c in rows[0]
            ][:6]
        )
        print_table(name.capitalize(), columns, ([row[c] for c in columns] for row in rows))
    if record.get("vantage_comparisons"):
        from collector.cli.vantages import print_vantages
        from collector.collect.vantage import vantage_rows

        print_vantages(vantage_rows(record["vantage_comparisons"]))
