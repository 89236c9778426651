"""The full-page screenshot shows every lazily loaded image, checked in its pixels.

The heavy page (`tests/world/news.py`) has 40 images: 10 plain, 10 with native
`loading="lazy"` and 20 that a script loads when an IntersectionObserver sees them (Scoop's
screenshot of such a page shows 15 of them as placeholders). Each image is a band of a colour
of its own over noise, so counting that colour's pixels in the screenshot says whether that
very image was drawn. A plain visit of the same page (load, full-page screenshot, no scroll)
is the control: there the script-lazy images below the first screen stay placeholders, so
the page does test lazy loading.
"""

import io
from collections.abc import Iterator

import numpy
import pytest
from PIL import Image

from tests.capture.conftest import EngineRunner
from tests.world import news

TOLERANCE = 4
"""Per channel: PNG is lossless and the images are drawn at their natural size."""
DRAWN = 0.9
"""An image counts as drawn when this share of its colour band is in the screenshot."""


@pytest.fixture(scope="module")
def site() -> Iterator[news.NewsSite]:
    served = news.NewsSite().start()
    yield served
    served.stop()


def drawn_images(png: bytes) -> set[int]:
    """The heavy images whose colour band is in the screenshot."""
    pixels = numpy.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(numpy.int16)
    band = news.HEAVY_SIZE[0] * news.HEAVY_SOLID_ROWS
    found = set()
    for index in range(news.HEAVY_IMAGES):
        colour = numpy.array(news.heavy_colour(index), dtype=numpy.int16)
        close = (numpy.abs(pixels - colour) <= TOLERANCE).all(axis=2)
        if int(close.sum()) >= DRAWN * band:
            found.add(index)
    return found


def test_every_lazy_image_is_drawn_in_the_full_page_screenshot(engine: EngineRunner, site):
    result = engine.capture(f"{site.origin}/heavy.html")
    assert result.status == "complete", result.status_reason
    shots = [a for a in result.artifacts if a.role == "screenshot-full"]
    assert len(shots) == 1  # the page is shorter than one tile
    assert drawn_images(shots[0].data) == set(range(news.HEAVY_IMAGES))


def test_a_visit_without_scrolling_leaves_the_script_lazy_images_as_placeholders(
    engine: EngineRunner, site
):
    async def plain_visit() -> bytes:
        browser = await engine.engine.browser()
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            page = await context.new_page()
            await page.goto(f"{site.origin}/heavy.html", wait_until="load")
            return await page.screenshot(full_page=True)
        finally:
            await context.close()

    drawn = drawn_images(engine.call(plain_visit()))
    first_screen = set(range(news.HEAVY_PLAIN))  # the plain images load whatever happens
    assert first_screen <= drawn
    script_lazy = set(range(news.HEAVY_PLAIN + news.HEAVY_NATIVE_LAZY, news.HEAVY_IMAGES))
    assert len(script_lazy - drawn) >= 15
