"""Capture benchmark: `evidence capture`'s own code on news-like pages beside plain Playwright.

Reproduce from the repository root:

    .venv/bin/python benchmarks/capture.py                    # 3 rounds, 20 pages, c1 and c4
    .venv/bin/python benchmarks/capture.py --rounds 5 --pages 20 --concurrency 1 4 --http

Flags: `--rounds N` (default 3), `--pages N` (default 20), `--concurrency N [N ...]` (default
1 4), `--http` (serve plain HTTP instead of HTTPS), `--no-heavy` (skip the heavy page),
`--profile` (where the CPU goes: per page, by process kind and Python thread for both modes
(`benchmarks/cputree.py`), by step of the product's save and assembly, and, at concurrency 1,
Chromium's and the driver's CPU by capture step (`benchmarks/cpusteps.py`), with how busy the
machine's CPUs were during each mode).

Product = exactly what `evidence capture URL...` runs (`collector.cli.cmd_capture` ->
`collector.collect.captures`): one capture stack (`capture_stack`, as the command opens it;
its browser slots set to the batch's concurrency, as `--concurrency` sets them), then per
batch `acquire_and_save` (the acquirer: browser capture with every artifact through the
recording proxy, WARC, screenshots, DOM, page metadata; then in a thread `save_acquisition`:
blobs, image checks, thumbnail, evidence card, post data, signed manifest, custody event) and
`finish_writes` (RFC 3161 tokens from a local TSA, a signed checkpoint). Every row must come
back `complete` with the full artifact set, or the run stops.
Baseline = plain Playwright on the same browser executable and flags: a new context,
`goto(wait_until="networkidle")`, one full-page screenshot, nothing recorded or stored.

Pages (`tests/world/news.py`, served from another process on 127.0.0.1): news articles of
about 100 KB (45 KB of HTML, 12 KB of CSS, three 14 KB JPEGs below the fold, one natively
lazy and two loaded by an IntersectionObserver script, a `fetch()` of comments, a favicon),
and a heavy page (about 2 MB, 40 images). Rounds are interleaved: in each round every mode
runs at every concurrency level, the order of the two modes alternating between rounds.

Per page: for the product, from the capture's start to its row being stored (saving included);
for the baseline, the whole visit. Pages/min: pages over the batch's wall time (saving and
`finish_writes` included; the browser launch, paid once per command, is not). Peak memory: the
highest PSS of this process tree (Chromium and Playwright's driver included), every 0.5 s.
Goals (issue 19 and issue 13 item 7): batch median per page within 1.3x of the baseline's at
concurrency 1; at least 200 pages/min at concurrency 4.
"""

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import cputree  # noqa: E402
from benchmarks.cpusteps import BrowserSteps, StepClock  # noqa: E402
from benchmarks.harness import (  # noqa: E402
    MemorySampler,
    Site,
    chromium_executable,
    load_average,
    local_tsa,
    median,
    news_site,
    p95,
)

GOAL_RATIO = 1.3
GOAL_PAGES_PER_MIN = 200
REQUIRED_ROLES = {
    "screenshot-viewport",
    "screenshot-full",
    "dom",
    "server-html",
    "warc",
    "thumbnail",
    "evidence-card",
    "manifest",
    "signature",
}
"""Artifacts every product row must have: a run that lost one is not a faster run."""


@dataclass
class Batch:
    """One batch's figures."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    peak: int = 0
    saves: list[float] = field(default_factory=list)
    sampler_cpu: float = 0.0
    """CPU seconds of the memory sampler's thread (the benchmark's, not the mode's)."""


@dataclass
class Mode:
    """Every batch of one mode at one concurrency level."""

    batches: list[Batch] = field(default_factory=list)

    def latencies(self) -> list[float]:
        return [value for batch in self.batches for value in batch.latencies]

    def pages_per_min(self) -> float:
        pages = sum(len(b.latencies) for b in self.batches)
        wall = sum(b.wall for b in self.batches)
        return pages / wall * 60 if wall else float("nan")

    def peak_mb(self) -> float:
        return max((b.peak for b in self.batches), default=0) / 1024 / 1024

    def saves(self) -> list[float]:
        return [value for batch in self.batches for value in batch.saves]


