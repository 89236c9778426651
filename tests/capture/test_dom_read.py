"""The `dom` step's read of the document in an isolated world of its own (`steps._read_dom`)."""

import asyncio

import pytest
from playwright.async_api import async_playwright

from collector.capture import steps
from collector.capture.browser import choose_chromium, launch_args
from collector.capture.settings import CaptureSettings

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Real title</title></head>
<body><p id="kept">The page as served</p>
<script>
  Object.defineProperty(Element.prototype, 'outerHTML', {get() { return '<p>forged</p>'; }});
  XMLSerializer.prototype.serializeToString = () => '<!DOCTYPE forged>';
  document.getElementById('kept').insertAdjacentHTML('afterend', '<p>added by script</p>');
</script></body></html>"""


async def _reads() -> tuple[tuple[str, str] | None, str, str]:
    async with async_playwright() as playwright:
        choice = choose_chromium(playwright, CaptureSettings())
        browser = await playwright.chromium.launch(
            executable_path=choice.executable, args=launch_args()
        )
        try:
            page = await browser.new_page()
            await page.set_content(PAGE)
            return await steps._read_dom(page), await page.content(), await page.title()
        finally:
            await browser.close()


@pytest.mark.browser
def test_the_dom_is_read_as_playwright_serializes_it_and_page_scripts_cannot_forge_it():
    read, content, title = asyncio.run(_reads())
    assert read == (content, title)
    html, read_title = read
    assert html.startswith('<!DOCTYPE html><html lang="en"><head><title>Real title</title>')
    assert '<p id="kept">The page as served</p><p>added by script</p>' in html
    assert read_title == "Real title"
