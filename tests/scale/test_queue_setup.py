"""Queue set-up: SQLite refused with one line, schema applied idempotently, host rate limits."""

import asyncio
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli.app import app as cli
from collector.queue.app import ensure_schema, make_app
from collector.queue.ratelimit import host_of, reserve

NEEDS_PG = "the capture queue needs PostgreSQL: set EVIDENCE_DATABASE_URL="


@pytest.mark.parametrize("command", ["worker", "collect --queue"])
def test_sqlite_archive_is_refused(tmp_path: Path, command: str) -> None:
    source = tmp_path / "article.html"
    source.write_text("<a href='https://example.org/'>x</a>")
    args = ["worker"] if command == "worker" else ["collect", "--queue", str(source)]
    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "home"), *args])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {NEEDS_PG}")
    assert result.stderr.count("\n") == 1


def test_schema_twice_and_host_slots(pg_url: str) -> None:
    async def scenario() -> list[float]:
        queue = make_app(pg_url)
        async with queue.open_async():
            await asyncio.gather(ensure_schema(queue), ensure_schema(queue))  # racing starts
            await ensure_schema(queue)
            pool = queue.connector.pool  # type: ignore[attr-defined]
            waits = [await reserve(pool, "a.example", 120) for _ in range(4)]
            other = await reserve(pool, "b.example", 120)
            unlimited = await reserve(pool, "a.example", 0)
        return [*waits, other, unlimited]

    started = time.monotonic()
    waits = asyncio.run(scenario())
    assert time.monotonic() - started < 5, "reserving never sleeps"
    first, *later = waits[:4]
    assert first == pytest.approx(0, abs=0.2)
    # 120 a minute: each further capture of the same host starts 0.5 s after the previous one
    assert later == pytest.approx([0.5, 1.0, 1.5], abs=0.2)
    assert waits[4] == pytest.approx(0, abs=0.2), "hosts are limited separately"
    assert waits[5] == 0


def test_host_of() -> None:
    assert host_of("https://WWW.Example.org:8443/a?b") == "www.example.org"
    assert host_of("not a url") == ""
