"""`--vantage PROXY` end to end: real Chromium through loopback CONNECT proxies in front of a
site that serves another page to another network exit (connections from 127.0.0.2), so both
agreement and disagreement are recorded; a dead proxy; a proxy whose secret never reaches the
archive."""

import base64
import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from archive.archive import Archive
from archive.errors import EvidenceError
from collector.cli.app import app
from collector.cli.cmd_serve import collect_runner
from collector.web.app import create_app
from collector.web.auth import prepare_token
from collector.web.jobs import Job, JobKind
from tests.world.proxy import ConnectProxy, Socks5Proxy
from tests.world.server import World, free_port

pytestmark = pytest.mark.browser
OTHER_EXIT = "127.0.0.2"
SECRET = "vantage-s3cret-9f2c"


def _page(title: str, description: str, band: str) -> bytes:
    """A page whose screenshot is half black (top or bottom) so pHashes differ clearly."""
    block = f"position:absolute;left:0;right:0;height:50vh;{band}:0;background:#000"
    style = f"body{{margin:0}}div{{{block}}}"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:description" content="{description}"><style>{style}</style>'
        f"</head><body><h1>{title}</h1><div></div></body></html>"
    ).encode()


HOME_PAGE = _page("Statement", "The statement as served at home.", "top")
REGIONAL_PAGE = _page(
    "Regional notice", "This statement is not available in your region.", "bottom"
)


class _Regional(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/article":
            port = self.server.server_address[1]
            body = (
                "<!doctype html><html><head><title>Report</title></head><body><article>"
                "<h1>Report</h1><p>The ministry's statement, as published: "
                f'<a href="http://127.0.0.1:{port}/statement">the statement</a>.</p>'
                "</article></body></html>"
            ).encode()
        elif self.path == "/statement":
            body = REGIONAL_PAGE if self.client_address[0] == OTHER_EXIT else HOME_PAGE
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Regional)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxies() -> Iterator[tuple[ConnectProxy, ConnectProxy]]:
    """A credentials-bearing proxy on the same exit as the direct capture, and another exit."""
    same = ConnectProxy(credentials=f"investigator:{SECRET}").start()
    other = ConnectProxy(source=OTHER_EXIT).start()
    yield same, other
    same.stop()
    other.stop()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCE_ALLOW_PRIVATE", "1")
    monkeypatch.setenv("EVIDENCE_TIMEOUT_S", "20")
    monkeypatch.delenv("EVIDENCE_TSA_URLS", raising=False)


