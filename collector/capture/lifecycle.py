"""The shared Chromium's lifecycle: start Playwright and the browser, relaunch a browser that
went away, open each capture's context on its recording proxy, and stop.

What the browser shows natively (`presentation.read_native`) is read in a probe browser at the
first launch, or taken from `nativecache` when `native_cache_dir` is set and holds the answer
for this executable; the browser launched must then report the version the probe saw, else
the answer is read afresh and the browser launched again."""

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from archive.errors import EvidenceError, first_line
from archive.timeutil import iso, utcnow
from collector.capture import browser as browsers
from collector.capture import nativecache, presentation
from collector.capture.browsertls import BrowserTLS
from collector.capture.settings import CaptureSettings

CLOSE_TIMEOUT_S = 5.0
NATIVE_KEY = (
    "same resolved path, size, modification time and inode, kernel, Playwright version,"
    " probe flags and script; the launched browser reported the version the probe saw"
)


@dataclass(frozen=True)
class BrowserIdentity:
    """Which browser made the captures, as recorded with each of them."""

    name: str = "Chromium"
    version: str = ""
    origin: str = ""
    executable: str | None = None
    user_agent: str = ""
    changes: dict[str, Any] = field(default_factory=dict, hash=False)
    """What the tool changed in how the browser presents itself (`Presentation.record()`)."""


class BrowserLifecycle:
    """Playwright and one headless Chromium shared by every capture."""

    def __init__(self, settings: CaptureSettings, tls: BrowserTLS | None = None) -> None:
        self.settings = settings
        self.tls = tls
        """Key log and trust of TLS passthrough (None: the browser trusts the recorder's CA)."""
        self.identity = BrowserIdentity()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._presentation: presentation.Presentation | None = None
        self._native: tuple[nativecache.KeptNative, str] | None = None
        """What the plan was made from, and how it was read (`native_read`)."""
        self._launch_lock = asyncio.Lock()

    async def start(self) -> None:
        """Start Playwright and launch the browser."""
        self._playwright = await async_playwright().start()
        await self._launch()

    async def stop(self) -> None:
        """Close the browser (waiting at most CLOSE_TIMEOUT_S) and stop Playwright."""
        if self._browser is not None:
            await _close(self._browser)
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None

    async def _launch(self) -> None:
        await self._launch_planned()
        assert self._browser is not None and self._native is not None
        kept = self._native[0]
        if self._browser.version != kept.version:  # the kept answer was of another build
            self._forget_native()
            await _close(self._browser)
            self._presentation = self._native = None
            await self._launch_planned()

    async def _launch_planned(self) -> None:
        assert self._playwright is not None
        probe_closed = None
        if self._presentation is None:
            self._presentation, probe_closed = await self._plan_presentation()
        plan = self._presentation
        try:
            tls = self.tls
            self._browser, choice = await browsers.launch(
                self._playwright,
                self.settings,
                plan.flags(),
                tls.args() if tls else (),
                tls.env() if tls else None,
            )
        finally:
            if probe_closed is not None:
                await probe_closed
        assert self._native is not None
        kept, how = self._native
        self.identity = BrowserIdentity(
            name=choice.name,
            version=self._browser.version,
            origin=choice.origin,
            executable=choice.executable,
            user_agent=plan.user_agent,
            changes={
                **plan.record(),
                "native_read": {"how": how, "at": kept.read_at, "version": kept.version},
            },
        )

    async def _plan_presentation(
        self,
    ) -> tuple[presentation.Presentation, asyncio.Task[None] | None]:
        """Plan the changes (`presentation.py`) from what the browser shows a page as it is:
        kept from an earlier probe of this executable (`nativecache`), or read in a first
        browser of its own (the user agent is a launch flag), which then closes in the
        returned task, beside the next launch."""
        assert self._playwright is not None
        cache = self._cache_key()
        kept = nativecache.load(*cache) if cache else None
        if kept is not None:
            self._native = (kept, f"kept from a probe browser of this executable ({NATIVE_KEY})")
            return presentation.plan(kept.native, self.settings.user_agent), None
        probe, choice = await browsers.launch(self._playwright, self.settings)
        try:
            native = await presentation.read_native(await probe.new_context())
        except BaseException as exc:
            await _close(probe)
            if isinstance(exc, PlaywrightError):
                where = choice.executable or "Playwright's Chromium"
                raise EvidenceError(f"cannot read what {where} shows: {first_line(exc)}") from exc
            raise
        kept = nativecache.KeptNative(native, probe.version, str(iso(utcnow())))
        self._native = (kept, "read in a probe browser at this start")
        if cache:
            nativecache.save(*cache, kept)
        closed = asyncio.create_task(_close(probe))
        return presentation.plan(native, self.settings.user_agent), closed

    def _cache_key(self) -> tuple[str, str] | None:
        """(folder, key) of the kept native answer, or None (no cache set, or no key)."""
        folder = self.settings.native_cache_dir
        if not folder:
            return None
        assert self._playwright is not None
        choice = browsers.choose_chromium(self._playwright.chromium.executable_path, self.settings)
        executable = choice.executable or self._playwright.chromium.executable_path
        key = nativecache.cache_key(
            executable, browsers.launch_args(), browsers.playwright_version()
        )
        return (folder, key) if key else None

    def _forget_native(self) -> None:
        cache = self._cache_key()
        if cache:
            nativecache.forget(*cache)

    async def browser(self) -> Browser:
        """The shared browser, relaunched if it has gone away."""
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                await self._launch()
        assert self._browser is not None
        return self._browser

    async def new_context(
        self, proxy_port: int, storage_state: dict[str, Any] | None = None
    ) -> BrowserContext:
        """A fresh context whose every request goes through the recorder on `proxy_port`,
        starting from `storage_state` (a logged-in session's cookies and localStorage)."""
        browser = await self.browser()
        settings = self.settings
        context = await browser.new_context(
            proxy={"server": f"http://127.0.0.1:{proxy_port}", "bypass": "<-loopback>"},
            viewport={"width": settings.viewport_width, "height": settings.viewport_height},
            locale=settings.locale,
            timezone_id=settings.timezone,
            ignore_https_errors=self.tls is None,
            service_workers="block",
            accept_downloads=False,
            storage_state=storage_state,  # type: ignore[arg-type]
        )
        assert self._presentation is not None
        await presentation.prepare_context(context, self._presentation)
        return context

    async def new_page(self, context: BrowserContext) -> Page:
        """A page of `context` that shows the planned user agent, metadata and permissions
        (`presentation.py`) before it navigates."""
        page = await context.new_page()
        assert self._presentation is not None
        await presentation.present(context, page, self._presentation, self.settings.locale)
        return page