def _check_row(row: dict[str, Any]) -> None:
    if row["status"] != "complete":
        raise SystemExit(f"{row['requested_url']}: {row['status']}: {row['status_reason']}")
    missing = REQUIRED_ROLES - {a["role"] for a in row["artifacts"]}
    if missing:
        raise SystemExit(f"{row['requested_url']}: artifacts missing: {sorted(missing)}")


class Product:
    """The product's path in one open capture stack, its browser slots set per batch."""

    def __init__(self, archive: Any, site: Site) -> None:
        from collector.capture.settings import CaptureSettings
        from collector.collect.capturehome import capture_section
        from collector.platforms.config import PlatformConfig

        self.archive = archive
        self.settings = CaptureSettings.from_sources(
            capture_section(archive.settings),
            allow_private=True,
            host_resolver_rules=site.resolver_rules if site.ca_file else None,
            extra_ca_file=site.ca_file,
        )
        self.platforms = PlatformConfig.load(archive.settings.section("platforms"))
        self.browser = ""

    async def __aenter__(self) -> "Product":
        from collector.collect.stack import capture_stack

        self._manager = capture_stack(self.settings, self.platforms)
        self.stack = await self._manager.__aenter__()
        identity = self.stack.engine.identity
        self.browser = f"{identity.name} {identity.version} ({identity.executable})"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._manager.__aexit__(None, None, None)

    async def batch(self, urls: list[str], level: int) -> Batch:
        """`acquire_and_save` and `finish_writes`, as `evidence capture URL...` runs them."""
        from archive.provenance.seal import finish_writes
        from collector.collect.captures import acquire_and_save

        batch = Batch()

        def on_row(row: dict[str, Any]) -> None:
            _check_row(row)
            stored = time.time()
            started = datetime.fromisoformat(row["started_at"]).timestamp()
            finished = datetime.fromisoformat(row["finished_at"]).timestamp()
            batch.latencies.append(stored - started)
            batch.saves.append(stored - finished)

        with MemorySampler() as sampler:
            began = time.perf_counter()
            self.stack.browser_slots = asyncio.Semaphore(level)  # as `--concurrency level`
            await acquire_and_save(self.archive, self.stack, urls, on_row)
            await asyncio.to_thread(finish_writes, self.archive)
            batch.wall = time.perf_counter() - began
        batch.peak, batch.sampler_cpu = sampler.peak, sampler.cpu_s
        return batch


