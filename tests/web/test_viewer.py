"""The web viewer: token access, pages, search, and hostile archived content kept inert."""

import io
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from archive import models
from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Blob, Capture, Citation, PostSnapshot, Source, Target
from collector.web.app import create_app
from collector.web.auth import prepare_token
from collector.web.jobs import Job, JobQueue
from tests.web.rows import link_capture

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def _png(width: int = 40) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, 30), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


def _artifact(
    capture_id: str, role: str, name: str, blob: Blob, media_type: str, **details: str
) -> Artifact:
    return Artifact(id=new_id("art"), capture_id=capture_id, role=role, name=name,
                    blob_sha256=blob.sha256, size=blob.size, media_type=media_type,
                    details=details)  # fmt: skip


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    archive = Archive.open(tmp_path)
    with archive.session() as s:
        shot = archive.store_blob(s, _png())
        thumb = archive.store_blob(s, _png(8))
        dom = archive.store_blob(s, f"<html><body>{XSS}<p>archived page</p></body></html>".encode())
        case = archive.ensure_case(s, "Fundraising")
        source = Source(
            id=new_id("src"),
            kind="url",
            location="https://news.example/a",
            title=f"Article {XSS}",
            case_id=case.id,
        )
        target = Target(
            id=new_id("tgt"),
            key="twitter:post:20",
            platform="twitter",
            kind="post",
            canonical_url="https://x.com/jack/status/20",
            post_id="20",
        )
        s.add_all([source, target])
        s.flush()
        s.add(
            Citation(
                id=new_id("cit"),
                source_id=source.id,
                target_id=target.id,
                position=0,
                kind="post",
                platform="twitter",
                url=target.canonical_url,
                post_id="20",
                occurrences=[
                    {
                        "raw": "x.com/jack/status/20",
                        "context": "As seen at x.com/jack/status/20 today.",
                    }
                ],
            )
        )
        ids = {"source": source.id, "target": target.id, "case": case.id}
        for n, status in enumerate(["complete", "failed"]):
            capture = Capture(
                id=new_id("cap"),
                target_id=target.id,
                requested_url=target.canonical_url,
                final_url=target.canonical_url,
                status=status,
                status_reason=None if status == "complete" else "HTTP 404 from the server",
                case_id=case.id,
                http_status=200 if status == "complete" else 404,
                started_at=T0 + timedelta(days=n),
                finished_at=T0 + timedelta(days=n, seconds=3),
                tool_version="test",
            )
            s.add(capture)
            s.flush()
            ids[f"capture{n}"] = capture.id
        captured, full = ids["capture0"], "screenshot-full.png"
        s.add_all(
            [
                _artifact(captured, "screenshot-full", full, shot, "image/png"),
                _artifact(captured, "dom", "dom.html", dom, "text/html"),
                _artifact(captured, "thumbnail", "thumb.webp", thumb, "image/webp", of=full),
                PostSnapshot(
                    id=new_id("post"),
                    capture_id=ids["capture0"],
                    platform="twitter",
                    post_id="20",
                    author_handle="jack",
                    text=f"just setting up my twttr {XSS}",
                ),
            ]
        )
        ids["shot"], ids["dom"], ids["thumb"] = shot.sha256, dom.sha256, thumb.sha256
        change = {"field": "availability", "before": "available", "after": "deleted"}
        archive.record(s, "target.changed", "target", target.id,
                       {"from_capture": ids["capture0"], "to_capture": ids["capture1"],
                        "changes": [change]})  # fmt: skip
    tokens, token = prepare_token(archive.home / "keys", None)
    assert token
    with TestClient(create_app(archive, tokens), follow_redirects=False) as client:
        yield client, token, ids
    archive.close()


