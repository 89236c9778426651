"""What the page does beside loading, noted as it happens: main-frame navigations, console
messages and page errors, dialogs (dismissed), popups (closed), downloads, WebSockets and
requests the browser saw fail."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from archive.timeutil import iso, utcnow
from collector.capture.run import CaptureRun


def watch(run: CaptureRun, context: BrowserContext, page: Page) -> None:
    """Attach the listeners that write into `run` to `page` and its `context`."""

    def on_request(request: Any) -> None:
        if request.is_navigation_request() and request.frame == page.main_frame:
            redirected = request.redirected_from is not None
            run.navigations.append((request.url, redirected, time.monotonic() - run.t0))

    def on_console(message: Any) -> None:
        location = message.location or {}
        run.console.append(
            {
                "time": iso(utcnow()),
                "type": message.type,
                "text": message.text,
                "url": location.get("url"),
                "line": location.get("lineNumber"),
            }
        )

    def on_dialog(dialog: Any) -> None:
        run.events["dialogs"].append({"type": dialog.type, "message": dialog.message})
        asyncio.ensure_future(_quietly(dialog.dismiss()))

    def on_page(popup: Page) -> None:
        if popup is not page:
            run.events["popups"].append({"url": popup.url, "time": iso(utcnow())})
            asyncio.ensure_future(_quietly(popup.close()))

    page.on("request", on_request)
    page.on("console", on_console)
    page.on(
        "pageerror",
        lambda error: run.console.append(
            {"time": iso(utcnow()), "type": "pageerror", "text": str(error)}
        ),
    )
    page.on("dialog", on_dialog)

    def on_download(download: Any) -> None:
        run.events["downloads"].append(
            {"url": download.url, "suggested_filename": download.suggested_filename}
        )
        run.download_started.set()

    page.on("download", on_download)
    page.on("websocket", lambda ws: run.events["websockets"].append({"url": ws.url}))
    page.on(
        "requestfailed",
        lambda r: run.browser_failures.append(
            {"url": r.url, "method": r.method, "error": r.failure}
        ),
    )
    context.on("page", on_page)


async def _quietly(awaitable: Awaitable[Any]) -> None:
    with contextlib.suppress(PlaywrightError):
        await awaitable
