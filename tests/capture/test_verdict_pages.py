"""Real Chromium against the world's challenge, wall, "unavailable", blank and look-alike pages
(tests/world/walls.py, written in the vendors' and platforms' own markup): the page verdict
and the status it gives the capture."""

import json

import pytest

from archive.vocabulary import CaptureStatus, PageVerdict
from tests.capture.conftest import EngineRunner
from tests.world.server import World

pytestmark = pytest.mark.browser

SITE = "https://www.example.test"
X, TIKTOK = "https://x.com", "https://www.tiktok.com/@demo/video"
CASES = [
    (f"{SITE}/challenge/cloudflare", PageVerdict.BOT_CHALLENGE, "header cf-mitigated: challenge"),
    (f"{SITE}/challenge/cloudflare-markup", PageVerdict.BOT_CHALLENGE, "window._cf_chl_opt"),
    (f"{SITE}/challenge/cloudflare-block", PageVerdict.BOT_CHALLENGE, "cf-error-details"),
    (f"{SITE}/challenge/akamai", PageVerdict.BOT_CHALLENGE, "header server: AkamaiGHost"),
    (f"{SITE}/challenge/akamai-cpt", PageVerdict.BOT_CHALLENGE, "/_sec/cp_challenge/"),
    (f"{SITE}/challenge/datadome", PageVerdict.BOT_CHALLENGE, "captcha-delivery.com"),
    (f"{SITE}/challenge/perimeterx", PageVerdict.BOT_CHALLENGE, "px-captcha element"),
    (f"{SITE}/challenge/hcaptcha", PageVerdict.BOT_CHALLENGE, "h-captcha element"),
    (f"{SITE}/challenge/recaptcha", PageVerdict.BOT_CHALLENGE, "unusual traffic"),
    (f"{SITE}/blank/white", PageVerdict.BLANK, "#ffffff"),
    (f"{SITE}/blank/dark", PageVerdict.BLANK, "#000000"),
    (f"{X}/demo_walled/status/1700000000000000001", PageVerdict.LOGIN_WALL, "/i/flow/login"),
    (f"{X}/demo_gone/status/1700000000000000002", PageVerdict.UNAVAILABLE, "doesn't exist"),
    (f"{X}/demo_spa_walled/status/1700000000000000004", PageVerdict.LOGIN_WALL, "/i/flow/login"),
    ("https://www.instagram.com/p/DemoWalled1/", PageVerdict.LOGIN_WALL, "path: /accounts/login/"),
    ("https://www.instagram.com/p/DemoGone2/", PageVerdict.UNAVAILABLE, "isn't available"),
    ("https://www.facebook.com/demopage/posts/101", PageVerdict.LOGIN_WALL, "path: /login/"),
    ("https://www.facebook.com/demopage/posts/102", PageVerdict.UNAVAILABLE, "isn't available"),
    (f"{TIKTOK}/7100000000000000001", PageVerdict.LOGIN_WALL, "path: /login"),
    (f"{TIKTOK}/7100000000000000002", PageVerdict.UNAVAILABLE, "unavailable"),
    ("https://t.me/c/1234567/89", PageVerdict.LOGIN_WALL, "path: /c/1234567/89"),
    ("https://t.me/demonewsdesk/404", PageVerdict.UNAVAILABLE, "post not found"),
]  # fmt: skip


@pytest.mark.parametrize(("url", "verdict", "signal"), CASES, ids=[c[0] for c in CASES])
def test_a_page_in_place_of_the_page_is_partial_and_named(
    engine: EngineRunner, url: str, verdict: PageVerdict, signal: str
) -> None:
    result = engine.capture(url)
    judged = result.details["page_verdict"]
    assert judged["verdict"] == verdict, judged
    assert any(signal in found for found in judged["signals"]), judged
    assert result.status == CaptureStatus.PARTIAL
    assert f"page verdict {verdict}: {judged['reason']}" in (result.status_reason or "")
    json.dumps(result.details)  # stored as JSON


LOOKALIKES = [
    f"{SITE}/lookalike/comment-recaptcha",  # an article with a reCAPTCHA on its comment form
    f"{SITE}/lookalike/mentions",  # an article quoting the walls' and challenges' wording
    "https://x.com/demonewsdesk/status/1700000000000000003",  # a post quoting an unavailable one
    f"{SITE}/static/page.html",
    f"{SITE}/status/404",
]


@pytest.mark.parametrize("url", LOOKALIKES)
def test_look_alikes_stay_pages(engine: EngineRunner, url: str) -> None:
    result = engine.capture(url)
    assert result.details["page_verdict"] == {"verdict": "page", "reason": None, "signals": []}
    assert result.status == CaptureStatus.COMPLETE, result.status_reason


def test_x_migrate_hop_is_served_and_its_shell_is_drawn(
    engine: EngineRunner, test_world: World
) -> None:
    """x.com's interstitial sends a cookie-less browser to twitter.com/x/migrate, which this
    world serves: the capture follows it back to the post on x.com (`?mx=2`), whose shell the
    world's stand-in for X's client draws from the recorded oEmbed answer
    (tests/capture/test_x_client_world.py; without its script the shell is blank)."""
    result = engine.capture("https://x.com/RailsGirlsSoC/status/702136612822634496")
    hops = [(hop["url"].split("?")[0], hop["via"], hop["status"]) for hop in result.redirect_chain]
    assert hops[0] == ("https://x.com/RailsGirlsSoC/status/702136612822634496", "start", 200)
    assert ("https://twitter.com/x/migrate", "meta-refresh", 302) in hops or (
        "https://twitter.com/x/migrate",
        "script",
        302,
    ) in hops
    assert result.final_url == "https://x.com/RailsGirlsSoC/status/702136612822634496?mx=2"
    assert ("twitter.com", "/x/migrate?tok=" + _token_of(result)) in test_world.hits
    assert result.details["page_verdict"]["verdict"] == PageVerdict.PAGE
    assert result.status == CaptureStatus.COMPLETE, result.status_reason


def _token_of(result) -> str:  # noqa: ANN001
    hop = next(h for h in result.redirect_chain if h["url"].startswith("https://twitter.com/"))
    return hop["url"].split("tok=", 1)[1]


def test_a_page_that_hands_off_to_an_app_is_still_judged(engine: EngineRunner) -> None:
    """t.me's post page sends the browser on to `tg://` (no HTTP response for it): the page
    the browser kept is judged, at its own URL. (Its embed widget, where the post itself would
    show, was never recorded: the verdict reads the main document, not its frames.)"""
    result = engine.capture("https://t.me/chollometro/28542")
    assert result.redirect_chain[-1]["url"].startswith("tg://")
    assert result.details["page_verdict"]["verdict"] == PageVerdict.PAGE