def test_every_request_needs_the_token(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    for path in (
        "/",
        "/captures",
        f"/captures/{ids['capture0']}",
        f"/blobs/{ids['shot']}",
        "/static/style.css",
    ):
        assert client.get(path).status_code == 401, path
    assert client.get("/", headers={"Authorization": "Bearer wrong-token-value"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_query_token_sets_cookie_and_strips_itself(
    world: tuple[TestClient, str, dict[str, str]],
) -> None:
    client, token, _ = world
    response = client.get(f"/search?q=twttr&token={token}")
    assert response.status_code == 303
    assert response.headers["location"] == "/search?q=twttr"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert client.get("/search?q=twttr").status_code == 200


def test_pages_render(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    home = client.get("/")
    assert home.status_code == 200 and "intact" in home.text
    capture = client.get(f"/captures/{ids['capture0']}").text
    assert f"/blobs/{ids['shot']}" in capture and "just setting up my twttr" in capture
    assert f'src="/captures/{ids["capture0"]}/dom"' in capture and "sandbox" in capture
    target = client.get(f"/targets/{ids['target']}").text
    assert "status: complete → failed" in target and "http_status: 200 → 404" in target
    source = client.get(f"/sources/{ids['source']}").text
    assert "<mark>x.com/jack/status/20</mark>" in source
    assert "twttr" in client.get("/search", params={"q": "TWTTR"}).text
    assert "No posts match." in client.get("/search", params={"q": "nothing-like-this"}).text
    assert client.get("/captures/cap_00000000000000000000000000").status_code == 404
    verify = client.get(f"/captures/{ids['capture0']}/verify").text
    assert verify.count(">ok<") == 3, "screenshot, its thumbnail, DOM"


def test_hostile_content_stays_inert(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    for path in (
        f"/captures/{ids['capture0']}",
        f"/sources/{ids['source']}",
        "/sources",
        "/search?q=twttr",
        "/",
        "/captures",
        f"/cases/{ids['case']}",
    ):
        page = client.get(path)
        assert "<script>alert" not in page.text, path
        assert "&lt;script&gt;" in page.text, path
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
    dom = client.get(f"/captures/{ids['capture0']}/dom")
    assert dom.headers["content-security-policy"].startswith("sandbox;")
    raw = client.get(f"/blobs/{ids['dom']}")
    assert raw.headers["content-security-policy"].startswith("sandbox;")
    assert raw.headers["content-disposition"].startswith("attachment;")
    assert raw.headers["x-content-type-options"] == "nosniff"
    image = client.get(f"/blobs/{ids['shot']}")
    assert image.headers["content-type"] == "image/png" and image.content == _png()


def test_only_artifact_blobs_are_served(
    world: tuple[TestClient, str, dict[str, str]], tmp_path: Path
) -> None:
    client, token, _ = world
    client.cookies.set("evidence_token", token)
    assert client.get("/blobs/" + "0" * 64).status_code == 404
    assert client.get("/blobs/..%2f..%2fevidence.db").status_code == 404


def test_token_is_stored_hashed_and_configurable(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    check, token = prepare_token(keys, None)
    stored = (keys / "web-token.sha256").read_text()
    assert token and token not in stored
    assert (keys / "web-token.sha256").stat().st_mode & 0o777 == 0o600
    again, none = prepare_token(keys, None)
    assert none is None and again.accepts(token)
    renewed, new = prepare_token(keys, None, renew=True)
    assert new and renewed.accepts(new) and not renewed.accepts(token)
    configured, shown = prepare_token(keys, "a-configured-token-123")
    assert shown is None and configured.accepts("a-configured-token-123")


def test_serve_refuses_non_loopback_without_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from collector.cli.app import app

    result = CliRunner().invoke(app, ["--home", str(tmp_path), "serve", "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "bound to loopback unless --allow-remote" in result.stderr


def test_target_page_shows_recheck_changes(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    page = client.get(f"/targets/{ids['target']}").text
    assert "availability available → deleted" in page
    assert f'href="/captures/{ids["capture1"]}">after</a>' in page


def _viewer(archive: Archive, jobs: JobQueue | None = None) -> TestClient:
    tokens, token = prepare_token(archive.home / "keys", "a-configured-token-123")
    client = TestClient(create_app(archive, tokens, jobs), follow_redirects=False)
    client.cookies.set("evidence_token", "a-configured-token-123")
    return client


def test_lists_say_what_each_capture_is(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    home = client.get("/").text
    for words in ("2</strong><span>posts", "0</strong><span>pages", "2</strong><span>captures",
                  "1</strong><span>cited item", "custody events"):  # fmt: skip
        assert words in home, words
    for table in ("post_snapshot", "custody_event", "timestamp_token"):
        assert table not in home, f"a tile labelled with the table name {table}"
    assert "Needs attention" in home and "HTTP 404 from the server" in home
    for page in ("/", "/captures", "/search?q=twttr"):
        text = client.get(page).text
        assert "@jack" in text and "just setting up my twttr" in text, page
        assert f"/blobs/{ids['thumb']}" in text, f"{page}: the screenshot thumbnail"


def test_capture_filters(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    failed = client.get("/captures", params={"status": "failed"}).text
    assert ids["capture1"] in failed and ids["capture0"] not in failed
    options = failed[failed.index('name="status"') :]
    assert options.index("failed (1)") < options.index("complete (1)"), "failed first"
    both = client.get("/captures", params={"platform": "twitter", "case": ids["case"]}).text
    assert ids["capture0"] in both and ids["capture1"] in both
    assert ids["capture0"] not in client.get("/captures", params={"platform": "article"}).text
    assert "No captures match." in client.get("/captures", params={"status": "bogus"}).text


def test_case_page_reads_as_the_case(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    page = client.get(f"/cases/{ids['case']}").text
    assert "Case: Fundraising" in page and "Article &lt;script&gt;" in page
    assert ids["capture1"] in page, "the latest capture of the cited item"
    assert ids["capture0"] not in page, "older captures are on the target page"
    assert "1 failed" in page and "https://x.com/jack/status/20" in page


def test_capture_page_in_reading_order(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    page = client.get(f"/captures/{ids['capture0']}").text
    order = ["@jack", "just setting up my twttr", 'class="shot"', "Manifest SHA-256",
             "Timestamps", "Witnesses", "Custody events", "<h2>Artifacts</h2>"]  # fmt: skip
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions), dict(zip(order, positions, strict=True))
    failed = client.get(f"/captures/{ids['capture1']}").text
    assert failed.index("HTTP 404 from the server") < failed.index("Manifest SHA-256")


def test_recheck_action_queues_a_recheck(tmp_path: Path) -> None:
    seen: list[str] = []

    def rechecker(job: Job, progress: Callable[[str, int | None], None]) -> dict[str, Any]:
        seen.append(job.location)
        return {"results": [], "granted": 0, "failed": 0}

    with Archive.open(tmp_path) as archive:
        with archive.session() as s:
            target_id = link_capture(s, "partial").target_id
        jobs = JobQueue(lambda job, progress: {}, rechecker)
        try:
            with _viewer(archive, jobs) as client:
                assert 'action="/recheck"' in client.get("/captures").text
                done = client.post("/recheck", data={"target_id": target_id})
                assert done.status_code == 303 and done.headers["location"] == "/jobs/1"
                deadline = time.monotonic() + 10
                while jobs.get(1).status != "done":  # type: ignore[union-attr]
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                assert seen == [target_id]
                assert "recheck https://example.org/" in client.get("/jobs/1").text
                assert client.post("/recheck", data={"target_id": "tgt_nope"}).status_code == 404
        finally:
            jobs.stop()
        with _viewer(archive) as client:
            assert 'action="/recheck"' not in client.get("/captures").text
            assert client.post("/recheck", data={"target_id": target_id}).status_code == 404


def test_captures_list_puts_partial_and_failed_first(tmp_path: Path) -> None:
    with Archive.open(tmp_path) as archive:
        with archive.session() as s:
            for n, status in enumerate(("failed", "partial", "complete")):  # oldest first
                at = T0 + timedelta(minutes=n)
                s.add(Capture(id=new_id("cap"), requested_url=f"https://e.org/{status}",
                              status=status, started_at=at, finished_at=at,
                              tool_version="t"))  # fmt: skip
        with _viewer(archive) as client:
            page = client.get("/captures").text
            assert (
                page.index("e.org/partial")
                < page.index("e.org/failed")
                < page.index("e.org/complete")
            )
            home = client.get("/").text
            latest = home[home.index("Latest captures") :]
            assert latest.index("e.org/complete") < latest.index("e.org/failed"), "newest first"


def test_a_get_never_writes_a_custody_event(
    world: tuple[TestClient, str, dict[str, str]], tmp_path: Path
) -> None:
    """Exporting records an `export.created` event, so it is a POST (with the form's button)."""
    client, token, ids = world
    headers = {"Authorization": f"Bearer {token}"}

    def events() -> list[str]:
        with Archive.open(tmp_path) as archive, archive.session() as session:
            return [e.action for e in session.exec(select(models.CustodyEvent))]

    before = events()
    page = client.get(f"/captures/{ids['capture0']}", headers=headers).text
    assert f'action="/export/{ids["capture0"]}" method="post"' in page
    got = client.get(f"/export/{ids['capture0']}?format=report", headers=headers)
    assert got.status_code == 405 and events() == before
    posted = client.post(f"/export/{ids['capture0']}", data={"format": "report"}, headers=headers)
    assert posted.status_code == 200, posted.text
    assert events()[len(before) :].count("export.created") == 1
