"""`evidence collect` end to end on the test world: the demo article and a seed file."""

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collector.cli.app import app
from tests.collect.conftest import run_json
from tests.world.server import World

pytestmark = pytest.mark.browser
ARTICLE = "https://www.example.test/news/volunteers.html"
SEED = Path(__file__).parents[1] / "fixtures" / "seeds" / "article-realrepublic-drones.txt"


def _collect(home: Path, *args: str, exit_code: int = 0) -> dict:
    return run_json(home, "collect", "--json", *args, exit_code=exit_code)


def _by_url(report: dict) -> dict[str | None, dict]:
    return {item["url"]: item for item in report["items"]}


def test_collect_article_then_rerun_adds_nothing(world_env: World, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _collect(home, ARTICLE, "--case", "demo")
    assert first["article"]["status"] == "complete"
    items = _by_url(first)
    assert set(items) == {
        "https://x.com/RailsGirlsSoC/status/702136612822634496",
        "https://x.com/bpoweski/status/71633762",
        "https://x.com/UaSmart/status/934106870834454529",
        "https://x.com/Kikobeats/status/880139124791029763",
        "https://t.me/chollometro/28542",
        "https://www.example.test/static/page.html?n=7",
        None,  # the pasted signature with no URL
    }
    # the world's stand-in for X's client draws each x.com page from recorded answers
    posts = [item for url, item in items.items() if url and url.startswith("https://x.com/")]
    assert [item["status"] for item in posts] == ["complete"] * 4, posts
    recorded_page = items["https://x.com/UaSmart/status/934106870834454529"]
    assert recorded_page["post"]["author_handle"] == "UaSmart"
    oembed_only = items["https://x.com/bpoweski/status/71633762"]
    assert oembed_only["post"]["text"] == "working on my Ruby Security book"
    assert items[None]["status"] == "unresolved"
    assert items[None]["citation"]["author_handle"] == "demo_grants"
    posts_first = [item["kind"] for item in first["items"]]
    assert posts_first.index("link") > max(i for i, k in enumerate(posts_first) if k == "post")
    assert first["timestamps"]["note"].startswith("not timestamped")
    assert first["timestamps"]["checkpoint_tree_size"] > 0
    for item in first["items"]:
        if item["screenshot"]:
            assert Path(item["screenshot"]).is_file()

    db = sqlite3.connect(home / "evidence.db")
    captures_before = db.execute("SELECT count(*) FROM capture").fetchone()[0]
    targets_before = db.execute("SELECT count(*) FROM target").fetchone()[0]
    second = _collect(home, ARTICLE, "--case", "demo")
    assert second["source_reused"] is True
    assert second["source_id"] == first["source_id"]
    statuses = {item["url"]: item["status"] for item in second["items"]}
    assert statuses.pop(None) == "unresolved"
    assert set(statuses.values()) == {"reused"}, statuses
    captures_after = db.execute("SELECT count(*) FROM capture").fetchone()[0]
    assert captures_after == captures_before, "complete captures are not redone"
    assert db.execute("SELECT count(*) FROM target").fetchone()[0] == targets_before

    verify = CliRunner().invoke(app, ["--home", str(home), "verify", "--json"])
    assert verify.exit_code == 0, verify.stdout
    findings = json.loads(verify.stdout)
    tampered = [f for f in findings.get("findings", findings) if f.get("status") == "tampered"]
    assert tampered == []


def test_collect_seed_text_file(world_env: World, tmp_path: Path) -> None:
    # pic.twitter.com is not part of the offline world: capturing those links fails (exit 1)
    report = _collect(tmp_path / "home", str(SEED), exit_code=1)
    assert report["article"] is None
    failed = {item["url"] for item in report["items"] if item["status"] == "failed"}
    assert failed and all(url.startswith("https://pic.twitter.com/") for url in failed)
    signatures = [item for item in report["items"] if item["citation"]["url"] is None]
    assert signatures, "the seed's pasted signatures are reported"
    yoopya = next(s for s in signatures if s["citation"]["author_handle"] == "yoopya")
    assert yoopya["status"] == "unresolved"
    assert yoopya["citation"]["posted_at"] == "2024-09-25"
    assert "could not be followed" in yoopya["reason"]


def test_collect_missing_file_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "collect", "no/such/file.html"])
    assert result.exit_code == 1
    assert result.stderr == "error: no such file: no/such/file.html\n"


