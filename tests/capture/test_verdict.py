"""The page verdict's rules as pure functions: screenshots, headers and markup in, verdict out."""

import io

from PIL import Image

from archive.vocabulary import PageVerdict
from collector.capture.pagetext import normalise
from collector.capture.verdict import PageRecord, blank_colour, judge, uniform_colour
from tests.world import walls


def _png(size: tuple[int, int], colour: tuple[int, int, int], dot: bool = False) -> bytes:
    image = Image.new("RGB", size, colour)
    if dot:
        image.putpixel((size[0] - 1, size[1] - 1), (colour[0] ^ 1, colour[1], colour[2]))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


WHITE = _png((64, 40), (255, 255, 255))


def test_one_pixel_of_another_colour_is_not_blank() -> None:
    assert uniform_colour(WHITE) == "#ffffff"
    assert uniform_colour(_png((64, 40), (255, 255, 255), dot=True)) is None
    assert blank_colour([WHITE, _png((64, 40), (255, 255, 255), dot=True)], WHITE) is None


def test_every_tile_must_be_the_same_colour() -> None:
    black = _png((64, 40), (0, 0, 0))
    assert blank_colour([WHITE, WHITE], WHITE) == "#ffffff"
    assert blank_colour([WHITE, black], WHITE) is None
    assert blank_colour([], WHITE) == "#ffffff", "only the viewport shot: judged by it"
    assert blank_colour([], None) is None, "no screenshot: nothing to call blank"


def _judge(url: str, body: str, status: int = 200, headers=(), shots=None):  # noqa: ANN001
    shot = _png((64, 40), (10, 20, 30), dot=True)
    return judge(PageRecord(url, status, list(headers), body, body, None, shots or [shot], shot))


def test_presence_of_a_vendor_is_not_a_challenge() -> None:
    """A Cloudflare-served article (cf-ray, server: cloudflare), a page whose CSP names
    reCAPTCHA, and one titled "Just a moment..." without the challenge script are pages."""
    article = walls.MENTIONS
    served = [("Server", "cloudflare"), ("CF-RAY", "8f1e2d3c4b5a6978-AMS")]
    assert _judge("https://www.example.test/a", article, 200, served).verdict == PageVerdict.PAGE
    csp = [("Content-Security-Policy", "script-src https://www.google.com/recaptcha/")]
    assert _judge("https://www.example.test/a", article, 200, csp).verdict == PageVerdict.PAGE
    titled = "<title>Just a moment...</title><body><p>We are preparing the report.</p></body>"
    assert _judge("https://www.example.test/a", titled).verdict == PageVerdict.PAGE


def test_the_challenge_header_alone_suffices() -> None:
    found = _judge("https://www.example.test/a", "", 403, [("cf-mitigated", "challenge")])
    assert found.verdict == PageVerdict.BOT_CHALLENGE
    assert found.signals[:2] == ["header cf-mitigated: challenge", "status 403"]


def test_site_wording_counts_only_on_the_site() -> None:
    missing = walls.X_MISSING
    assert _judge("https://x.com/a/status/1", missing).verdict == PageVerdict.UNAVAILABLE
    assert _judge("https://www.example.test/a/status/1", missing).verdict == PageVerdict.PAGE
    quoted = walls.X_TWEET_WITH_UNAVAILABLE_QUOTE
    assert _judge("https://x.com/a/status/1", quoted).verdict == PageVerdict.PAGE


def test_a_wall_that_redirects_is_judged_by_its_final_url() -> None:
    landing = "<title>Sign in</title><body><p>Welcome back</p></body>"
    assert _judge("https://x.com/i/flow/login?x=1", landing).verdict == PageVerdict.LOGIN_WALL
    insta = "https://www.instagram.com/accounts/login/?next=%2Fp%2Fabc%2F"
    assert _judge(insta, landing).verdict == PageVerdict.LOGIN_WALL
    assert _judge("https://www.instagram.com/p/abc/", landing).verdict == PageVerdict.PAGE


def test_wording_is_compared_with_plain_apostrophes() -> None:
    plain = "hmm...this page doesn't exist..."
    assert normalise("Hmm...this page doesn\u2019t  exist\u2026") == plain


def test_a_shown_post_sharing_a_gone_post_is_a_page() -> None:
    shared = (
        '<title>Demo Page</title><body><div role="article"><p>Look at this</p>'
        "<div><span>This content isn't available right now</span></div></div></body>"
    )
    post = "https://www.facebook.com/demopage/posts/103"
    assert _judge(post, shared).verdict == PageVerdict.PAGE
    assert _judge(post, walls.FACEBOOK_MISSING).verdict == PageVerdict.UNAVAILABLE


def test_a_screenshot_that_does_not_decode_is_not_called_blank() -> None:
    assert uniform_colour(b"\x89PNG\r\n\x1a\n broken") is None
    assert blank_colour([b"not a png"], None) is None
