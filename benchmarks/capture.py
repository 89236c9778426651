"""Capture benchmark: 20 local pages at concurrency 1 and 4, full capture vs a plain baseline.

Reproduce from the repository root:

    .venv/bin/python benchmarks/capture.py            # add --pages N or --rounds N to vary

Full capture = the product's path exactly as `evidence capture` runs it: `capture_many` with
every artifact (recording proxy, WARC, viewport and full-page screenshots, DOM, server HTML,
headers, redirect chain, logs), each result saved into a fresh archive (blobs, rows, custody
event) by `on_result` as it arrives.
Baseline = plain Playwright on the same browser: new context, `goto(wait_until="networkidle")`,
one full-page screenshot, nothing recorded or stored.
Latency is per page: for the full capture the capture's own start-to-result time (saving runs
after it, overlapped with the next captures, and is reported separately as "save s");
pages/min is pages over the wall time of the whole batch, saving included.
The test world runs in a separate process (`python -m tests.world`), as remote servers would.
Peak memory is the highest proportional set size (PSS, shared pages split fairly) of this
process and all its children (Chromium, Playwright's driver), sampled from /proc every 0.5 s.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.archive import Archive  # noqa: E402
from collector.capture import browser as browsers  # noqa: E402
from collector.capture.engine import CaptureEngine, capture_many  # noqa: E402
from collector.capture.result import CaptureResult  # noqa: E402
from collector.capture.settings import CaptureSettings  # noqa: E402
from collector.capture.store import save_capture  # noqa: E402

GOAL_MEDIAN_S = 0.8
GOAL_PAGES_PER_MIN = 150
SAMPLE_EVERY_S = 0.5


class MemorySampler:
    """Samples the proportional set size of this process tree from /proc in a thread.

    Reading smaps_rollup walks page tables, so it is done only every `SAMPLE_EVERY_S`
    (sampling every 50 ms cost a third of the throughput on 2 cores).
    """

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _children(pid: int) -> list[int]:
        found: list[int] = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    found.extend(int(child) for child in handle.read().split())
        except OSError:
            pass
        return found

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _tree_pss(self) -> int:
        total, frontier = 0, [os.getpid()]
        while frontier:
            pid = frontier.pop()
            total += self._pss(pid)
            frontier.extend(self._children(pid))
        return total

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.peak = max(self.peak, self._tree_pss())

    def start(self) -> None:
        """Start sampling."""
        self.peak = self._tree_pss()
        self._thread.start()

    async def stop(self) -> int:
        """Stop sampling; return the peak in bytes."""
        self._stop.set()
        await asyncio.to_thread(self._thread.join)
        return max(self.peak, self._tree_pss())


async def run_batch(
    urls: list[str], concurrency: int, one: Callable[[str], Awaitable[None]]
) -> dict[str, float]:
    """Run `one` for every URL at `concurrency`; latency statistics, throughput, memory."""
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    sampler = MemorySampler()

    async def timed(url: str) -> None:
        async with limit:
            began = time.perf_counter()
            await one(url)
            latencies.append(time.perf_counter() - began)

    sampler.start()
    began = time.perf_counter()
    await asyncio.gather(*(timed(url) for url in urls))
    wall = time.perf_counter() - began
    return _stats(latencies, wall, await sampler.stop(), len(urls))


def _stats(latencies: list[float], wall: float, peak: int, count: int) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "pages_per_min": count / wall * 60,
        "peak_mb": peak / 1024 / 1024,
    }


async def full_capture(
    world: dict[str, str], urls: list[str], levels: list[int], home: Path
) -> tuple[dict[int, dict[str, float]], str]:
    """The product's capture with every artifact, saved into an archive as results arrive;
    also names the browser used."""
    results: dict[int, dict[str, float]] = {}
    with Archive.open(home) as archive:
        async with CaptureEngine(CaptureSettings(allow_private=True)) as engine:
            latencies: list[float] = []
            saves: list[float] = []

            async def on_result(result: CaptureResult) -> None:
                if result.status != "complete":
                    raise RuntimeError(f"{result.requested_url}: {result.status_reason}")
                latencies.append(result.duration_s)
                began = time.perf_counter()
                await asyncio.to_thread(save_capture, archive, result)
                saves.append(time.perf_counter() - began)

            warm = [f"{world['http']}/static/page.html"]
            await capture_many(warm, engine.settings, on_result, engine)
            for level in levels:
                latencies.clear()
                saves.clear()
                settings = CaptureSettings(allow_private=True, concurrency=level)
                sampler = MemorySampler()
                sampler.start()
                began = time.perf_counter()
                await capture_many(urls, settings, on_result, engine)
                wall = time.perf_counter() - began
                results[level] = _stats(latencies, wall, await sampler.stop(), len(urls))
                results[level]["save"] = statistics.median(saves)
            browser = (
                f"{engine.identity.name} {engine.browser_version} ({engine.identity.executable})"
            )
    return results, browser


async def baseline(
    world: dict[str, str], urls: list[str], levels: list[int]
) -> dict[int, dict[str, float]]:
    """Plain Playwright: a new context, networkidle, one full-page screenshot."""
    from playwright.async_api import async_playwright

    results: dict[int, dict[str, float]] = {}
    async with async_playwright() as playwright:
        choice = browsers.choose_chromium(playwright.chromium.executable_path, CaptureSettings())
        browser = await playwright.chromium.launch(
            executable_path=choice.executable, args=browsers.launch_args()
        )

        async def one(url: str) -> None:
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            page = await context.new_page()
            await page.goto(url, wait_until="networkidle")
            await page.screenshot(full_page=True)
            await context.close()

        await one(f"{world['http']}/static/page.html")  # warm-up
        for level in levels:
            results[level] = await run_batch(urls, level, one)
        await browser.close()
    return results


def print_report(
    full: dict[int, dict[str, float]], base: dict[int, dict[str, float]], browser: str
) -> None:
    """Both modes side by side, with the goals."""
    print(f"browser: {browser}")
    header = (
        f"{'mode':<28}{'conc':>5}{'median s':>10}{'p95 s':>8}{'pages/min':>11}"
        f"{'peak MB':>9}{'save s':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, table in (("full capture (+ store)", full), ("baseline: screenshot only", base)):
        for level, row in table.items():
            print(
                f"{name:<28}{level:>5}{row['median']:>10.3f}{row['p95']:>8.3f}"
                f"{row['pages_per_min']:>11.1f}{row['peak_mb']:>9.0f}"
                + (f"{row['save']:>8.3f}" if "save" in row else f"{'-':>8}")
            )
    c1, c4 = full.get(1), full.get(4)
    if c1:
        verdict = "met" if c1["median"] < GOAL_MEDIAN_S else "NOT met"
        print(f"goal: median < {GOAL_MEDIAN_S} s at concurrency 1: {verdict}")
    if c4:
        verdict = "met" if c4["pages_per_min"] >= GOAL_PAGES_PER_MIN else "NOT met"
        print(f"goal: >= {GOAL_PAGES_PER_MIN} pages/min at concurrency 4: {verdict}")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average after the run {load}")
    print("reproduce: .venv/bin/python benchmarks/capture.py")


def start_world() -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The test world in its own process; returns it and its base URLs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.world"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    info = json.loads(process.stdout.readline())
    return process, {"http": f"http://127.0.0.1:{info['http_port']}"}


async def main() -> None:
    """Start the test world, run both modes, print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    process, world = start_world()
    try:
        urls = [f"{world['http']}/bench/{i}" for i in range(args.pages)]
        with tempfile.TemporaryDirectory(prefix="capture-bench-") as tmp:
            full, browser = await full_capture(world, urls, args.concurrency, Path(tmp) / "home")
        base = await baseline(world, urls, args.concurrency)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    print_report(full, base, browser)


if __name__ == "__main__":
    asyncio.run(main())
