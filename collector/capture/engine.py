"""The capture engine: one Chromium, a fresh context and recording proxy per capture.

A capture opens a context on its own recorder, runs the declared steps (`steps.py`) inside its
time budget, closes the context and the recorder, and assembles the result (`assemble.py`).
The engine never raises for a bad page: the result says `failed` or `partial`, and why.
Browser launch and relaunch live in `lifecycle.py`, the run's state in `run.py`.
"""

import asyncio
import inspect
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext
from playwright.async_api import Error as PlaywrightError

from archive.errors import first_line
from archive.timeutil import utcnow
from collector.capture.assemble import assemble, failed_result
from collector.capture.browsertls import BrowserTLS
from collector.capture.certcheck import TrustStore
from collector.capture.client import ssl_context
from collector.capture.keylog import KeyLog
from collector.capture.lifecycle import (
    CLOSE_TIMEOUT_S,
    BrowserIdentity,
    BrowserLifecycle,
    Prelaunch,
)
from collector.capture.mitm import InterceptionCA
from collector.capture.netguard import parse_rules
from collector.capture.recorder import Limits, Recorder
from collector.capture.result import ArtifactData, CaptureResult
from collector.capture.run import CaptureRun
from collector.capture.session import CaptureSession
from collector.capture.settings import CaptureSettings
from collector.capture.steps import run_steps
from collector.capture.upstream import Connector
from collector.capture.watch import watch

HARD_LIMIT_GRACE_S = 20.0
"""Beyond the budget, the point where a stuck capture is abandoned outright."""

Companion = Callable[[str, Path], Awaitable[Any]]


