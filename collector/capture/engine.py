"""The capture engine: one Chromium, a fresh context and recording proxy per capture.

A capture runs named steps inside its time budget: open context -> navigate -> settle (network
quiet, client-side redirects) -> scroll (bounded) -> screenshots -> DOM -> PDF (optional),
then closes the context and turns what was recorded into artifacts. A step that runs out of
time or fails makes the capture `partial` (or `failed` when no page arrived at all); the
engine itself never raises for a bad page.
"""

import asyncio
import contextlib
import inspect
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from archive import __version__ as tool_version
from archive.timeutil import iso, utcnow
from archive.vocabulary import CaptureStatus
from collector.capture import artifacts as build
from collector.capture import browser as browsers
from collector.capture.mitm import InterceptionCA
from collector.capture.netguard import parse_rules
from collector.capture.recorder import Exchange, Limits, Recorder
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.settings import CaptureSettings
from collector.capture.upstream import Connector
from collector.capture.warc import warcinfo_fields, write_warc

ARTIFACT_RESERVE_S = 5.0
"""Time kept back from the page steps for screenshots and DOM of whatever has loaded."""
HARD_LIMIT_GRACE_S = 20.0
"""Beyond the budget, the point where a stuck capture is abandoned outright."""
CLOSE_TIMEOUT_S = 5.0

SCROLL_SCRIPT = """async ([steps, pause, cap]) => {
  const height = () => Math.max(document.documentElement.scrollHeight,
                                document.body ? document.body.scrollHeight : 0);
  let y = 0, done = 0;
  while (done < steps && y + innerHeight < Math.min(height(), cap)) {
    y += innerHeight; window.scrollTo(0, y); done++;
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, pause)));
  }
  window.scrollTo(0, 0);
  return [done, height()];
}"""


Companion = Callable[[str, Path], Awaitable[Any]]


class StepTimeout(Exception):
    """A step ran past the budget."""


class CaptureEngine:
    """Captures URLs with one shared Chromium. Use as `async with CaptureEngine(s) as e:`."""

    def __init__(self, settings: CaptureSettings | None = None) -> None:
        self.settings = settings or CaptureSettings()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._launch_lock = asyncio.Lock()
        self._ca: InterceptionCA | None = None
        self.browser_origin = ""
        self.browser_name = "Chromium"
        self.browser_executable: str | None = None
        self.browser_version = ""
        self.user_agent = ""
        self.connector = Connector(
            rules=parse_rules(self.settings.host_resolver_rules),
            allow_private=self.settings.allow_private,
            proxy=self.settings.proxy,
            ssl_context=_client_ssl_context(self.settings),
        )

    async def __aenter__(self) -> "CaptureEngine":
        self._playwright = await async_playwright().start()
        self._ca = InterceptionCA()
        try:
            await self._launch()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._browser is not None:
            with contextlib.suppress(TimeoutError, PlaywrightError):
                await asyncio.wait_for(self._browser.close(), CLOSE_TIMEOUT_S)
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        if self._ca is not None:
            self._ca.close()
            self._ca = None

    async def _launch(self) -> None:
        assert self._playwright is not None
        self._browser, choice = await browsers.launch(self._playwright, self.settings)
        self.browser_origin = choice.origin
        self.browser_name = choice.name
        self.browser_executable = choice.executable
        self.browser_version = self._browser.version
        context = await self._browser.new_context()
        try:
            page = await context.new_page()
            native = await page.evaluate("navigator.userAgent")
        finally:
            await context.close()
        self.user_agent = self.settings.user_agent or native.replace("HeadlessChrome", "Chrome")

    async def browser(self) -> Browser:
        """The shared browser, relaunched if it has gone away."""
        async with self._launch_lock:
            if self._browser is None or not self._browser.is_connected():
                await self._launch()
        assert self._browser is not None
        return self._browser

    async def capture(self, url: str, companion: Companion | None = None) -> CaptureResult:
        """Capture one URL. Never raises for a bad page: the result says failed or partial.

        `companion(proxy_url, ca_file)` runs beside the page while the recorder is open, so
        the HTTP exchanges it makes through `proxy_url` (trusting `ca_file`) land in the same
        WARC; its return value, or the exception it raised, is `result.companion_result`.
        """
        started = utcnow()
        run = _CaptureRun(self, url, started, companion)
        try:
            async with asyncio.timeout(self.settings.timeout_s + HARD_LIMIT_GRACE_S):
                return await run.execute()
        except TimeoutError:
            return run.failed("capture abandoned: it overran its time budget")
        except PlaywrightError as exc:
            return run.failed(f"browser error: {_first_line(exc)}")
        except Exception as exc:
            return run.failed(f"capture error: {type(exc).__name__}: {_first_line(exc)}")

    @property
    def ca(self) -> InterceptionCA:
        """The interception CA (exists while the engine is open)."""
        assert self._ca is not None, "use CaptureEngine as an async context manager"
        return self._ca


