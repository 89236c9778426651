"""`evidence recheck` records what changed: a post turned into a tombstone, a page gone."""

from pathlib import Path

import pytest

from tests.collect.conftest import run_json as _run
from tests.world.server import World
from tests.world.sites import Recorded

pytestmark = pytest.mark.browser
POST = "https://x.com/UaSmart/status/934106870834454529"
PAGE = "https://www.example.test/news/volunteers.html"


def test_recheck_finds_deletion_and_link_rot(world_env: World, tmp_path: Path) -> None:
    test_world = world_env
    article = tmp_path / "article.html"
    article.write_text(
        f'<article><p>See <a href="{POST}">the post</a> and <a href="{PAGE}">the page</a>.'
        "</p></article>"
    )
    home = tmp_path / "home"
    report = _run(home, "collect", "--json", str(article))
    targets = {item["url"]: item["target_id"] for item in report["items"]}
    assert set(targets) == {POST, PAGE}

    unchanged = _run(home, "recheck", "--json", targets[PAGE])
    assert [r["changes"] for r in unchanged["results"]] == [[]]

    tombstone = Recorded(200, [("Content-Type", "application/json")],
                         b'{"__typename":"TweetTombstone"}')  # fmt: skip
    gone = Recorded(404, [("Content-Type", "text/html")], b"<h1>gone</h1>")
    test_world.sites.override("cdn.syndication.twimg.com", "/tweet-result", tombstone)
    test_world.sites.override("www.example.test", "/news/volunteers.html", gone)
    test_world.sites.override("x.com", "/UaSmart/status/934106870834454529", gone)
    try:
        rechecked = _run(home, "recheck", "--json", "--older-than", "0")
    finally:
        test_world.sites.override("cdn.syndication.twimg.com", "/tweet-result", None)
        test_world.sites.override("www.example.test", "/news/volunteers.html", None)
        test_world.sites.override("x.com", "/UaSmart/status/934106870834454529", None)
    by_target = {
        r["target_id"]: {c["field"]: c for c in r["changes"]} for r in rechecked["results"]
    }
    post_changes = by_target[targets[POST]]
    assert post_changes["availability"]["before"] == "available"
    assert post_changes["availability"]["after"] in ("deleted", "unknown", "not_found")
    page_changes = by_target[targets[PAGE]]
    assert page_changes["http_status"] == {"field": "http_status", "before": 200, "after": 404}
    assert "content_sha256" in page_changes

    listed = _run(home, "list", "captures", "--changed", "--json")
    assert {row["target_id"] for row in listed} == {targets[POST], targets[PAGE]}
    assert all(row["changes"] for row in listed)
