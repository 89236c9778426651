"""A full disk under the database is the one-line error every other failure gives, and leaves
nothing half-stored. SQLite's `max_page_count` makes the driver itself answer SQLITE_FULL
("database or disk is full"), as a full filesystem would."""

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from archive import records
from archive.archive import Archive
from collector.cli.app import app

# a long title and citation text: the rows need pages the database cannot add
ARTICLE = (
    "<html><head><title>" + "long title " * 5000 + "</title></head><body><article><p>"
    + "words " * 5000 + '<a href="https://x.com/a/status/1">x</a></p></article></body></html>'
)  # fmt: skip


def _no_room(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    (pages,) = cursor.execute("PRAGMA page_count").fetchone()
    cursor.execute(f"PRAGMA max_page_count = {pages}")
    cursor.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An archive made while there was room, with no free page left in its file."""
    Archive.open(tmp_path / "home").close()
    with sqlite3.connect(tmp_path / "home" / "evidence.db") as db:
        db.execute("VACUUM")
    return tmp_path / "home"


def _counts(home: Path) -> dict[str, int]:
    with Archive.open(home) as archive, archive.session() as session:
        return records.counts(session)


def test_full_database_disk_is_a_one_line_error(home: Path, tmp_path: Path) -> None:
    before = _counts(home)
    article = tmp_path / "article.html"
    article.write_text(ARTICLE)
    event.listen(Pool, "connect", _no_room)
    try:
        result = CliRunner().invoke(app, ["--home", str(home), "extract", str(article)])
    finally:
        event.remove(Pool, "connect", _no_room)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot write the database: database or disk is full "
        "(nothing of this step was saved)\n"
    )
    assert _counts(home) == before
    done = CliRunner().invoke(app, ["--home", str(home), "extract", str(article)])
    assert done.exit_code == 0, done.stderr  # with room again, the same command works
