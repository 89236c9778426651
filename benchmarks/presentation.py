"""What the presentation changes (no automation tells) cost per capture.

Reproduce from the repository root:

    .venv/bin/python benchmarks/presentation.py            # add --rounds N to vary

Per page: one browser, launched with the capture flags (the presentation's included). Each
round opens a context on a small local page twice, in alternating order so the machine's load
drifts into both alike: once plain (context, page, `goto` until `load`, close) and once
presented (the same, plus the planned init scripts and `presentation.present`: the CDP
session, the user-agent override with its metadata and the permission). Prints the median and
p95 of each and the median of the paired differences.
Per engine start: `BrowserLifecycle.start()` (the probe browser that reads what the browser
shows, then the capture browser) and, alone, the probe (`_plan_presentation`), the part that
the presentation adds.
"""

import argparse
import asyncio
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, async_playwright  # noqa: E402

from collector.capture import browser as browsers  # noqa: E402
from collector.capture import presentation  # noqa: E402
from collector.capture.lifecycle import BrowserLifecycle  # noqa: E402
from collector.capture.settings import CaptureSettings  # noqa: E402

PAGE = b"<!doctype html><title>bench</title><p>a small page</p><script>1</script>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet."""


async def one(browser: Browser, url: str, plan: presentation.Presentation | None) -> float:
    """Seconds to open a context and page, load `url` and close, with or without `plan`."""
    began = time.perf_counter()
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    if plan is not None:
        await presentation.prepare_context(context, plan)
    page = await context.new_page()
    if plan is not None:
        await presentation.present(context, page, plan, "en-US")
    await page.goto(url, wait_until="load")
    await context.close()
    return time.perf_counter() - began


async def run(rounds: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        async with async_playwright() as playwright:
            bundled = playwright.chromium.executable_path
            choice = browsers.choose_chromium(bundled, CaptureSettings())
            probe = await playwright.chromium.launch(
                executable_path=choice.executable,
                args=browsers.launch_args(),
                ignore_default_args=list(presentation.REMOVED_DEFAULT_FLAGS),
                headless=True,
            )
            plan = presentation.plan(await presentation.read_native(await probe.new_context()))
            await probe.close()
            browser = await playwright.chromium.launch(
                executable_path=choice.executable,
                args=browsers.launch_args(plan.flags()),
                ignore_default_args=list(presentation.REMOVED_DEFAULT_FLAGS),
                headless=True,
            )
            await one(browser, url, plan)  # warm up both paths
            await one(browser, url, None)
            plain: list[float] = []
            presented: list[float] = []
            for index in range(rounds):
                order = (None, plan) if index % 2 == 0 else (plan, None)
                for mode in order:
                    (plain if mode is None else presented).append(await one(browser, url, mode))
            await browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    print(f"browser: {choice.name} ({choice.executable or 'Playwright'})")
    permissions = {name: str(setting) for name, setting in plan.permissions.items()}
    print(f"changes: scripts={[s.name for s in plan.scripts]} permissions={permissions}")
    print(f"{'mode':<12}{'median s':>10}{'p95 s':>10}")
    for name, values in (("plain", plain), ("presented", presented)):
        p95 = statistics.quantiles(values, n=20)[-1]
        print(f"{name:<12}{statistics.median(values):>10.4f}{p95:>10.4f}")
    paired = [b - a for a, b in zip(plain, presented, strict=True)]
    print(f"median paired difference: {statistics.median(paired) * 1000:+.1f} ms over {rounds}")
    starts, probes = await engine_starts(5)
    print(f"engine start median {statistics.median(starts):.3f} s, of which the probe browser")
    probe = statistics.median(probes)
    print(f"  (launch and read; it closes beside the next launch) {probe:.3f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}")


async def engine_starts(count: int) -> tuple[list[float], list[float]]:
    """Seconds of `count` whole lifecycle starts, and of `count` probes alone."""
    starts: list[float] = []
    probes: list[float] = []
    for _ in range(count):
        lifecycle = BrowserLifecycle(CaptureSettings())
        began = time.perf_counter()
        await lifecycle.start()
        starts.append(time.perf_counter() - began)
        began = time.perf_counter()
        _, closed = await lifecycle._plan_presentation()
        probes.append(time.perf_counter() - began)
        await closed
        await lifecycle.stop()
    return starts, probes


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
