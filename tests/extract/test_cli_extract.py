"""`evidence extract`: file, stdin and URL sources, the JSON contract, the stored rows."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from archive.archive import Archive
from archive.models import Citation, CustodyEvent, Source
from collector.cli.app import app
from tests.extract.conftest import NEWS, SEEDS

runner = CliRunner()

ARTICLE = (
    "<html><head><title>Loopback article</title></head><body><article>"
    + "<p>A paragraph of the article, long enough and with a comma, to be its text.</p>" * 12
    + '<blockquote class="twitter-tweet"><p>Hello</p>&mdash; A (@a) '
    '<a href="https://twitter.com/a/status/42?ref_src=twsrc%5Etfw">May 1, 2020</a></blockquote>'
    "<div id='late'></div>"
    "<script>document.getElementById('late').innerHTML = '<blockquote class=\"twitter-tweet\">"
    '<a href="https://twitter.com/b/status/43">May 2, 2020</a></blockquote>\';</script>'
    "</article></body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        if self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        body = ARTICLE.encode() if self.path == "/article" else b"not here"
        self.send_response(200 if self.path == "/article" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def run(home: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_file_json_contract_and_stored_rows(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = NEWS / "goose3__test_tweet.html"
    code, out, err = run(home, "extract", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"source", "citations"}
    source = data["source"]
    assert (source["kind"], source["location"], source["media_type"]) == (
        "file",
        str(path),
        "text/html",
    )
    (citation,) = data["citations"]
    for key in ("kind", "platform", "url", "post_id", "author_handle", "author_name"):
        assert key in citation
    assert citation["url"] == "https://x.com/derekgreene/status/527783221539643393"
    assert citation["posted_at"] == "2014-10-30"
    assert len(citation["occurrences"]) == 3
    assert set(citation["occurrences"][0]) >= {"raw", "context"}

    with Archive.open(home) as archive, archive.session() as session:
        row = session.get(Source, source["id"])
        assert row is not None and row.kind == "file" and row.content_sha256
        assert archive.blobs.get(row.content_sha256) == path.read_bytes()
        citations = session.exec(select(Citation).where(Citation.source_id == row.id)).all()
        assert [(c.post_id, c.target_id, c.position) for c in citations] == [
            ("527783221539643393", None, 0)
        ]
        events = session.exec(
            select(CustodyEvent).where(CustodyEvent.action == "source.extracted")
        ).all()
        assert [e.subject_id for e in events] == [row.id]
        assert events[0].payload["citation_ids"] == [citations[0].id]


def test_stdin_text_and_table_output(tmp_path: Path) -> None:
    code, out, err = run(
        tmp_path, "extract", "-", stdin=(SEEDS / "article-realrepublic-drones.txt").read_bytes()
    )
    assert code == 0, err
    assert "@yoopya 2024-09-25 (signature)" in out
    assert "pic.twitter.com/Cl7pqsc48D" in out
    code, out, _ = run(tmp_path, "list", "sources", "--json")
    assert json.loads(out)[0]["kind"] == "stdin"


def test_url_with_redirect_is_recorded(tmp_path: Path, server: str) -> None:
    code, out, err = run(tmp_path, "extract", f"{server}/old", "--json", "--allow-private")
    assert code == 0, err
    data = json.loads(out)
    source = data["source"]
    assert source["final_url"] == f"{server}/article"
    assert source["http_status"] == 200
    assert [(hop["status"], hop["location"]) for hop in source["redirects"]] == [(301, "/article")]
    assert source["title"] == "Loopback article"
    assert [c["post_id"] for c in data["citations"]] == ["42"]  # 43 exists only after scripts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/file.html"], "no such file"),
        (["{bin}"], "not an HTML or text document"),
        (["{empty}"], "the document is empty"),
        (["http://127.0.0.1:9/nothing", "--allow-private"], "cannot fetch"),
        (["http://127.0.0.1:9/nothing"], "127.0.0.1 is a loopback address"),
    ],
)
def test_bad_sources_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    binary = tmp_path / "x.html"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    empty = tmp_path / "e.txt"
    empty.write_bytes(b"")
    args = [a.format(bin=binary, empty=empty) for a in args]
    code, out, err = run(tmp_path / "home", "extract", *args)
    assert code == 1
    assert message in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


@pytest.mark.browser
def test_render_adds_embeds_that_scripts_create(tmp_path: Path, server: str) -> None:
    code, out, err = run(
        tmp_path, "extract", f"{server}/article", "--render", "--json", "--allow-private"
    )
    assert code == 0, err
    data = json.loads(out)
    found = {c["post_id"]: [o["via"] for o in c["occurrences"]] for c in data["citations"]}
    assert found["42"] == ["embed", "embed:rendered"]
    assert found["43"] == ["embed:rendered"]
    assert data["source"]["rendered"] is True