def test_unreachable_article_is_recorded_as_a_failed_capture(
    world_env: World, tmp_path: Path
) -> None:
    url = "https://unreachable.invalid/article.html"
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "collect", url])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: could not read the article at {url}")
    capture_id = result.stderr.rsplit("recorded as ", 1)[1].rstrip(")\n")
    shown = CliRunner().invoke(app, ["--home", str(tmp_path), "show", capture_id, "--json"])
    record = json.loads(shown.stdout)
    assert record["status"] == "failed" and record["requested_url"] == url


def test_extract_then_collect_captures_what_the_file_cites(
    world_env: World, tmp_path: Path
) -> None:
    """`extract` stores the source without targets; `collect` must not reuse it as is."""
    article = tmp_path / "article.html"
    article.write_text(
        '<html><body><article><p>Read <a href="https://www.example.test/static/page.html">'
        "this page</a>.</p></article></body></html>"
    )
    home = tmp_path / "home"
    extracted = CliRunner().invoke(app, ["--home", str(home), "extract", str(article)])
    assert extracted.exit_code == 0, extracted.stderr
    report = _collect(home, str(article))
    urls = {item["url"]: item["status"] for item in report["items"]}
    assert urls == {"https://www.example.test/static/page.html": "complete"}


def test_a_failed_save_of_the_article_leaves_no_source(
    world_env: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The source and the capture it was read from are one transaction: a failure (or a crash)
    in between leaves neither, so the next run stores one source, not a second."""
    import collector.collect.source as source

    def no_room(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    home = tmp_path / "home"
    with monkeypatch.context() as failing:
        failing.setattr(source, "insert_rows", no_room)
        failed = CliRunner().invoke(app, ["--home", str(home), "collect", ARTICLE])
    assert failed.exit_code == 1
    with sqlite3.connect(home / "evidence.db") as db:
        assert db.execute("SELECT count(*) FROM source").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM blob").fetchone() == (0,)
    _collect(home, ARTICLE)
    with sqlite3.connect(home / "evidence.db") as db:
        assert db.execute("SELECT count(*) FROM source").fetchone() == (1,)


def _has_schema(home: Path) -> bool:
    if not (home / "evidence.db").exists():
        return False
    with sqlite3.connect(home / "evidence.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    return {"blob", "source", "custody_event", "timestamp_token"} <= tables


def _leftovers(home: Path) -> tuple[list[str], list[tuple[str, int]]]:
    """Blob rows no evidence names, and locations stored as more than one source."""
    with sqlite3.connect(home / "evidence.db") as db:
        blobs = {sha for (sha,) in db.execute("SELECT sha256 FROM blob")}
        named = {sha for (sha,) in db.execute(
            "SELECT blob_sha256 FROM artifact UNION SELECT content_sha256 FROM source "
            "UNION SELECT token_sha256 FROM timestamp_token")}  # fmt: skip
        for (payload,) in db.execute(
            "SELECT payload FROM custody_event WHERE action = 'source.extracted'"
        ):
            named.add(json.loads(payload).get("rendered_sha256"))
        duplicates = db.execute(
            "SELECT location, count(*) FROM source GROUP BY location HAVING count(*) > 1"
        ).fetchall()
    return sorted(blobs - named), duplicates


def test_kill_9_at_several_points_leaves_nothing_half_stored(
    world_env: World, tmp_path: Path
) -> None:
    """kill -9 a collect at several moments; after each: no unreferenced Blob row, no second
    source; the last run completes and the archive verifies."""
    import os
    import signal
    import subprocess
    import sys
    import time

    home = tmp_path / "home"
    evidence = str(Path(sys.executable).with_name("evidence"))
    command = [evidence, "--home", str(home), "collect", "--json", ARTICLE]
    for delay in (1.0, 2.5, 4.0, 6.0):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if _has_schema(home):  # a kill during the first run's migrations leaves none yet
            assert _leftovers(home) == ([], []), f"after a kill at {delay} s"
    report = _collect(home, ARTICLE)
    assert report["items"] and all(i["status"] != "failed" for i in report["items"])
    assert _leftovers(home) == ([], [])
    verified = CliRunner().invoke(app, ["--home", str(home), "verify", "--json"])
    assert verified.exit_code == 0, verified.stdout[-2000:]
