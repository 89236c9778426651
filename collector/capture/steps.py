"""The steps of a capture, declared in order, each with its time budget, and their runner.

navigate -> settle (network quiet, client-side redirects) -> scroll (bounded) -> screenshots
-> dom -> fonts (`fonts.py`) -> pdf (when asked). Each step ends with a typed `StepOutcome`: a
step that runs out of its budget or fails is noted and the next one runs; the page steps must
end before the page deadline, so that the `always` steps (screenshots, DOM, fonts, PDF) have the
time kept back for them.
Once no page arrived (or the URL is a download) the remaining steps are skipped.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from archive.errors import first_line
from collector.capture import screenshot
from collector.capture.fonts import record_fonts
from collector.capture.result import ArtifactData
from collector.capture.run import CaptureRun, StepOutcome, StepReport
from collector.capture.settings import CaptureSettings

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
PAGE_HEIGHT_SCRIPT = (
    "Math.max(document.documentElement.scrollHeight,"
    " document.body ? document.body.scrollHeight : 0)"
)
SCROLL_TO_SCRIPT = "top => { window.scrollTo(0, top); return Math.round(window.scrollY); }"
RENDER_CUT_POLL_S = 0.1
"""How often navigation looks whether the render limit cut a document off."""
STOP_SCRIPT = "location.href === 'about:blank' ? false : (window.stop(), true)"
"""Stops the loading of a committed document (false: the page has not committed yet)."""
SETTLE_ROUNDS = 10
"""At most this many client-side redirects are followed while settling."""
DOWNLOAD_EVENT_WAIT_S = 2.0
"""How long a failed navigation waits for the `download` event that explains it."""
DOM_WORLD = "evidence-dom"
DOM_SCRIPT = """(() => {
  let html = '';
  if (document.doctype) html = new XMLSerializer().serializeToString(document.doctype);
  if (document.documentElement) html += document.documentElement.outerHTML;
  return [html, document.title];
})()"""
"""The document serialized as Playwright's `page.content()` serializes it, and its title."""


class Budget(StrEnum):
    """Which deadline a step must meet."""

    PAGE = "page"
    """The page deadline: the capture's budget less the time kept back for artifacts."""
    CAPTURE = "capture"
    """The capture's own deadline."""


@dataclass(frozen=True)
class Step:
    """One named step of a capture."""

    name: str
    budget: Budget
    always: bool
    """Runs even after an earlier step ran out of time (otherwise it is skipped then)."""
    run: Callable[[CaptureRun, Page], Awaitable[None]]
    then: Callable[[CaptureRun], None] | None = None
    """Runs after the step's outcome is recorded, whatever it was."""
    wanted: Callable[[CaptureSettings], bool] | None = None
    """None: always wanted; else whether the settings ask for this step."""


async def _load(run: CaptureRun, page: Page) -> None:
    """`page.goto` until the load event, or until the loading is stopped at the render limit.

    A document the recorder gave the browser only part of (`max_render_bytes`) never loads:
    Chromium waits for the rest of its Content-Length. Once that happened to a document, its
    loading is stopped (`window.stop()`, as a person would press Stop) and the page is taken
    as it is: what the renderer had been handed by then (Chromium drops what it had not yet
    passed on when a connection ends early, so that can be less than the bytes it was given)."""
    loading = asyncio.ensure_future(page.goto(run.url, wait_until="load"))
    try:
        while not loading.done():
            await asyncio.wait({loading}, timeout=RENDER_CUT_POLL_S)
            if loading.done() or all(e.rendered_bytes is None for e in run.recorder.exchanges):
                continue
            try:
                if not await page.evaluate(STOP_SCRIPT):
                    continue
            except PlaywrightError:  # the document was committing: look again at the next poll
                continue
            loading.cancel()
            with contextlib.suppress(asyncio.CancelledError, PlaywrightError):
                await loading
            run.problems.append("page loading was stopped at the render limit")
            return
        await loading
    finally:
        loading.cancel()  # when the step ran out of time (no-op once done)


async def _navigate(run: CaptureRun, page: Page) -> None:
    try:
        await _load(run, page)
    except PlaywrightTimeoutError:
        raise
    except PlaywrightError as exc:
        if not run.document_arrived():
            run.fatal = _refused(run) or _failed_navigation(run, exc)
            return
        main = run.main_exchange()
        if main is not None and main.status is not None and main.status >= 400:
            pass  # an error page without a body: its status is recorded as the page's
        elif await _download_started(run):
            run.download = True
            run.problems.append("the URL starts a download: its bytes are in the WARC only")
            return
        else:
            run.problems.append(f"navigation: {first_line(exc)}")
    main = run.main_exchange()
    if main is not None and (main.blocked or main.response_head is None):
        run.fatal = main.error or "no response for the page"


