"""Real Chromium against the world's x.com status pages, drawn by the world's stand-in for X's
web client (tests/world/site/x-client-standin.js, NOT X's code) from recorded answers: a post
with a recording is a complete page that shows it, a post without one is X's "unavailable"
page, and X's shell whose script is missing stays honestly blank."""

import io

import pytest
from PIL import Image

from archive.vocabulary import CaptureStatus, PageVerdict
from collector.capture.result import CaptureResult
from tests.capture.conftest import EngineRunner
from tests.capture.warcs import responses
from tests.world.server import World
from tests.world.sites import CLIENT_HOST, CLIENT_PATH, CLIENT_URL, Recorded

pytestmark = pytest.mark.browser

UASMART = "https://x.com/UaSmart/status/934106870834454529"
"""A recorded x.com page (metascraper's): the stand-in draws it from the page's metadata."""
RAILS_GIRLS = "https://x.com/RailsGirlsSoC/status/702136612822634496"
"""A post with only a recorded oEmbed answer: reached through the migrate hop."""
UNRECORDED = "https://x.com/nobody_recorded/status/1700000000000000099"


def _dom(result: CaptureResult) -> str:
    dom = result.artifact("dom")
    assert dom is not None
    return dom.data.decode()


def _colours(result: CaptureResult) -> int:
    shot = result.artifact("screenshot-viewport")
    assert shot is not None
    with Image.open(io.BytesIO(shot.data)) as image:
        return len(image.convert("RGB").getcolors(1 << 16) or range(1 << 16))


@pytest.mark.parametrize(
    ("url", "name", "text"),
    [
        (UASMART, "SmartUA", "Y terminamos el dia con Cultura de empresa con @patoroco"),
        (RAILS_GIRLS, "Rails Girls Summer of Code", "Our 2016 fundraising campaign is now open!!"),
        (
            "https://x.com/bpoweski/status/71633762",
            "Ben Poweski",
            "working on my Ruby Security book",
        ),
    ],
)
def test_a_recorded_post_is_drawn_and_complete(
    engine: EngineRunner, url: str, name: str, text: str
) -> None:
    result = engine.capture(url)
    assert result.details["page_verdict"]["verdict"] == PageVerdict.PAGE, result.details
    assert result.status == CaptureStatus.COMPLETE, result.status_reason
    assert _colours(result) > 16, "the screenshot shows a drawn page, not one colour"
    dom = _dom(result)
    assert 'data-testid="tweet"' in dom and text in dom and name in dom
    assert "@" + url.split("/")[3] in dom
    assert "stand-in for X's web client" in dom, "the drawn page says who drew it"
    recorded = responses(result)
    assert recorded[CLIENT_URL].startswith(b"HTTP/1.1 200"), "the client is in the WARC"
    assert b"NOT X'S CODE" in recorded[CLIENT_URL]


def test_the_oembed_answer_the_page_drew_from_is_in_the_warc(engine: EngineRunner) -> None:
    result = engine.capture(RAILS_GIRLS)
    asked = [url for url in responses(result) if url.startswith("https://publish.twitter.com/")]
    assert len(asked) == 1 and "callback=" in asked[0]
    assert b"Our 2016 fundraising campaign" in responses(result)[asked[0]]
    assert '<time datetime="2016-02-23T' in _dom(result), "time from the post id"


def test_a_post_without_a_recording_is_unavailable(engine: EngineRunner) -> None:
    result = engine.capture(UNRECORDED)
    judged = result.details["page_verdict"]
    assert judged["verdict"] == PageVerdict.UNAVAILABLE, judged
    assert judged["reason"] == "X shows that the post is unavailable"
    assert any("doesn't exist" in signal for signal in judged["signals"]), judged
    assert result.status == CaptureStatus.PARTIAL
    assert 'data-testid="tweet"' not in _dom(result)


def test_the_shell_without_its_script_renders_blank(
    engine: EngineRunner, test_world: World
) -> None:
    """X's application shell whose client script is missing (404) renders nothing: blank."""
    missing = Recorded(404, [("Content-Type", "text/plain")], b"not found")
    test_world.sites.override(CLIENT_HOST, CLIENT_PATH, missing)
    try:
        result = engine.capture(RAILS_GIRLS)
    finally:
        test_world.sites.override(CLIENT_HOST, CLIENT_PATH, None)
    assert result.final_url == f"{RAILS_GIRLS}?mx=2"
    assert responses(result)[CLIENT_URL].startswith(b"HTTP/1.1 404")
    assert result.details["page_verdict"]["verdict"] == PageVerdict.BLANK
    assert result.status == CaptureStatus.PARTIAL
