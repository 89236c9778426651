"""The shared Chromium's lifecycle: start Playwright and the browser, relaunch a browser that
went away, open each capture's context on its recording proxy, and stop."""

import asyncio
import contextlib
from dataclasses import dataclass

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from collector.capture import browser as browsers
from collector.capture.browsertls import BrowserTLS
from collector.capture.settings import CaptureSettings

CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class BrowserIdentity:
    """Which browser made the captures, as recorded with each of them."""

    name: str = "Chromium"
    version: str = ""
    origin: str = ""
    executable: str | None = None
    user_agent: str = ""


class BrowserLifecycle:
    """Playwright and one headless Chromium shared by every capture."""

    def __init__(self, settings: CaptureSettings, tls: BrowserTLS | None = None) -> None:
        self.settings = settings
        self.tls = tls
        """Key log and trust of TLS passthrough (None: the browser trusts the recorder's CA)."""
        self.identity = BrowserIdentity()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._launch_lock = asyncio.Lock()

    async def start(self) -> None:
        """Start Playwright and launch the browser."""
        self._playwright = await async_playwright().start()
        await self._launch()

    async def stop(self) -> None:
        """Close the browser (waiting at most CLOSE_TIMEOUT_S) and stop Playwright."""
        if self._browser is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(self._browser.close(), CLOSE_TIMEOUT_S)
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    async def _launch(self) -> None:
        assert self._playwright is not None
        tls = self.tls
        self._browser, choice = await browsers.launch(
            self._playwright,
            self.settings,
            tls.args() if tls else None,
            tls.env() if tls else None,
        )
        context = await self._browser.new_context()
        try:
            page = await context.new_page()
            native = await page.evaluate("navigator.userAgent")
        finally:
            await context.close()
        self.identity = BrowserIdentity(
            name=choice.name,
            version=self._browser.version,
            origin=choice.origin,
            executable=choice.executable,
            user_agent=self.settings.user_agent or native.replace("HeadlessChrome", "Chrome"),
        )

    async def browser(self) -> Browser:
        """The shared browser, relaunched if it has gone away."""
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                await self._launch()
        assert self._browser is not None
        return self._browser

    async def new_context(self, proxy_port: int) -> BrowserContext:
        """A fresh context whose every request goes through the recorder on `proxy_port`."""
        browser = await self.browser()
        settings = self.settings
        return await browser.new_context(
            proxy={"server": f"http://127.0.0.1:{proxy_port}", "bypass": "<-loopback>"},
            viewport={"width": settings.viewport_width, "height": settings.viewport_height},
            locale=settings.locale,
            timezone_id=settings.timezone,
            user_agent=self.identity.user_agent,
            ignore_https_errors=self.tls is None,
            service_workers="block",
            accept_downloads=False,
        )