async def _download_started(run: CaptureRun) -> bool:
    """Whether the page's `download` event came: Playwright fails `goto` for a URL that starts
    a download and sends the event just after, so it is waited for briefly."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run.download_started.wait(), DOWNLOAD_EVENT_WAIT_S)
    return run.download_started.is_set()


def _require_document(run: CaptureRun) -> None:
    if run.fatal is None and not run.document_arrived():
        # the recorder's problems name a page connection it could not read (TLS, HTTP/2)
        problems = "; ".join(run.problems + run.recorder.problems)
        run.fatal = _refused(run) or problems or "no response for the page"


def _failed_navigation(run: CaptureRun, exc: PlaywrightError) -> str:
    """Why the page did not load: the browser's error and, when the recorder saw why the main
    request ended (an HTTP/2 connection error, a closed connection), that too; the browser's
    words alone depend on which it noticed first, the bad frame or the close."""
    reason = f"navigation failed: {first_line(exc)}"
    main = run.main_exchange()
    if main is not None and main.error:
        reason += f" (recorded: {main.error})"
    return reason


def _refused(run: CaptureRun) -> str | None:
    """Why the recorder refused the page's connection (the browser sees only a failed tunnel)."""
    return run.recorder.refusal([run.url, *(url for url, *_ in run.navigations)])


async def _quiet(run: CaptureRun) -> bool:
    settings = run.settings
    return await run.recorder.wait_quiet(
        settings.quiet_s, run.page_deadline, settings.long_request_s
    )


async def _settle(run: CaptureRun, page: Page) -> None:
    seen = len(run.navigations)
    for _ in range(SETTLE_ROUNDS):
        if not await _quiet(run):
            raise TimeoutError
        if len(run.navigations) == seen:
            return
        seen = len(run.navigations)
        await page.wait_for_load_state("load")


def _note_failed_destination(run: CaptureRun) -> None:
    main = run.main_exchange()
    if main is not None and main.error:
        run.problems.append(f"the page moved on to {main.url}, which failed: {main.error}")


async def _scroll(run: CaptureRun, page: Page) -> None:
    settings = run.settings
    steps, run.page_height = await page.evaluate(
        SCROLL_SCRIPT,
        [settings.scroll_steps, settings.scroll_pause_s * 1000, settings.max_page_height],
    )
    if steps and not await _quiet(run):
        raise TimeoutError


async def _screenshots(run: CaptureRun, page: Page) -> None:
    settings = run.settings
    url = page.url
    shot = await screenshot.png(page)
    run.artifacts.append(
        ArtifactData("screenshot-viewport", "screenshot-viewport.png", "image/png", shot, url)
    )
    run.page_height = int(await page.evaluate(PAGE_HEIGHT_SCRIPT))
    cap = min(run.page_height, settings.max_page_height)
    if run.page_height > settings.max_page_height:
        run.problems.append(
            f"page is {run.page_height} px tall; full-page screenshot covers the top {cap} px"
            " (max_page_height)"
        )
    if run.page_height <= settings.tile_height:
        full = await screenshot.png(page, full_page=True)
        run.artifacts.append(
            ArtifactData("screenshot-full", "screenshot-full.png", "image/png", full, url)
        )
        return
    await _tiles(run, page, cap)


async def _tiles(run: CaptureRun, page: Page, cap: int) -> None:
    """The top `cap` px of a page taller than one tile, as viewport-sized tiles.

    Playwright's full-page screenshot makes Chromium lay out and paint the whole document at
    once (`captureBeyondViewport`): measured 6 GB and 120 s for one 8,000 px tile of a
    1.6 million px page. Instead the viewport is made one tile tall and scrolled to each
    tile, so the cost follows the tile, not the document; the viewport is restored after."""
    settings = run.settings
    tile, width, url = settings.tile_height, settings.viewport_width, page.url
    if any(e.rendered_bytes is not None for e in run.recorder.exchanges):  # render limit hit
        tile = min(tile, settings.cut_tile_height)
    try:
        for index, top in enumerate(range(0, cap, tile), start=1):
            height = min(tile, cap - top)
            await page.set_viewport_size({"width": width, "height": height})
            scrolled = await page.evaluate(SCROLL_TO_SCRIPT, top)
            if scrolled != top:
                run.problems.append(
                    f"the page would not scroll to {top} px; full-page screenshot covers the"
                    f" top {top} px"
                )
                return
            data = await screenshot.png(page)
            run.artifacts.append(
                ArtifactData(
                    "screenshot-full",
                    f"screenshot-full-{index:02d}.png",
                    "image/png",
                    data,
                    url,
                    {"tile": index, "top": top, "height": height},
                )
            )
    finally:
        await page.set_viewport_size({"width": width, "height": settings.viewport_height})
        await page.evaluate(SCROLL_TO_SCRIPT, 0)