def _client_ssl_context(settings: CaptureSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.extra_ca_file:
        context.load_verify_locations(settings.extra_ca_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _CaptureRun:
    """The state of one capture while its steps run."""

    def __init__(
        self, engine: CaptureEngine, url: str, started: Any, companion: "Companion | None" = None
    ) -> None:
        self.engine = engine
        self.companion = companion
        self.companion_result: Any = None
        self.settings = engine.settings
        self.url = url
        self.started = started
        self.t0 = time.monotonic()
        self.deadline = self.t0 + self.settings.timeout_s
        self.page_deadline = self.deadline - min(ARTIFACT_RESERVE_S, self.settings.timeout_s / 4)
        self.recorder: Recorder | None = None
        self.problems: list[str] = []
        self.fatal: str | None = None
        self.artifacts: list[ArtifactData] = []
        self.timings: dict[str, float] = {}
        self.navigations: list[tuple[str, bool, float]] = []
        self.console: list[dict[str, Any]] = []
        self.browser_failures: list[dict[str, Any]] = []
        self.events: dict[str, list[dict[str, Any]]] = {
            "dialogs": [],
            "popups": [],
            "downloads": [],
            "websockets": [],
        }
        self.title: str | None = None
        self.download = False
        self.page_height: int | None = None

    # -- the steps -------------------------------------------------------------------------

    async def execute(self) -> CaptureResult:
        """Run every step, then build the result from what was recorded."""
        self.recorder = Recorder(
            self.engine.connector,
            self.engine.ca,
            Limits(
                self.settings.max_response_bytes,
                self.settings.max_total_bytes,
                self.settings.long_request_s,
                self.settings.max_decoded_bytes,
            ),
        )
        port = await self.recorder.start()
        context: BrowserContext | None = None
        companion = None
        if self.companion is not None:
            proxy_url = f"http://127.0.0.1:{port}"
            companion = asyncio.create_task(self.companion(proxy_url, self.engine.ca.cert_file))
        try:
            context = await self._step("open context", self._open_context, port)
            if context is None:
                self.fatal = "; ".join(self.problems) or "could not open a browser context"
            else:
                await self._page_steps(context)
        finally:
            began = time.monotonic()
            still_open = self.recorder.still_open()
            if still_open and self.fatal is None:
                self.problems.append(
                    f"{len(still_open)} request(s) still open when the capture ended, cut off"
                    f" (first: {still_open[0]})"
                )
            if context is not None:
                try:
                    await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_S)
                except (TimeoutError, PlaywrightError):
                    self.problems.append("browser context did not close cleanly")
            if companion is not None:
                self.companion_result = await self._finish_companion(companion)
            await self.recorder.close()
            self.timings["close"] = round(time.monotonic() - began, 3)
        began = time.monotonic()
        try:
            result = self._result()
        finally:
            self.recorder.release()
        result.companion_result = self.companion_result
        self.timings["artifacts"] = round(time.monotonic() - began, 3)
        return result

    async def _finish_companion(self, task: "asyncio.Task[Any]") -> Any:
        """The companion's result; an exception (also its timeout) is returned, not raised."""
        remaining = max(1.0, self.deadline - time.monotonic())
        try:
            return await asyncio.wait_for(task, remaining)
        except Exception as exc:  # the page capture stands whatever the companion does
            return exc

    async def _page_steps(self, context: BrowserContext) -> None:
        page = await context.new_page()
        self._watch(context, page)
        page.set_default_timeout(self.settings.timeout_s * 1000)
        await self._step("navigate", self._navigate, page)
        if self.fatal is None and not self._document_arrived():
            self.fatal = "; ".join(self.problems) or "no response for the page"
        if self.fatal is not None or self.download:
            return
        await self._step("settle", self._settle, page)
        main = self._main_exchange()
        if main is not None and main.error:
            self.problems.append(f"the page moved on to {main.url}, which failed: {main.error}")
        await self._step("scroll", self._scroll, page)
        await self._step("screenshots", self._screenshots, page, final=True)
        await self._step("dom", self._dom, page, final=True)
        if self.settings.pdf:
            await self._step("pdf", self._pdf, page, final=True)

    async def _step(
        self, name: str, action: Callable[..., Awaitable[Any]], *args: Any, final: bool = False
    ) -> Any:
        deadline = self.deadline if final else self.page_deadline
        remaining = deadline - time.monotonic()
        began = time.monotonic()
        try:
            if remaining <= 0:
                if any(p.startswith("time budget ran out") for p in self.problems):
                    return None
                raise StepTimeout
            async with asyncio.timeout(remaining):
                return await action(*args)
        except (TimeoutError, StepTimeout):
            self.problems.append(f"time budget ran out during {name}")
        except PlaywrightError as exc:
            if name in ("open context",):
                raise
            self.problems.append(f"{name} failed: {_first_line(exc)}")
        finally:
            self.timings[name] = round(time.monotonic() - began, 3)
        return None

    async def _open_context(self, port: int) -> BrowserContext:
        browser = await self.engine.browser()
        return await browser.new_context(
            proxy={"server": f"http://127.0.0.1:{port}", "bypass": "<-loopback>"},
            viewport={
                "width": self.settings.viewport_width,
                "height": self.settings.viewport_height,
            },
            locale=self.settings.locale,
            timezone_id=self.settings.timezone,
            user_agent=self.engine.user_agent,
            ignore_https_errors=True,
            service_workers="block",
            accept_downloads=False,
        )

    def _watch(self, context: BrowserContext, page: Page) -> None:
        def on_request(request: Any) -> None:
            if request.is_navigation_request() and request.frame == page.main_frame:
                redirected = request.redirected_from is not None
                self.navigations.append((request.url, redirected, time.monotonic() - self.t0))

        def on_console(message: Any) -> None:
            location = message.location or {}
            self.console.append(
                {
                    "time": iso(utcnow()),
                    "type": message.type,
                    "text": message.text,
                    "url": location.get("url"),
                    "line": location.get("lineNumber"),
                }
            )

        def on_dialog(dialog: Any) -> None:
            self.events["dialogs"].append({"type": dialog.type, "message": dialog.message})
            asyncio.ensure_future(_quietly(dialog.dismiss()))

        def on_page(popup: Page) -> None:
            if popup is not page:
                self.events["popups"].append({"url": popup.url, "time": iso(utcnow())})
                asyncio.ensure_future(_quietly(popup.close()))

        page.on("request", on_request)
        page.on("console", on_console)
        page.on(
            "pageerror",
            lambda error: self.console.append(
                {"time": iso(utcnow()), "type": "pageerror", "text": str(error)}
            ),
        )
        page.on("dialog", on_dialog)
        page.on(
            "download",
            lambda d: self.events["downloads"].append(
                {"url": d.url, "suggested_filename": d.suggested_filename}
            ),
        )
        page.on("websocket", lambda ws: self.events["websockets"].append({"url": ws.url}))
        page.on(
            "requestfailed",
            lambda r: self.browser_failures.append(
                {"url": r.url, "method": r.method, "error": r.failure}
            ),
        )
        context.on("page", on_page)

    async def _navigate(self, page: Page) -> None:
        try:
            await page.goto(self.url, wait_until="load")
        except PlaywrightError as exc:
            if "Timeout" in type(exc).__name__ or "Timeout" in str(exc)[:40]:
                raise TimeoutError from None
            if not self._document_arrived():
                self.fatal = f"navigation failed: {_first_line(exc)}"
                return
            if "Download is starting" in str(exc):
                self.download = True
                self.problems.append("the URL starts a download: its bytes are in the WARC only")
                return
            if "ERR_HTTP_RESPONSE_CODE_FAILURE" not in str(exc):  # an error status, recorded
                self.problems.append(f"navigation: {_first_line(exc)}")
        main = self._main_exchange()
        if main is not None and (main.blocked or main.response_head is None):
            self.fatal = main.error or "no response for the page"

    def _document_arrived(self) -> bool:
        """True when the last main-frame request got a response that is not a redirect."""
        main = self._main_exchange()
        if main is None or main.response_head is None or main.blocked:
            return False
        return not (300 <= (main.status or 0) < 400 and main.response_head.get("location"))

    async def _settle(self, page: Page) -> None:
        assert self.recorder is not None
        seen = len(self.navigations)
        for _ in range(10):
            if not await self._quiet():
                raise TimeoutError
            if len(self.navigations) == seen:
                return
            seen = len(self.navigations)
            await page.wait_for_load_state("load")

    async def _quiet(self) -> bool:
        assert self.recorder is not None
        settings = self.settings
        return await self.recorder.wait_quiet(
            settings.quiet_s, self.page_deadline, settings.long_request_s
        )

    async def _scroll(self, page: Page) -> None:
        assert self.recorder is not None
        steps, self.page_height = await page.evaluate(
            SCROLL_SCRIPT,
            [
                self.settings.scroll_steps,
                self.settings.scroll_pause_s * 1000,
                self.settings.max_page_height,
            ],
        )
        if steps and not await self._quiet():
            raise TimeoutError

    async def _screenshots(self, page: Page) -> None:
        url = page.url
        shot = await page.screenshot(type="png")
        self.artifacts.append(
            ArtifactData("screenshot-viewport", "screenshot-viewport.png", "image/png", shot, url)
        )
        height = await page.evaluate(
            "Math.max(document.documentElement.scrollHeight,"
            " document.body ? document.body.scrollHeight : 0)"
        )
        self.page_height = int(height)
        cap = min(self.page_height, self.settings.max_page_height)
        if self.page_height > self.settings.max_page_height:
            self.problems.append(
                f"page is {self.page_height} px tall; full-page screenshot covers the top {cap} px"
            )
        tile = self.settings.tile_height
        if cap <= tile:
            full = await page.screenshot(type="png", full_page=True)
            self.artifacts.append(
                ArtifactData("screenshot-full", "screenshot-full.png", "image/png", full, url)
            )
            return
        width = self.settings.viewport_width
        for index, top in enumerate(range(0, cap, tile), start=1):
            clip = {"x": 0, "y": top, "width": width, "height": min(tile, cap - top)}
            data = await page.screenshot(type="png", full_page=True, clip=clip)
            self.artifacts.append(
                ArtifactData(
                    "screenshot-full",
                    f"screenshot-full-{index:02d}.png",
                    "image/png",
                    data,
                    url,
                    {"tile": index, "top": top, "height": clip["height"]},
                )
            )

    async def _dom(self, page: Page) -> None:
        html = await page.content()
        self.title = await page.title() or None
        self.artifacts.append(
            ArtifactData("dom", "dom.html", "text/html; charset=utf-8", html.encode(), page.url)
        )

    async def _pdf(self, page: Page) -> None:
        data = await page.pdf(print_background=True)
        self.artifacts.append(ArtifactData("pdf", "page.pdf", "application/pdf", data, page.url))

    # -- building the result ---------------------------------------------------------------

    def _main_exchange(self) -> Exchange | None:
        """The exchange that served the last main-frame document."""
        if self.recorder is None or not self.navigations:
            return None
        url = self.navigations[-1][0].split("#", 1)[0]
        for exchange in reversed(self.recorder.exchanges):
            if exchange.url == url and not exchange.companion:
                return exchange
        return None

    def _result(self) -> CaptureResult:
        assert self.recorder is not None
        exchanges = self.recorder.exchanges
        chain = build.redirect_chain(self.navigations, exchanges)
        main = self._main_exchange()
        details: dict[str, Any] = {
            "timings_s": self.timings,
            "browser_origin": self.engine.browser_origin,
            "browser_executable": self.engine.browser_executable,
            **self.events,
        }
        if main is not None and main.response_head is not None:
            is_html = "html" in (main.response_head.get("content-type") or "html").lower()
            role, name = (
                ("server-html", "server.html") if is_html else ("server-body", "server.body")
            )
            media = main.response_head.get("content-type") or "application/octet-stream"
            cap = self.settings.max_decoded_bytes
            body, decoded = build.spooled_artifact(
                role, name, media, main.url, lambda out: build.decoded_body(main, cap, out)
            )
            self.artifacts.append(body)
            if decoded.capped and main.truncated != "length":  # else the recorder said so
                self.problems.append(
                    f"the page's body decoded past the {cap} byte limit (max_decoded_bytes);"
                    f" {name} holds the first {cap} bytes"
                )
            self.artifacts.append(
                build.json_artifact(
                    "response-headers",
                    "response-headers.json",
                    build.response_headers(main),
                    main.url,
                )
            )
            cert_artifact, tls_summary = build.certificate_artifacts(main)
            if cert_artifact is not None:
                self.artifacts.append(cert_artifact)
                details["tls"] = tls_summary
        if chain:
            self.artifacts.append(
                build.json_artifact("redirect-chain", "redirect-chain.json", chain)
            )
        self.artifacts.append(build.json_artifact("console-log", "console.json", self.console))
        failures = build.failed_requests(exchanges, self.browser_failures)
        self.artifacts.append(
            build.json_artifact("failed-requests", "failed-requests.json", failures)
        )
        finished = utcnow()
        if exchanges:
            name = f"capture-{self.started.strftime('%Y%m%dT%H%M%S')}.warc.gz"
            info = warcinfo_fields(
                f"{self.engine.browser_name} {self.engine.browser_version}",
                browsers.playwright_version(),
            )
            info["capture-url"] = self.url
            warc, _ = build.spooled_artifact(
                "warc",
                name,
                "application/warc",
                self.url,
                lambda out: write_warc(exchanges, name, info, self.started, out),
            )
            self.artifacts.append(warc)
        if self.recorder.limit_hit:
            self.problems.append(self.recorder.limit_hit)
        if main is not None and main.truncated:
            self.problems.append(f"page response incomplete ({main.truncated})")
        details.update(
            requests=len(exchanges),
            bytes_received=self.recorder.total_bytes,
            page_height=self.page_height,
            problems=self.problems,
            settings=self.settings.as_dict(),
        )
        status, reason = CaptureStatus.COMPLETE, None
        if self.fatal is not None:
            status, reason = CaptureStatus.FAILED, self.fatal
        elif self.problems:
            status, reason = CaptureStatus.PARTIAL, "; ".join(self.problems)
        return self._base(status, reason, finished, details, chain, main)

    def _base(
        self,
        status: CaptureStatus,
        reason: str | None,
        finished: Any,
        details: dict[str, Any],
        chain: list[dict[str, Any]],
        main: Exchange | None,
    ) -> CaptureResult:
        settings = self.settings
        return CaptureResult(
            requested_url=self.url,
            status=status,
            status_reason=reason,
            started_at=self.started,
            finished_at=finished,
            final_url=chain[-1]["url"] if chain else None,
            http_status=main.status if main else None,
            title=self.title,
            redirect_chain=chain,
            server_ip=main.ip if main else None,
            browser_name=self.engine.browser_name,
            browser_version=self.engine.browser_version or None,
            playwright_version=browsers.playwright_version(),
            user_agent=self.engine.user_agent or None,
            viewport=settings.viewport,
            locale=settings.locale,
            timezone=settings.timezone,
            proxy=settings.proxy,
            tool_version=tool_version,
            artifacts=self.artifacts,
            details=details,
        )

    def failed(self, reason: str) -> CaptureResult:
        """A failed result for a capture that could not run its steps."""
        result = self._base(
            CaptureStatus.FAILED, reason, utcnow(), {"problems": self.problems}, [], None
        )
        result.companion_result = self.companion_result
        return result


async def _quietly(awaitable: Awaitable[Any]) -> None:
    with contextlib.suppress(PlaywrightError):
        await awaitable


OnResult = Callable[[CaptureResult], Any]


async def capture_many(
    urls: Iterable[str],
    settings: CaptureSettings | None = None,
    on_result: OnResult | None = None,
    engine: CaptureEngine | None = None,
) -> list[CaptureResult]:
    """Capture every URL with at most `settings.concurrency` at a time, results in input order.

    `on_result` (plain or async function) is called as each capture ends; a failing URL never
    stops the others. An open `engine` may be passed to reuse its browser.
    """
    urls = list(urls)
    if engine is None:
        async with CaptureEngine(settings) as own:
            return await capture_many(urls, settings, on_result, own)
    limit = asyncio.Semaphore((settings or engine.settings).concurrency)
    results: list[CaptureResult | None] = [None] * len(urls)

    async def one(index: int, url: str) -> None:
        async with limit:
            result = await engine.capture(url)
        results[index] = result
        if on_result is not None:
            outcome = on_result(result)
            if inspect.isawaitable(outcome):
                await outcome

    await asyncio.gather(*(one(i, url) for i, url in enumerate(urls)))
    return [r for r in results if r is not None]


def capture_urls(
    urls: Iterable[str], settings: CaptureSettings | None = None
) -> list[CaptureResult]:
    """Synchronous helper: capture every URL and return the results in input order."""
    return asyncio.run(capture_many(urls, settings))