class Baseline:
    """Plain Playwright on the same executable and flags."""

    def __init__(self, site: Site) -> None:
        self.site = site

    async def __aenter__(self) -> "Baseline":
        from playwright.async_api import async_playwright

        from collector.capture import browser as browsers

        self._playwright = await async_playwright().start()
        self.browser = await self._playwright.chromium.launch(
            executable_path=await asyncio.to_thread(chromium_executable),
            args=[*browsers.launch_args(), *self.site.chromium_args()],
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.browser.close()
        await self._playwright.stop()

    async def visit(self, url: str) -> None:
        """A new context, networkidle, one full-page screenshot."""
        context = await self.browser.new_context(
            viewport={"width": 1280, "height": 800}, ignore_https_errors=True
        )
        try:
            page = await context.new_page()
            await page.goto(url, wait_until="networkidle")
            await page.screenshot(full_page=True)
        finally:
            await context.close()

    async def batch(self, urls: list[str], level: int) -> Batch:
        """Every URL at `level` visits at a time."""
        batch = Batch()
        limit = asyncio.Semaphore(level)

        async def timed(url: str) -> None:
            async with limit:
                began = time.perf_counter()
                await self.visit(url)
                batch.latencies.append(time.perf_counter() - began)

        with MemorySampler() as sampler:
            began = time.perf_counter()
            await asyncio.gather(*(timed(url) for url in urls))
            batch.wall = time.perf_counter() - began
        batch.peak, batch.sampler_cpu = sampler.peak, sampler.cpu_s
        return batch


BatchFn = Callable[[list[str], int], Coroutine[Any, Any, Batch]]


@dataclass
class Profile:
    """Where one mode's CPU went at one concurrency level, over all its batches."""

    pages: int = 0
    cpu: cputree.Snapshot = field(default_factory=cputree.Snapshot)
    busy: list[float] = field(default_factory=list)
    steps: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    browser_steps: Counter[str] = field(default_factory=Counter)


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        ticks = [int(t) for t in handle.readline().split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


async def profiled(
    fn: BatchFn,
    urls: list[str],
    level: int,
    profile: Profile,
    clocks: tuple[StepClock, BrowserSteps],
    leave_out: frozenset[int],
) -> Batch:
    """Run one batch, adding its CPU by process kind and by step to `profile` (the browser's
    CPU by capture step at concurrency 1 only, where captures do not overlap); the processes
    of the other mode's Playwright driver and browser (`leave_out`) are not counted."""
    clock, browser_steps = clocks
    clock.reset()
    browser_steps.seconds.clear()
    browser_steps.counting = level == 1
    before, (busy, total) = cputree.snapshot(leave_out), _machine_ticks()
    try:
        batch = await fn(urls, level)
    finally:
        browser_steps.counting = False
    diff = cputree.snapshot(leave_out) - before
    diff.seconds[cputree.ENDED] -= batch.sampler_cpu  # its thread ended with the batch
    diff.seconds[cputree.SAMPLER] += batch.sampler_cpu
    busy_after, total_after = _machine_ticks()
    profile.pages += len(urls)
    profile.cpu.seconds.update(diff.seconds)
    profile.busy.append((busy_after - busy) / max(1, total_after - total))
    profile.steps.update(clock.seconds)
    profile.calls.update(clock.calls)
    profile.browser_steps.update(browser_steps.seconds)
    return batch


async def run(args: argparse.Namespace, site: Site, home: Path) -> None:
    """Warm both modes, run the interleaved rounds, print the report."""
    from archive.archive import Archive

    results: dict[tuple[str, int], Mode] = {}
    profiles: dict[tuple[str, int], Profile] = {}
    heavy: dict[str, list[float]] = {"product": [], "baseline": []}
    clocks = StepClock(), BrowserSteps()  # wrap the product's steps only with --profile
    profiling = contextlib.ExitStack()
    if args.profile:
        for clock in clocks:
            profiling.enter_context(clock)
    with Archive.open(home) as archive, profiling:
        before = cputree.children()
        async with Product(archive, site) as product:
            of_product = frozenset(cputree.children() - before)  # its driver and browser
            async with Baseline(site) as base:
                of_baseline = frozenset(cputree.children() - before - of_product)
                others = {"product": of_baseline, "baseline": of_product}
                modes: dict[str, BatchFn] = {"product": product.batch, "baseline": base.batch}
                await rounds(args, site, modes, others, (results, profiles, heavy), clocks)
                browser = product.browser
    report(args, results, heavy, browser, site)
    if args.profile:
        report_profiles(profiles)


Results = tuple[dict[tuple[str, int], Mode], dict[tuple[str, int], Profile], dict[str, list[float]]]
"""Each mode's batches, its profiles, the heavy page's latencies."""


async def rounds(
    args: argparse.Namespace,
    site: Site,
    modes: dict[str, BatchFn],
    others: dict[str, frozenset[int]],
    into: Results,
    clocks: tuple[StepClock, BrowserSteps],
) -> None:
    """The warm-up batches, then the interleaved rounds, their figures added to `into`."""
    results, profiles, heavy = into
    urls = site.news(args.pages)
    warm = site.news(2, first=1000)
    for fn in modes.values():  # first contexts after a launch are slower: not timed
        for level in args.concurrency:
            await fn(warm, level)
    for round_no in range(args.rounds):
        order = list(modes) if round_no % 2 == 0 else list(reversed(modes))
        for level in args.concurrency:
            for name in order:
                round_urls = [f"{u}?r={round_no}" for u in urls]
                if args.profile:
                    profile = profiles.setdefault((name, level), Profile())
                    batch = await profiled(
                        modes[name], round_urls, level, profile, clocks, others[name]
                    )
                else:
                    batch = await modes[name](round_urls, level)
                results.setdefault((name, level), Mode()).batches.append(batch)
        if args.heavy:
            for name in order:
                batch = await modes[name]([f"{site.heavy}?r={round_no}"], 1)
                heavy[name].extend(batch.latencies)
        print(f"round {round_no + 1}/{args.rounds} done, load {load_average()}")


def report_profiles(profiles: dict[tuple[str, int], Profile]) -> None:
    """CPU seconds per page by process kind for each mode and level, then the product's steps."""
    for (name, level), profile in sorted(profiles.items(), key=lambda item: item[0][::-1]):
        busy = median(profile.busy) * 100
        title = f"\n{name} at concurrency {level} (machine CPUs {busy:.0f} % busy, median)"
        print("\n".join(cputree.report(profile.cpu, profile.pages, title)))
    for (name, level), profile in sorted(profiles.items(), key=lambda item: item[0][::-1]):
        if name != "product":
            continue
        clock = StepClock()
        clock.seconds, clock.calls = profile.steps, profile.calls
        print(f"\nproduct steps at concurrency {level}:")
        print("\n".join(f"    {line}" for line in clock.lines(profile.pages)))
        if profile.browser_steps:
            browser = BrowserSteps()
            browser.seconds = profile.browser_steps
            print(f"\nproduct capture steps at concurrency {level}:")
            print("\n".join(f"    {line}" for line in browser.lines(profile.pages)))


def report(
    args: argparse.Namespace,
    results: dict[tuple[str, int], Mode],
    heavy: dict[str, list[float]],
    browser: str,
    site: Site,
) -> None:
    """The figures beside the baseline, the goals, the command to reproduce them."""
    print(f"\nbrowser: {browser}")
    print(
        f"pages: {args.pages} news pages (~100 KB each) over {site.origin.split(':')[0]},"
        f" {args.rounds} interleaved rounds"
    )
    header = f"{'mode':<34}{'conc':>5}{'median s':>10}{'p95 s':>8}{'pages/min':>11}{'peak MB':>9}"
    print(header)
    print("-" * len(header))
    labels = {"product": "evidence capture (full, saved)", "baseline": "plain Playwright"}
    for level in args.concurrency:
        for name in ("product", "baseline"):
            mode = results[(name, level)]
            values = mode.latencies()
            print(
                f"{labels[name]:<34}{level:>5}{median(values):>10.3f}{p95(values):>8.3f}"
                f"{mode.pages_per_min():>11.1f}{mode.peak_mb():>9.0f}"
            )
        ours, theirs = results[("product", level)], results[("baseline", level)]
        print(
            f"{'  ratio product/baseline':<34}{level:>5}"
            f"{median(ours.latencies()) / median(theirs.latencies()):>10.2f}{'':>8}"
            f"{theirs.pages_per_min() / ours.pages_per_min():>11.2f}"
            f"   (saving after capture: median {median(ours.saves()):.3f} s)"
        )
    if args.heavy:
        print(
            f"heavy page (~2 MB, 40 images), median of {len(heavy['product'])}: product"
            f" {median(heavy['product']):.3f} s, baseline {median(heavy['baseline']):.3f} s"
        )
    if 1 in args.concurrency:
        ours = median(results[("product", 1)].latencies())
        theirs = median(results[("baseline", 1)].latencies())
        verdict = "met" if ours <= GOAL_RATIO * theirs else "NOT met"
        print(
            f"goal: batch median per page within {GOAL_RATIO}x of the baseline at concurrency 1:"
            f" {ours:.3f} s vs {GOAL_RATIO} x {theirs:.3f} s = {GOAL_RATIO * theirs:.3f} s:"
            f" {verdict}"
        )
    if 4 in args.concurrency:
        rate = results[("product", 4)].pages_per_min()
        verdict = "met" if rate >= GOAL_PAGES_PER_MIN else "NOT met"
        print(f"goal: >= {GOAL_PAGES_PER_MIN} pages/min at concurrency 4: {rate:.1f}: {verdict}")
    print(f"machine: {os.cpu_count()} CPUs, load average after the run {load_average()}")
    print("reproduce: .venv/bin/python benchmarks/capture.py " + " ".join(sys.argv[1:]))


def main() -> None:
    """Parse the flags, start the site and the TSA, run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--pages", type=int, default=20, help="pages per batch (default 20)")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 4], help="levels (default 1 4)"
    )
    parser.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    parser.add_argument(
        "--no-heavy", dest="heavy", action="store_false", help="skip the ~2 MB page"
    )
    parser.add_argument(
        "--profile", action="store_true", help="CPU per page by process, thread and step"
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.pages < 1 or min(args.concurrency) < 1:
        parser.error("--rounds, --pages and --concurrency must be at least 1")
    with news_site(https=not args.http) as site, local_tsa() as tsa_env:
        os.environ.update(tsa_env)
        with tempfile.TemporaryDirectory(prefix="capture-bench-") as tmp:
            asyncio.run(run(args, site, Path(tmp) / "home"))


if __name__ == "__main__":
    main()
