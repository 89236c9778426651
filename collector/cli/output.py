"""Printing results: stable JSON for machines, Rich tables for people."""

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from archive.timeutil import iso

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def to_json(data: Any) -> str:
    """Serialize `data` with sorted keys and ISO 8601 UTC times."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=_default)


def print_json(data: Any) -> None:
    """Write `data` as JSON on stdout, uncoloured, so it can be piped."""
    sys.stdout.write(to_json(data) + "\n")
    sys.stdout.flush()


def cell(value: Any) -> str:
    """A table cell: times in ISO form, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], empty: str = "nothing yet"
) -> None:
    """Render rows under `columns` as a Rich table, or a one-line note when there are none."""
    rows = list(rows)
    if not rows:
        console.print(f"{title}: {empty}")
        return
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(cell(value) for value in row))
    console.print(table)


def print_fields(title: str, fields: dict[str, Any]) -> None:
    """Render one record as a two-column table of field and value."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in fields.items():
        shown = to_json(value) if isinstance(value, dict | list) else cell(value)
        table.add_row(key, shown)
    console.print(table)
