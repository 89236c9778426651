"""Printing results: stable JSON for machines; tables for people that survive pipes and logs.

Outside a terminal (a log file, a pipe, CI) a table is aligned plain text, one row per line at
full width, so a URL or a reason is never cut. In a terminal it is a Rich table in which only
the prose columns (note, reason, changes, ...) fold; when even that cannot fit the width, the
plain form is printed and the terminal soft-wraps it. Rich's own layout is kept for terminals;
the plain form is a few lines by hand because Rich always wraps a table to a width.
"""

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.timeutil import iso

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)
FOLDING_WORDS = ("note", "reason", "change", "error", "title", "text", "description")
"""Columns whose name has one of these (and not "url") hold prose: only they may fold."""
GAP = "  "
MIN_FOLD_WIDTH = 16


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
    """A table cell on one line: times in ISO form, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    return " ".join(str(value).split())


def folds(column: str) -> bool:
    """True for prose columns, the only ones a terminal table may wrap."""
    name = column.lower()
    return "url" not in name and any(word in name for word in FOLDING_WORDS)


def plain_lines(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The title, a header and one aligned line per row; the last column is not padded."""
    widths = _widths(columns, rows)
    lines = [title]
    for row in [list(columns), *rows]:
        cells = zip(row, widths, strict=True)
        padded = [text + " " * (width - cell_len(text)) for text, width in cells]
        lines.append(GAP.join(padded[:-1] + [row[-1]]).rstrip())
    return lines


def _widths(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(cell_len(text) for text in column) for column in zip(columns, *rows, strict=True)]


def _fits(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int) -> bool:
    needed = 1 + 3 * len(columns)  # borders and padding of Rich's default box
    for column, longest in zip(columns, _widths(columns, rows), strict=True):
        needed += min(longest, MIN_FOLD_WIDTH) if folds(column) else longest
    return needed <= width


def print_table(
    title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], empty: str = "nothing yet"
) -> None:
    """Render rows under `columns`, or a one-line note when there are none."""
    shown = [[cell(value) for value in row] for row in rows]
    if not shown:
        console.out(f"{title}: {empty}", highlight=False)
        return
    if not console.is_terminal or not _fits(columns, shown, console.width):
        console.out("\n".join(plain_lines(title, columns, shown)), highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for column, width in zip(columns, _widths(columns, shown), strict=True):
        if folds(column):
            table.add_column(column, overflow="fold", min_width=MIN_FOLD_WIDTH)
        else:
            table.add_column(column, no_wrap=True, width=width)
    for row in shown:
        table.add_row(*(Text(text) for text in row))
    console.print(table)


def print_fields(title: str, fields: dict[str, Any]) -> None:
    """Render one record as aligned `field  value` lines (values on one line, never cut)."""
    shown = [
        (key, to_json(value) if isinstance(value, dict | list) else cell(value))
        for key, value in fields.items()
    ]
    width = max((cell_len(key) for key, _ in shown), default=0)
    console.out(title, style="bold" if console.is_terminal else None, highlight=False)
    for key, value in shown:
        pad = " " * (width - cell_len(key))
        if "\n" in value:  # JSON: indented under the field
            value = "\n".join(" " * (width + len(GAP)) + line for line in value.splitlines())
            console.out(f"{key}{pad}{GAP}\n{value}", highlight=False)
        else:
            console.out(f"{key}{pad}{GAP}{value}", highlight=False)