def _run(home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    assert result.exit_code == 0, result.stderr or result.stdout
    return result.stdout


def _archived_bytes(home: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file of the archive home, gzip members (WARCs) decompressed."""
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data += gzip.decompress(data)
            yield path, data


def test_capture_through_vantages_agrees_differs_and_survives_a_dead_proxy(
    site: str,
    proxies: tuple[ConnectProxy, ConnectProxy],
    test_world: World,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    echo = test_world.https("/ip")
    monkeypatch.setenv("EVIDENCE_VANTAGE_ECHO_URL", echo)
    monkeypatch.setenv("EVIDENCE_EXTRA_CA_FILE", str(test_world.ca_file))
    same, other = proxies
    dead_port = free_port()
    dead = f"http://investigator:{SECRET}@127.0.0.1:{dead_port}"
    home = tmp_path / "home"
    url = f"{site}/statement"
    args = ["capture", "--json", url, "--vantage", same.url, "--vantage", other.url]
    [row] = json.loads(_run(home, *args, "--vantage", dead))

    assert row["status"] == "complete", row["status_reason"]
    assert SECRET in same.url and same.tunnels, "the vantage authenticated with its secret"
    assert other.tunnels, "the other exit was used"
    agreeing, differing, failed = row["vantages"]
    assert agreeing["proxy"] == f"http://127.0.0.1:{same.server_address[1]}", "no credentials"
    assert agreeing["status"] == "complete", agreeing["reason"]
    assert agreeing["agrees"] is True and agreeing["post_agrees"] is True
    assert agreeing["server_html_equal"] is True
    assert agreeing["screenshot_phash_distance"] <= 8
    assert differing["status"] == "complete", differing["reason"]
    assert differing["agrees"] is False and differing["post_agrees"] is False
    assert differing["server_html_equal"] is False
    assert differing["screenshot_phash_distance"] > 8
    assert failed["proxy"] == f"http://127.0.0.1:{dead_port}", "no credentials"
    assert failed["status"] == "failed" and failed["reason"]
    assert failed["capture_id"], "a dead vantage is still a recorded (failed) capture"
    assert failed["agrees"] is None
    assert (agreeing["exit_ip"], differing["exit_ip"], failed["exit_ip"]) == (
        "127.0.0.1",
        OTHER_EXIT,
        None,
    ), "the echo service saw each exit; through a dead proxy nothing"

    shown = json.loads(_run(home, "show", "--json", row["capture_id"]))
    comparisons = shown["vantage_comparisons"]
    by_vantage = {c["vantage_capture_id"]: c for c in comparisons}
    assert set(by_vantage) == {v["capture_id"] for v in (agreeing, differing, failed)}
    regional = by_vantage[differing["capture_id"]]
    assert regional["comparison"]["post"]["differences"] == ["text"]
    assert regional["comparison"]["post"]["vantage"]["text"].startswith("This statement is not")
    assert (
        regional["comparison"]["server_html"]["main"]
        != regional["comparison"]["server_html"]["vantage"]
    )
    other_side = json.loads(_run(home, "show", "--json", differing["capture_id"]))
    assert other_side["details"]["vantage"] == {
        "proxy": other.url, "exit_ip": OTHER_EXIT, "exit_ip_source": echo,
        "corroborates": row["capture_id"],
    }  # fmt: skip
    assert other_side["proxy"] == other.url
    assert [c["seq"] for c in other_side["vantage_comparisons"]] == [regional["seq"]]
    events = json.loads(_run(home, "list", "events", "--json"))
    assert [e["action"] for e in events].count("vantage.compared") == 3
    text = _run(home, "show", row["capture_id"])
    assert "Vantage comparisons" in text and differing["capture_id"] in text

    manifest = next(a for a in other_side["artifacts"] if a["role"] == "manifest")
    with Archive.open(home) as archive:
        signed = json.loads(archive.blobs.get(manifest["blob_sha256"]))
        assert signed["capture"]["details"]["vantage"]["proxy"] == other.url, "in the manifest"
        tokens, token = prepare_token(archive.home / "keys", None)
        with TestClient(create_app(archive, tokens)) as client:
            page = client.get(
                f"/captures/{row['capture_id']}", headers={"Authorization": f"Bearer {token}"}
            )
    assert page.status_code == 200
    assert "Other vantages" in page.text and differing["capture_id"] in page.text
    assert "served content differs" in page.text and "served content agrees" in page.text

    basic = base64.b64encode(f"investigator:{SECRET}".encode())
    for path, data in _archived_bytes(home):
        assert SECRET.encode() not in data, path
        assert basic not in data, path


def test_collect_with_a_vantage_compares_each_cited_item(
    site: str, proxies: tuple[ConnectProxy, ConnectProxy], tmp_path: Path
) -> None:
    _same, other = proxies
    home = tmp_path / "home"
    report = json.loads(_run(home, "collect", "--json", f"{site}/article", "--vantage", other.url))
    assert report["article"]["status"] == "complete"
    [item] = report["items"]
    assert item["url"].endswith("/statement") and item["status"] == "complete", item["reason"]
    [vantage] = item["vantages"]
    assert vantage["corroborates"] == item["capture_id"]
    assert vantage["status"] == "complete" and vantage["agrees"] is False
    assert vantage["server_html_equal"] is False

    again = json.loads(_run(home, "collect", "--json", f"{site}/article"))
    [reused] = again["items"]
    assert reused["status"] == "reused" and reused["capture_id"] == item["capture_id"], (
        "the regional vantage capture is newer but never stands in for the normal capture"
    )
    rechecked = json.loads(_run(home, "recheck", "--json", item["target_id"]))
    [result] = rechecked["results"]
    assert result["previous_capture_id"] == item["capture_id"]
    assert result["changes"] == [], "a vantage's other version is not a change of the target"


def test_viewer_collects_use_the_vantages_serve_was_given(
    site: str, proxies: tuple[ConnectProxy, ConnectProxy], tmp_path: Path
) -> None:
    same, _other = proxies
    article = f"{site}/article"
    with Archive.open(tmp_path / "home") as archive:
        with pytest.raises(EvidenceError):
            collect_runner(archive, ["gopher://127.0.0.1:70"])
        run = collect_runner(archive, [same.url])
        report = run(Job(1, article, article, JobKind.COLLECT, None), lambda *_: None)
    [item] = report["items"]
    [vantage] = item["vantages"]
    assert vantage["status"] == "complete" and vantage["agrees"] is True, vantage
    assert SECRET not in json.dumps(report), "the job page never shows the proxy secret"


def test_a_socks5_vantage_is_captured_and_compared(site: str, tmp_path: Path) -> None:
    socks = Socks5Proxy().start()
    try:
        [row] = json.loads(
            _run(tmp_path, "capture", "--json", f"{site}/statement", "--vantage", socks.url)
        )
    finally:
        socks.stop()
    [vantage] = row["vantages"]
    assert socks.tunnels, "the vantage capture went through the SOCKS5 proxy"
    assert vantage["proxy"] == socks.url and vantage["status"] == "complete", vantage["reason"]
    assert vantage["agrees"] is True


def test_vantage_cannot_go_to_the_queue(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(tmp_path),
            "collect",
            "https://example.org/a",
            "--queue",
            "--vantage",
            "http://127.0.0.1:9",
        ],
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --vantage") and "Traceback" not in result.stderr