class CaptureEngine:
    """Captures URLs with one shared Chromium. Use as `async with CaptureEngine(s) as e:`."""

    def __init__(
        self, settings: CaptureSettings | None = None, prelaunch: Prelaunch | None = None
    ) -> None:
        """`prelaunch`: a launch of the same settings begun earlier, adopted on entering."""
        self.settings = settings or CaptureSettings()
        self._tls: BrowserTLS | None = None
        self._keylog: KeyLog | None = None
        self._trust: TrustStore | None = None
        self._prelaunch = prelaunch
        self._lifecycle = (
            prelaunch.lifecycle
            if prelaunch is not None and prelaunch.lifecycle is not None
            else BrowserLifecycle(self.settings)
        )
        self._ca: InterceptionCA | None = None
        self.connector = Connector(
            rules=parse_rules(self.settings.host_resolver_rules),
            allow_private=self.settings.allow_private,
            proxy=self.settings.proxy,
            ssl_context=_client_ssl_context(self.settings),
        )

    async def __aenter__(self) -> "CaptureEngine":
        self._ca = InterceptionCA()
        started: asyncio.Task[None] | None = None
        try:
            if self._prelaunch is not None:
                self._tls, started = self._prelaunch.adopt(self.settings)
            else:
                self._tls = BrowserTLS(self.settings.extra_ca_file)
            self._keylog = KeyLog(self._tls.keylog_path)
            self._trust = TrustStore(self.settings.extra_ca_file)
            if started is None:
                self._lifecycle.tls = self._tls
                await self._lifecycle.start()
            else:
                await started
        except BaseException:
            if started is not None:  # an adopted launch ends before the browser is stopped
                await asyncio.wait({started})
                if not started.cancelled():
                    started.exception()  # retrieved: the error raised here is the one reported
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._lifecycle.stop()
        if self._tls is not None:
            self._tls.close()
            self._tls = None
        if self._ca is not None:
            self._ca.close()
            self._ca = None

    @property
    def identity(self) -> BrowserIdentity:
        """The browser's name, exact version, origin, executable and user agent."""
        return self._lifecycle.identity

    @property
    def browser_version(self) -> str:
        """The exact browser version ("" before the engine is open)."""
        return self._lifecycle.identity.version

    @property
    def user_agent(self) -> str:
        """The user agent every capture sends."""
        return self._lifecycle.identity.user_agent

    @property
    def ca(self) -> InterceptionCA:
        """The interception CA (exists while the engine is open)."""
        assert self._ca is not None, "use CaptureEngine as an async context manager"
        return self._ca

    async def browser(self) -> Browser:
        """The shared browser, relaunched if it has gone away."""
        return await self._lifecycle.browser()

    async def capture(
        self,
        url: str,
        companion: Companion | None = None,
        on_screenshots: Callable[[list[ArtifactData]], None] | None = None,
        session: CaptureSession | None = None,
    ) -> CaptureResult:
        """Capture one URL. Never raises for a bad page: the result says failed or partial.

        `companion(proxy_url, ca_file)` runs beside the page while the recorder is open, so
        the HTTP exchanges it makes through `proxy_url` (trusting `ca_file`) land in the same
        WARC; its return value, or the exception it raised, is `result.companion_result`.
        `on_screenshots(shots)` is called once the screenshots are taken (`CaptureRun`).
        With a `session` the context starts from its storage state (logged in), and what is
        stored is scrubbed of its secrets (`scrub.py`).
        """
        settings = self.settings
        limits = Limits(
            settings.max_response_bytes,
            settings.max_total_bytes,
            settings.long_request_s,
            settings.max_decoded_bytes,
            settings.max_render_bytes,
        )
        recorder = Recorder(self.connector, self.ca, limits, self._keylog, self._trust)
        run = CaptureRun(
            url, settings, utcnow(), recorder, on_screenshots=on_screenshots, session=session
        )
        try:
            async with asyncio.timeout(settings.timeout_s + HARD_LIMIT_GRACE_S):
                return await self._execute(run, companion)
        except TimeoutError:
            reason = "capture abandoned: it overran its time budget"
        except PlaywrightError as exc:
            reason = f"browser error: {first_line(exc)}"
        except Exception as exc:
            reason = f"capture error: {type(exc).__name__}: {first_line(exc)}"
        run.recorder.release()
        return failed_result(run, self._lifecycle.identity, reason)

    async def _execute(self, run: CaptureRun, companion: Companion | None) -> CaptureResult:
        """Open a context on the run's recorder, run the steps, close, assemble the result."""
        port = await run.recorder.start()
        context: BrowserContext | None = None
        beside = None
        if companion is not None:
            # Companions (Python clients) use the recorder's second port, which intercepts
            # their TLS: their requests are the tool's own, not the browser's.
            proxy_url = f"http://127.0.0.1:{run.recorder.companion_port}"
            beside = asyncio.create_task(companion(proxy_url, self.ca.cert_file))
        try:
            context = await self._open_context(run, port)
            if context is not None:
                page = await self._lifecycle.new_page(context)
                watch(run, context, page)
                page.set_default_timeout(run.settings.timeout_s * 1000)
                await run_steps(run, page)
        finally:
            began = time.monotonic()
            still_open = run.recorder.still_open()
            if still_open and run.fatal is None:
                run.problems.append(
                    f"{len(still_open)} request(s) still open when the capture ended, cut off"
                    f" (first: {still_open[0]})"
                )
            if context is not None:
                try:
                    await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_S)
                except (TimeoutError, PlaywrightError):
                    run.problems.append("browser context did not close cleanly")
            if beside is not None:
                run.companion_result = await _finish_companion(run, beside)
            await run.recorder.close()
            run.timings["close"] = round(time.monotonic() - began, 3)
        began = time.monotonic()
        try:
            result = assemble(run, self._lifecycle.identity)
        finally:
            run.recorder.release()
        run.timings["artifacts"] = round(time.monotonic() - began, 3)
        # a session capture's details are a scrubbed copy, made before this step ended
        result.details.setdefault("timings_s", {})["artifacts"] = run.timings["artifacts"]
        return result

    async def _open_context(self, run: CaptureRun, port: int) -> BrowserContext | None:
        """The capture's context, or None (and `run.fatal`) when it cannot open in time."""
        began = time.monotonic()
        try:
            async with asyncio.timeout(max(run.page_deadline - began, 0)):
                state = run.session.storage_state if run.session is not None else None
                return await self._lifecycle.new_context(port, state)
        except TimeoutError:
            run.problems.append("time budget ran out during open context")
            run.fatal = "; ".join(run.problems)
            return None
        finally:
            run.timings["open context"] = round(time.monotonic() - began, 3)


def _client_ssl_context(settings: CaptureSettings) -> ssl.SSLContext:
    """The recorder's upstream TLS: the adapters' trust, speaking HTTP/1.1 only."""
    context = ssl_context(settings)
    context.set_alpn_protocols(["http/1.1"])
    return context


async def _finish_companion(run: CaptureRun, task: "asyncio.Task[Any]") -> Any:
    """The companion's result; an exception (also its timeout) is returned, not raised."""
    remaining = max(1.0, run.deadline - time.monotonic())
    try:
        return await asyncio.wait_for(task, remaining)
    except Exception as exc:  # the page capture stands whatever the companion does
        return exc


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