def _shots_taken(run: CaptureRun) -> None:
    if run.on_screenshots is not None:
        run.on_screenshots([a for a in run.artifacts if a.role.startswith("screenshot")])


async def _dom(run: CaptureRun, page: Page) -> None:
    read = await _read_dom(page)
    html, title = read if read is not None else (await page.content(), await page.title())
    run.title = title or None
    run.artifacts.append(
        ArtifactData("dom", "dom.html", "text/html; charset=utf-8", html.encode(), page.url)
    )


async def _read_dom(page: Page) -> tuple[str, str] | None:
    """The main frame's document (`DOM_SCRIPT`) read in an isolated world of its own through
    DevTools, where the page's scripts cannot change what is read; None when that document went
    away meanwhile (the page navigated), for Playwright's `content()` to wait for the next one.

    Playwright's `content()` and `title()` read in its utility world, whose set-up the first
    call of a page pays: the step took 0.044-0.056 s of Chromium's and the driver's CPU per
    news page so, 0.022-0.024 s this way (`benchmarks/capture.py --profile`, concurrency 1)."""
    session = await page.context.new_cdp_session(page)
    try:
        tree = await session.send("Page.getFrameTree")
        frame = {"frameId": tree["frameTree"]["frame"]["id"], "worldName": DOM_WORLD}
        world = await session.send("Page.createIsolatedWorld", frame)
        answer = await session.send(
            "Runtime.evaluate",
            {
                "expression": DOM_SCRIPT,
                "contextId": world["executionContextId"],
                "returnByValue": True,
            },
        )
    except PlaywrightError:  # the world's document went away before it answered
        return None
    finally:
        with contextlib.suppress(PlaywrightError):
            await session.detach()
    if "exceptionDetails" in answer:
        return None
    html, title = answer["result"]["value"]
    return str(html), str(title)


async def _pdf(run: CaptureRun, page: Page) -> None:
    data = await page.pdf(print_background=True)
    run.artifacts.append(ArtifactData("pdf", "page.pdf", "application/pdf", data, page.url))


STEPS = (
    Step("navigate", Budget.PAGE, always=False, run=_navigate, then=_require_document),
    Step("settle", Budget.PAGE, always=False, run=_settle, then=_note_failed_destination),
    Step("scroll", Budget.PAGE, always=False, run=_scroll),
    Step("screenshots", Budget.CAPTURE, always=True, run=_screenshots, then=_shots_taken),
    Step("dom", Budget.CAPTURE, always=True, run=_dom),
    Step("fonts", Budget.CAPTURE, always=True, run=record_fonts),
    Step("pdf", Budget.CAPTURE, always=True, run=_pdf, wanted=lambda s: s.pdf),
)


async def run_steps(run: CaptureRun, page: Page, steps: tuple[Step, ...] = STEPS) -> None:
    """Run each wanted step in order, recording its report in `run.steps`."""
    for step in steps:
        if step.wanted is not None and not step.wanted(run.settings):
            continue
        if run.stopped:
            why = run.fatal or "the URL starts a download"
            run.steps.append(StepReport(step.name, StepOutcome.SKIPPED, why))
            continue
        report = await _run_step(run, step, page)
        run.steps.append(report)
        run.timings[step.name] = report.seconds
        if step.then is not None:
            step.then(run)


async def _run_step(run: CaptureRun, step: Step, page: Page) -> StepReport:
    deadline = run.deadline if step.budget is Budget.CAPTURE else run.page_deadline
    began = time.monotonic()

    def report(outcome: StepOutcome, reason: str | None = None) -> StepReport:
        if outcome in (StepOutcome.TIMED_OUT, StepOutcome.FAILED):
            run.problems.append(str(reason))
        return StepReport(step.name, outcome, reason, round(time.monotonic() - began, 3))

    if run.timed_out() and (not step.always or deadline <= began):
        return report(StepOutcome.SKIPPED, "an earlier step ran out of time")
    try:
        if deadline <= began:
            raise TimeoutError
        async with asyncio.timeout(deadline - began):
            await step.run(run, page)
    except (TimeoutError, PlaywrightTimeoutError):
        return report(StepOutcome.TIMED_OUT, f"time budget ran out during {step.name}")
    except PlaywrightError as exc:
        return report(StepOutcome.FAILED, f"{step.name} failed: {first_line(exc)}")
    return report(StepOutcome.OK)
