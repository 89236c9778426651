"""Tables and progress lines as investigators keep them: in logs, pipes and terminals."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from archive.archive import Archive
from archive.ids import new_id
from archive.models import Capture
from archive.timeutil import utcnow
from collector.cli import output, progress
from collector.collect.pipeline import Outcome

URL = "https://x.com/RailsGirlsSoC/status/1234567890123456789?s=20&t=abcdefghijklmnop"
REASON = "reused the complete capture of 2026-12-01T20:04:20Z; screenshot blank, post data kept"
COLUMNS = ["status", "what", "url or text", "author", "capture", "note"]
ROWS = [
    ["reused", "twitter post", URL, "@RailsGirlsSoC", "cap_01m8skazkq2f7yv0d3", REASON],
    ["failed", "telegram post", "https://t.me/c/1/2", "", None, "HTTP 404 [not found]"],
]


def _console(monkeypatch: pytest.MonkeyPatch, terminal: bool, width: int) -> io.StringIO:
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=terminal, width=width, soft_wrap=True)
    monkeypatch.setattr(output, "console", console)
    return sink


def test_outside_a_terminal_every_row_is_one_full_line(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = _console(monkeypatch, terminal=False, width=40)
    output.print_table("Cited items", COLUMNS, ROWS)
    lines = sink.getvalue().splitlines()
    assert lines[0] == "Cited items"
    assert lines[1].split() == ["status", "what", "url", "or", "text", "author", "capture", "note"]
    assert len(lines) == 4, "title, header, one line per row"
    assert URL in lines[2] and REASON in lines[2] and "@RailsGirlsSoC" in lines[2]
    assert lines[3].endswith("HTTP 404 [not found]"), "no Rich markup read into the cells"
    assert lines[2].index(URL) == lines[3].index("https://t.me/c/1/2"), "columns align"


def test_in_a_terminal_the_note_folds_and_the_url_stays_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = _console(monkeypatch, terminal=True, width=180)
    output.print_table("Cited items", COLUMNS, ROWS)
    text = re.sub(r"\x1b\[[0-9;]*m", "", sink.getvalue())
    assert "│" in text, "a Rich table in a terminal"
    assert all(len(line) <= 180 for line in text.splitlines())
    assert URL in text, "the URL is on one line"
    assert REASON not in text, "the note column folded to fit the width"
    assert "reused the complete" in text


def test_too_narrow_a_terminal_gets_the_plain_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = _console(monkeypatch, terminal=True, width=60)
    output.print_table("Cited items", COLUMNS, ROWS)
    text = sink.getvalue()
    assert "│" not in text and URL in text and REASON in text


def test_fields_print_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = _console(monkeypatch, terminal=False, width=30)
    output.print_fields("Capture cap_1", {"requested_url": URL, "status": "partial"})
    assert sink.getvalue().splitlines() == [
        "Capture cap_1",
        f"requested_url  {URL}",
        "status         partial",
    ]


def _outcome() -> Outcome:
    return Outcome(
        target_id="tgt_1",
        url=URL,
        kind="post",
        platform="twitter",
        status="partial",
        post={"author_handle": "RailsGirlsSoC"},
    )


def test_item_line_says_status_what_and_time() -> None:
    line = progress.item_line(_outcome(), 4.25)
    clock, rest = line.split("  ", 1)
    assert clock.endswith("Z") and len(clock) == 9
    assert rest.split()[:4] == ["partial", "twitter", "post", "@RailsGirlsSoC"]
    assert URL in line and line.endswith("4.2 s")


def test_a_log_gets_one_plain_line_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = io.StringIO()
    monkeypatch.setattr(progress, "err_console", Console(file=sink, width=40, soft_wrap=True))
    with progress.work_progress() as work:
        work("capturing cited items", 2)
        work.item(_outcome(), 1.0)
        work("done x", None)
        work.item(_outcome(), 2.0)
    lines = sink.getvalue().splitlines()
    assert len(lines) == 2 and all(URL in line for line in lines)
    assert "\x1b[" not in sink.getvalue(), "no colour or bar in a log"
    sink.truncate(0)
    with progress.work_progress(enabled=False) as work:
        work.item(_outcome(), 1.0)
    assert sink.getvalue() == ""


def test_list_in_a_pipe_keeps_each_capture_on_one_line(tmp_path: Path) -> None:
    """The installed command with stdout a pipe, as in a log or CI."""
    with Archive.open(tmp_path) as archive, archive.session() as session:
        session.add(Capture(id=new_id("cap"), requested_url=URL, status="partial",
                            status_reason=REASON, started_at=utcnow(), finished_at=utcnow(),
                            tool_version="test"))  # fmt: skip
    script = Path(sys.executable).with_name("evidence")
    done = subprocess.run(
        [str(script), "--home", str(tmp_path), "list", "captures"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "40"},
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("cap_")]
    assert len(rows) == 1 and URL in rows[0] and REASON in rows[0], done.stdout


def test_a_terminal_gets_the_item_lines_above_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    sink = io.StringIO()
    terminal = Console(file=sink, force_terminal=True, width=200, soft_wrap=True)
    monkeypatch.setattr(progress, "err_console", terminal)
    with progress.work_progress() as work:
        assert work.bar is not None, "a live bar in a terminal"
        work("capturing cited items", 1)
        work.item(_outcome(), 1.5)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", sink.getvalue())
    assert "partial" in text and URL in text and "1.5 s" in text
