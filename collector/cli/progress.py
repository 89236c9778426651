"""Progress of a long collect on stderr: one line per finished item, and a bar in a terminal.

Each item prints `time  status  what  url  seconds` as it finishes: above a live Rich bar in a
terminal, as a plain line in a log or a pipe, so a log keeps the whole run in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive.timeutil import utcnow
from archive.vocabulary import CaptureStatus
from collector.cli.output import err_console
from collector.collect.skipped import Skipped

if TYPE_CHECKING:
    from collector.collect.pipeline import Outcome

STATUS_STYLES = {
    CaptureStatus.COMPLETE: "green",
    CaptureStatus.PARTIAL: "yellow",
    CaptureStatus.FAILED: "red",
    Skipped.REUSED: "cyan",
}
STATUS_WIDTH = 10  # the longest status, "unresolved"


def item_line(outcome: Outcome, seconds: float) -> str:
    """One finished item as a line: UTC time, status, platform and kind, author, URL, seconds."""
    post = outcome.post or {}
    citation = outcome.citation or {}
    handle = post.get("author_handle") or citation.get("author_handle")
    what = " ".join(
        part
        for part in (
            f"{outcome.platform} {outcome.kind}",
            f"@{str(handle).lstrip('@')}" if handle else "",
            outcome.url or f"“{(citation.get('text') or '')[:60]}”",
        )
        if part
    )
    clock = utcnow().strftime("%H:%M:%SZ")
    return f"{clock}  {outcome.status:<{STATUS_WIDTH}}  {what}  {seconds:.1f} s"


class WorkProgress:
    """The collect pipeline's callbacks: `(description, total)` drives the bar, `item` prints."""

    def __init__(self, bar: Progress | None, lines: bool) -> None:
        self.bar = bar
        self.lines = lines
        self.task = bar.add_task("starting", total=None) if bar else None

    def __call__(self, description: str, total: int | None) -> None:
        """Set the total, advance on a "done …" step, or show the current step."""
        if self.bar is None or self.task is None:
            return
        if total is not None:
            self.bar.update(self.task, total=total, description=description)
        elif description.startswith("done "):
            self.bar.advance(self.task)
        else:
            self.bar.update(self.task, description=description)

    def item(self, outcome: Outcome, seconds: float) -> None:
        """Print one finished item (above the bar in a terminal)."""
        if not self.lines:
            return
        line = item_line(outcome, seconds)
        if err_console.is_terminal:
            style = STATUS_STYLES.get(str(outcome.status), "")
            err_console.print(line, style=style, markup=False, highlight=False)
        else:
            err_console.out(line, highlight=False)


@contextmanager
def work_progress(enabled: bool = True) -> Iterator[WorkProgress]:
    """Yield the callbacks; the bar only in a terminal, item lines whenever `enabled`."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    if not (enabled and err_console.is_terminal):  # no bar in logs, pipes or tests
        yield WorkProgress(None, lines=enabled)
        return
    with Progress(*columns, console=err_console, transient=True) as bar:
        yield WorkProgress(bar, lines=True)
