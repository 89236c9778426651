"""A Rich progress bar on stderr driven by the collect pipeline's progress callback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from collector.cli.output import err_console

if TYPE_CHECKING:
    from collector.collect.pipeline import ProgressFn


@contextmanager
def work_progress(enabled: bool = True) -> Iterator[ProgressFn]:
    """Yield a callback: `(description, total)` sets the total, a "done …" step advances."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    shown = enabled and err_console.is_terminal  # no bar in logs, pipes or tests
    with Progress(*columns, console=err_console, transient=True, disable=not shown) as bar:
        task = bar.add_task("starting", total=None)

        def update(description: str, total: int | None) -> None:
            if total is not None:
                bar.update(task, total=total, description=description)
            elif description.startswith("done "):
                bar.advance(task)
            else:
                bar.update(task, description=description)

        yield update
