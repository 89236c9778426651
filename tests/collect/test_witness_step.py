"""The witness step of `collect`: answers stored with custody events; a witness that times out
or fails leaves the capture complete."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from collector.cli.app import app
from tests.witnesses.services import WitnessServices, json_answer
from tests.world.server import World

pytestmark = pytest.mark.browser
PAGE = "https://www.example.test/static/page.html?n=7"
AVAILABLE = json.dumps(
    {"archived_snapshots": {"closest": {"status": "200", "available": True,
     "url": f"http://web.archive.org/web/20240926010203/{PAGE}", "timestamp": "20240926010203"}}}
)  # fmt: skip


@pytest.fixture
def services(world_env: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[WitnessServices]:
    running = WitnessServices().start()
    monkeypatch.setenv("EVIDENCE_WAYBACK_URL", running.base)
    monkeypatch.setenv("EVIDENCE_TIMEMAP_URL", f"{running.base}/timemap/link")
    monkeypatch.setenv("EVIDENCE_ARCHIVE_TODAY_URL", "")
    yield running
    running.stop()


def _collect(home: Path, tmp_path: Path) -> dict:
    article = tmp_path / "article.html"
    words = "Volunteers reported the page below, which we archived for the record. " * 8
    article.write_text(
        f"<html><head><title>Report</title></head><body><article><h1>Report</h1><p>{words}"
        f'The page is <a href="{PAGE}">here</a>.</p><p>{words}</p></article></body></html>'
    )
    result = CliRunner().invoke(app, ["--home", str(home), "collect", "--json", str(article)])
    assert result.exit_code == 0, result.stderr or result.stdout
    return json.loads(result.stdout)


def _witness_rows(home: Path) -> list[tuple]:
    db = sqlite3.connect(home / "evidence.db")
    return db.execute(
        "SELECT w.service, w.method, w.status, w.memento_url, w.error, w.capture_id,"
        " (SELECT count(*) FROM custody_event e WHERE e.subject_id = w.id"
        "  AND e.action = 'witness.recorded') FROM witness w ORDER BY w.method"
    ).fetchall()


def test_witness_answers_are_stored_with_custody_events(
    services: WitnessServices, tmp_path: Path
) -> None:
    services.answers["/wayback/available"] = [json_answer(AVAILABLE)]
    home = tmp_path / "home"
    report = _collect(home, tmp_path)
    (item,) = report["items"]
    assert item["status"] == "complete"
    by_method = {w["method"]: w for w in item["witnesses"]}
    assert by_method["availability"]["status"] == "found"
    assert by_method["cdx"]["status"] == "failed"  # the fake answers 404
    assert by_method["timemap"]["status"] == "none"
    rows = _witness_rows(home)
    assert [row[1] for row in rows] == ["availability", "cdx", "timemap"]
    assert all(row[5] == item["capture_id"] and row[6] == 1 for row in rows)
    assert rows[0][3].endswith("/web/20240926010203/" + PAGE)
    shown = CliRunner().invoke(app, ["--home", str(home), "show", item["capture_id"]])
    assert shown.exit_code == 0, shown.stderr
    assert "Witnesses" in shown.stdout and "availability" in shown.stdout
    assert "/web/20240926010203/" in shown.stdout
    as_json = CliRunner().invoke(app, ["--home", str(home), "show", "--json", item["capture_id"]])
    witnesses = json.loads(as_json.stdout)["witnesses"]
    assert [w["status"] for w in witnesses] == ["found", "failed", "none"]
    db = sqlite3.connect(home / "evidence.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE witness SET status = 'none'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM witness")


def test_a_witness_that_times_out_leaves_the_capture_complete(
    services: WitnessServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.answers["/wayback/available"] = [json_answer(AVAILABLE)]
    services.delay_s = 3
    monkeypatch.setenv("EVIDENCE_WITNESS_TIMEOUT_S", "0.5")
    home = tmp_path / "home"
    (item,) = _collect(home, tmp_path)["items"]
    assert item["status"] == "complete"
    rows = _witness_rows(home)
    assert len(rows) == 3
    assert all(row[2] == "failed" and "no answer within 0.5 s" in row[4] for row in rows)


def test_collect_resolves_the_seed_signature_and_captures_the_post(
    services: WitnessServices, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.witnesses.test_resolve import QUOTE, REAL, SAME_DAY, cdx, syndication

    monkeypatch.setenv("EVIDENCE_TWITTER_SYNDICATION_URL", services.base)
    services.answers["/cdx/search/cdx"] = [json_answer(cdx([SAME_DAY, REAL]))]
    services.handlers["/tweet-result"] = syndication({SAME_DAY: "Other news", REAL: QUOTE})
    article = tmp_path / "article.txt"
    article.write_text(f"{QUOTE}\n— MAKS 24 🇺🇦👀 (@Maks_NAFO_FELLA) September 25, 2024\n")
    home = tmp_path / "home"
    result = CliRunner().invoke(app, ["--home", str(home), "collect", "--json", str(article)])
    assert result.exit_code == 0, result.stderr or result.stdout
    (item,) = json.loads(result.stdout)["items"]
    assert item["url"] == f"https://x.com/Maks_NAFO_FELLA/status/{REAL}"
    assert item["status"] in ("complete", "partial") and item["capture_id"]
    assert item["found_via"].startswith("resolved from tgt_")
    assert item["resolution"]["status"] == "resolved"
    assert [c["post_id"] for c in item["resolution"]["candidates"]] == [SAME_DAY, REAL]
    assert all(q.get("answer_sha256") for q in item["resolution"]["queries"])
    db = sqlite3.connect(home / "evidence.db")
    (payload,) = db.execute(
        "SELECT payload FROM custody_event WHERE action = 'target.resolved'"
    ).fetchone()
    event = json.loads(payload)
    assert event["candidates"][1]["score"] == 1.0
    warc = home / "blobs" / event["warc_sha256"][:2] / event["warc_sha256"][2:4]
    with (warc / event["warc_sha256"]).open("rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"))
                   for r in ArchiveIterator(stream)]  # fmt: skip
    assert records[0][0] == "warcinfo"
    uris = [uri for kind, uri in records if kind == "response"]
    assert sum("/cdx/search/cdx" in uri for uri in uris) == 2
    assert any(f"id={REAL}" in uri for uri in uris)
