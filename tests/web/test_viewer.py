"""The web viewer: token access, pages, search, and hostile archived content kept inert."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from archive import models
from archive.archive import Archive
from archive.ids import new_id
from archive.models import Artifact, Capture, Citation, PostSnapshot, Source, Target
from collector.web.app import create_app
from collector.web.auth import prepare_token

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, str, dict[str, str]]]:
    archive = Archive.open(tmp_path)
    with archive.session() as s:
        shot = archive.store_blob(s, _png())
        dom = archive.store_blob(s, f"<html><body>{XSS}<p>archived page</p></body></html>".encode())
        source = Source(
            id=new_id("src"), kind="url", location="https://news.example/a", title=f"Article {XSS}"
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
        ids = {"source": source.id, "target": target.id}
        for n, status in enumerate(["complete", "failed"]):
            capture = Capture(
                id=new_id("cap"),
                target_id=target.id,
                requested_url=target.canonical_url,
                final_url=target.canonical_url,
                status=status,
                http_status=200 if status == "complete" else 404,
                started_at=T0 + timedelta(days=n),
                finished_at=T0 + timedelta(days=n, seconds=3),
                tool_version="test",
            )
            s.add(capture)
            s.flush()
            ids[f"capture{n}"] = capture.id
        s.add_all(
            [
                Artifact(
                    id=new_id("art"),
                    capture_id=ids["capture0"],
                    role="screenshot-full",
                    name="screenshot-full.png",
                    blob_sha256=shot.sha256,
                    size=shot.size,
                    media_type="image/png",
                ),
                Artifact(
                    id=new_id("art"),
                    capture_id=ids["capture0"],
                    role="dom",
                    name="dom.html",
                    blob_sha256=dom.sha256,
                    size=dom.size,
                    media_type="text/html",
                ),
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
        ids["shot"], ids["dom"] = shot.sha256, dom.sha256
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
    assert verify.count(">ok<") == 2


def test_hostile_content_stays_inert(world: tuple[TestClient, str, dict[str, str]]) -> None:
    client, token, ids = world
    client.cookies.set("evidence_token", token)
    for path in (
        f"/captures/{ids['capture0']}",
        f"/sources/{ids['source']}",
        "/sources",
        "/search?q=twttr",
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
