"""The evidence card: screenshot on top, unchanged; a footer with URL, UTC time, hash, id."""

import hashlib
import io
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageChops, ImageDraw

from collector.platforms.evidence_card import card_lines, font_file_for, render_card
from collector.platforms.imaging import ImageRejected

MOMENT = datetime(2026, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
URL = "https://twitter.com/RailsGirlsSoC/status/702136612822634496"


def screenshot(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for y in range(0, size[1], 50):
        draw.line([(0, y), (size[0], y + 20)], fill=(y % 255, 0, 120), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_card_lines_state_the_facts() -> None:
    data = screenshot()
    digest = hashlib.sha256(data).hexdigest()
    assert card_lines(URL, MOMENT, digest, "cap_01abc") == [
        f"URL: {URL}",
        "Captured (UTC): 2026-03-01T12:30:45.123456Z",
        f"Screenshot SHA-256: {digest}",
        "Capture id: cap_01abc",
    ]


def test_card_keeps_the_screenshot_and_adds_a_footer() -> None:
    data = screenshot()
    card = Image.open(io.BytesIO(render_card(data, URL, MOMENT, "cap_01abc")))
    assert card.format == "PNG"
    assert card.width == 900  # minimum card width for a readable footer
    assert card.height > 600 + 80
    top = card.crop((0, 0, 800, 600)).convert("RGB")
    assert ImageChops.difference(top, Image.open(io.BytesIO(data)).convert("RGB")).getbbox() is None
    footer = card.crop((0, 601, card.width, card.height)).convert("L")
    low, high = footer.getextrema()
    assert low < 100 < high  # dark text on the light footer


def test_wide_screenshot_is_scaled_and_tall_one_cut() -> None:
    card = Image.open(io.BytesIO(render_card(screenshot((3200, 14000)), URL, MOMENT, "cap_x")))
    assert card.width == 1600
    assert 6000 < card.height < 6400


def test_corrupt_screenshot_is_rejected() -> None:
    data = screenshot()
    with pytest.raises(ImageRejected):
        render_card(data[:200], URL, MOMENT, "cap_x")


def test_post_card_image_is_named_and_the_reason_given() -> None:
    digest = hashlib.sha256(b"card").hexdigest()
    notes = ["Page screenshot not used: the page was judged blank."]
    lines = card_lines(URL, MOMENT, digest, "cap_01abc", "Post card", notes)
    assert lines[2] == f"Post card SHA-256: {digest}"
    assert lines[-1] == notes[0]
    data = screenshot()
    plain = Image.open(io.BytesIO(render_card(data, URL, MOMENT, "cap_x")))
    noted = Image.open(
        io.BytesIO(render_card(data, URL, MOMENT, "cap_x", image_label="Post card", notes=notes))
    )
    assert noted.height > plain.height, "the notes add footer lines"
    top = noted.crop((0, 0, 800, 600)).convert("RGB")
    assert ImageChops.difference(top, Image.open(io.BytesIO(data)).convert("RGB")).getbbox() is None


def test_url_in_other_scripts_is_drawn_with_a_font_that_has_its_glyphs() -> None:
    """Pillow's default font is Latin only; the URL line gets an installed font covering it
    (fonts from `make install`: the test fails without them)."""
    from fontTools.ttLib import TTFont

    for url in ("https://пример.рф/статья", "https://例子.中国/新闻/文章", "https://مثال.مصر/خبر"):
        characters = frozenset(f"URL: {url}") - {" "}
        found = font_file_for(characters)
        assert found is not None, "fontconfig's fc-match is missing"
        with TTFont(found[0], fontNumber=found[1], lazy=True) as font:
            covered = font.getBestCmap()
        absent = sorted(f"U+{ord(c):04X}" for c in characters if ord(c) not in covered)
        assert not absent, f"{found[0]} lacks {absent} for {url}; run `make install`"


def test_a_long_url_in_a_wide_script_wraps_inside_the_card() -> None:
    url = "https://例子.中国/" + "新闻" * 80
    card = Image.open(io.BytesIO(render_card(screenshot(), url, MOMENT, "cap_x"))).convert("L")
    footer = card.crop((0, 601, card.width, card.height))
    ink = footer.point(lambda v: 255 if v < 128 else 0).getbbox()
    assert ink is not None and ink[2] <= card.width - 16 + 1  # inside the right padding
    plain = Image.open(io.BytesIO(render_card(screenshot(), URL, MOMENT, "cap_x")))
    assert card.height > plain.height + 3 * 20  # the URL took several lines
