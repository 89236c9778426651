"""PNG screenshots through the DevTools protocol with `optimizeForSpeed`.

Playwright's `page.screenshot` asks Chromium for a PNG at zlib's default effort. Chromium's
`Page.captureScreenshot` takes `optimizeForSpeed`, which encodes the same pixels with a faster
zlib setting: measured on a 1280 x 7,300 px news page (headless shell 156, warm browser),
0.19 s instead of 0.45 s through Playwright, a file about 20 % larger, and the decoded pixels
identical (Pillow's `ImageChops.difference` has no bounding box). The full-page shot is taken
as Playwright takes it: `captureBeyondViewport` with a clip of the document's size (measured
as Playwright measures it) at scale 1, after the document's fonts are ready. Playwright has
no option for it, hence this module.
"""

import base64

from playwright.async_api import Page

FONTS_READY_SCRIPT = "document.fonts ? document.fonts.ready.then(() => true) : true"
FULL_SIZE_SCRIPT = """() => {
  const b = document.body, e = document.documentElement;
  const most = name => Math.max(b ? b[name] : 0, e ? e[name] : 0);
  return [Math.max(most('scrollWidth'), most('offsetWidth'), most('clientWidth')),
          Math.max(most('scrollHeight'), most('offsetHeight'), most('clientHeight'))];
}"""
"""The document's size as Playwright measures it for a full-page screenshot."""


async def png(page: Page, *, full_page: bool = False) -> bytes:
    """The page as PNG: the viewport, or (`full_page`) the whole document."""
    await page.evaluate(FONTS_READY_SCRIPT)
    session = await page.context.new_cdp_session(page)
    try:
        params: dict[str, object] = {"format": "png", "optimizeForSpeed": True}
        if full_page:
            width, height = await page.evaluate(FULL_SIZE_SCRIPT)
            params["captureBeyondViewport"] = True
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        answer = await session.send("Page.captureScreenshot", params)
    finally:
        await session.detach()
    return base64.b64decode(answer["data"])