class Prelaunch:
    """A browser launch begun before the capture engine exists: the key log folder (and NSS
    trust database) and the shared browser, started as a task of the running loop.

    A cold command imports about 1 s of code before it can capture; Chromium's launch (0.5 s,
    almost all of it in Playwright's driver and Chromium, outside this interpreter) runs
    meanwhile. The launch is the one `CaptureEngine` would make: same settings, flags, key
    log, environment, probe or kept native answer, choice of executable. The engine opened
    with the same settings adopts it (`CaptureEngine(settings, prelaunch=...)`); one that was
    never adopted is stopped on leaving `async with`.
    """

    def __init__(self, settings: CaptureSettings) -> None:
        self.settings = settings
        self._tls: BrowserTLS | None = None
        self.lifecycle: BrowserLifecycle | None = None
        self._started: asyncio.Task[None] | None = None
        self._adopted = False

    async def __aenter__(self) -> "Prelaunch":
        self._tls = BrowserTLS(self.settings.extra_ca_file)
        self.lifecycle = BrowserLifecycle(self.settings, self._tls)
        self._started = asyncio.create_task(self.lifecycle.start())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._adopted or self._started is None:
            return
        await asyncio.wait({self._started})
        if not self._started.cancelled():
            self._started.exception()  # retrieved: the error raised by the caller goes on
        assert self.lifecycle is not None and self._tls is not None
        await self.lifecycle.stop()
        self._tls.close()

    def adopt(self, settings: CaptureSettings) -> tuple[BrowserTLS, asyncio.Task[None]]:
        """Hand the launch to the engine of `settings` (which then stops it): its TLS folder
        and the task that ends when the browser is up (raising what the launch raised)."""
        if self._started is None or self._tls is None or self._adopted:
            raise RuntimeError("this prelaunch is not started, or already adopted")
        if settings != self.settings:
            raise RuntimeError("a prelaunch serves only an engine of the same settings")
        self._adopted = True
        return self._tls, self._started


async def _close(browser: Browser) -> None:
    """Close `browser`, waiting at most CLOSE_TIMEOUT_S."""
    with contextlib.suppress(TimeoutError, PlaywrightError):
        await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT_S)
