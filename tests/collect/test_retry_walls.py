"""A capture that landed on a challenge, a wall or a blank page is taken again: `collect` does
not reuse it, `recheck` retries it whatever its age, until the page itself is captured."""

from pathlib import Path

import pytest

from collector.collect.plan import needs_retry, shows_the_page
from tests.collect.conftest import run_json as _run
from tests.world import walls
from tests.world.server import World
from tests.world.sites import Recorded

pytestmark = pytest.mark.browser
CHALLENGED = "https://www.example.test/challenge/cloudflare"
PAGE = "https://www.example.test/static/page.html?n=3"


def test_challenged_capture_is_retried_until_the_page_is_seen(
    world_env: World, tmp_path: Path
) -> None:
    test_world = world_env
    article = tmp_path / "article.html"
    article.write_text(
        f'<article><p>Reported <a href="{CHALLENGED}">here</a> and <a href="{PAGE}">here</a>.'
        "</p></article>"
    )
    home = tmp_path / "home"
    first = {item["url"]: item for item in _run(home, "collect", "--json", str(article))["items"]}
    assert first[CHALLENGED]["status"] == "partial"
    assert "bot-challenge" in first[CHALLENGED]["reason"]
    assert first[PAGE]["status"] == "complete"

    second = {item["url"]: item for item in _run(home, "collect", "--json", str(article))["items"]}
    assert second[PAGE]["status"] == "reused"
    assert second[CHALLENGED]["status"] == "partial", "a challenge page is never reused"
    assert second[CHALLENGED]["capture_id"] != first[CHALLENGED]["capture_id"]

    # Fresh captures (default --older-than 24 h): only the challenged target is retried.
    retried = _run(home, "recheck", "--json")["results"]
    assert [r["url"] for r in retried] == [CHALLENGED]

    page = Recorded(200, list(walls.HTML), walls.COMMENT_RECAPTCHA.encode())
    test_world.sites.override("www.example.test", "/challenge/cloudflare", page)
    try:
        (passed,) = _run(home, "recheck", "--json")["results"]
    finally:
        test_world.sites.override("www.example.test", "/challenge/cloudflare", None)
    assert passed["status"] == "complete"
    changes = {change["field"]: change for change in passed["changes"]}
    assert changes["page_verdict"]["before"] == "bot-challenge"
    assert changes["page_verdict"]["after"] == "page"
    assert _run(home, "recheck", "--json")["results"] == [], "the page was seen: no more retries"


def test_which_captures_stand_for_their_target() -> None:
    judged = {"page_verdict": {"verdict": "page", "reason": None, "signals": []}}
    walled = {"page_verdict": {"verdict": "login-wall", "reason": "x", "signals": ["path: /x"]}}
    assert shows_the_page(judged) and not needs_retry(judged)
    assert not shows_the_page(walled) and needs_retry(walled)
    # recorded before page verdicts existed: not reused by collect, retried by age only
    assert not shows_the_page({}) and not needs_retry({})
    assert not shows_the_page(None) and not needs_retry(None)
