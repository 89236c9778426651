"""What the capture benchmarks share: the generated news site in a process of its own, a local
RFC 3161 TSA, the plain-Playwright baseline, a memory sampler and the statistics they print.

The site (`tests/world/news.py`) runs as `python -m tests.world.news`, apart from the process
measured, as a remote server would. Over HTTPS (the default, as real news sites are) its name
`news.example.test` is mapped to 127.0.0.1 by resolver rules and its trustme CA is given as the
extra CA: configuration, as a user would point the tool at any server.
"""

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.cputree import child_pids

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_EVERY_S = 0.5


@dataclass(frozen=True)
class Site:
    """The running news site: where to ask, and how to reach and trust it."""

    origin: str
    port: int
    ca_file: str | None
    resolver_rules: str

    def news(self, count: int, first: int = 0) -> list[str]:
        """URLs of `count` news pages."""
        return [f"{self.origin}/news/{n}.html" for n in range(first, first + count)]

    @property
    def heavy(self) -> str:
        """The heavy page's URL."""
        return f"{self.origin}/heavy.html"

    def capture_env(self) -> dict[str, str]:
        """`EVIDENCE_*` settings that reach this site (and allow its loopback address)."""
        env = {"EVIDENCE_ALLOW_PRIVATE": "1"}
        if self.ca_file:
            env["EVIDENCE_HOST_RESOLVER_RULES"] = self.resolver_rules
            env["EVIDENCE_EXTRA_CA_FILE"] = self.ca_file
        return env

    def chromium_args(self) -> list[str]:
        """Chromium flags for a plain browser to reach this site by its name."""
        return [f"--host-resolver-rules={self.resolver_rules}"] if self.ca_file else []


@contextlib.contextmanager
def news_site(https: bool = True) -> Iterator[Site]:
    """Run the generated news site in a child process until the block ends."""
    argv = [sys.executable, "-m", "tests.world.news", *(["--https"] if https else [])]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise SystemExit("the news site did not start")
        info = json.loads(line)
        yield Site(info["origin"], info["port"], info["ca_file"], info["resolver_rules"])
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def world_settings(world: dict[str, Any], concurrency: int = 1) -> Any:
    """Capture settings that reach the test world's process (`world_process`): its host rules
    and its CA, private addresses allowed."""
    from collector.capture.settings import CaptureSettings

    return CaptureSettings(
        allow_private=True,
        host_resolver_rules=world["resolver_rules"],
        extra_ca_file=world["ca_file"],
        concurrency=concurrency,
    )


@contextlib.contextmanager
def world_process() -> Iterator[dict[str, Any]]:
    """The test world (`python -m tests.world`) in a process of its own, as a remote server
    would be; yields what it prints of itself (ports, resolver rules, CA file) plus `http`,
    the base URL of its plain-HTTP site (the `/bench/<i>` pages), and stops it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.world"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        yield {**info, "http": f"http://127.0.0.1:{info['http_port']}"}
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=30)


def saved_case(home: Path, origin: str, pages: int, title: str) -> tuple[Any, str]:
    """A fresh archive in `home` holding `pages` captures of the world's bench pages at
    `origin` in one case called `title`, unsealed as `save_capture` stores them (no TSA
    needed); returns the open archive and the case id."""
    sys.path.insert(0, str(ROOT))
    from archive.archive import Archive
    from collector.capture.settings import CaptureSettings
    from collector.capture.store import save_capture
    from tests.capture.conftest import EngineRunner

    archive = Archive.open(home)
    runner = EngineRunner(CaptureSettings(allow_private=True, concurrency=2))
    try:
        with archive.session() as session:
            case_id = archive.ensure_case(session, title).id
        for i in range(pages):
            save_capture(archive, runner.capture(f"{origin}/bench/{i}"), case_id=case_id)
    finally:
        runner.close()
    return archive, case_id


@contextlib.contextmanager
def local_tsa() -> Iterator[dict[str, str]]:
    """A local RFC 3161 TSA (`tests/provenance/tsa.py`: openssl ts on 127.0.0.1); yields the
    `EVIDENCE_TSA_*` variables that make an archive ask it."""
    sys.path.insert(0, str(ROOT))
    from tests.provenance.tsa import build_pki, start_tsa

    with tempfile.TemporaryDirectory(prefix="bench-tsa-") as tmp:
        build_pki(Path(tmp))
        tsa = start_tsa(Path(tmp))
        try:
            yield {"EVIDENCE_TSA_URLS": f"{tsa.url}/tsa", "EVIDENCE_TSA_CA_BUNDLE": str(tsa.bundle)}
        finally:
            tsa.server.shutdown()
            tsa.server.server_close()


def chromium_executable() -> str | None:
    """The executable the product would choose (None: Playwright's own build)."""
    from collector.capture import browser as browsers
    from collector.capture.settings import CaptureSettings

    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            bundled = playwright.chromium.executable_path
    except Exception:  # no Playwright browser registry at all
        bundled = ""
    return browsers.choose_chromium(bundled, CaptureSettings.from_sources()).executable


class MemorySampler:
    """Samples the proportional set size of this process tree from /proc in a thread.

    Reading smaps_rollup walks page tables, so it is done only every `SAMPLE_EVERY_S`; the
    thread's own CPU seconds are kept in `cpu_s` (the benchmark's cost, not the product's).
    """

    def __init__(self) -> None:
        self.peak = 0
        self.cpu_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

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
            frontier.extend(child_pids(pid))
        return total

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.peak = max(self.peak, self._tree_pss())
        self.cpu_s = time.thread_time()

    def __enter__(self) -> "MemorySampler":
        self.peak = self._tree_pss()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._tree_pss())


def median(values: list[float]) -> float:
    """The median (nan for no values)."""
    return statistics.median(values) if values else float("nan")


def p95(values: list[float]) -> float:
    """The 95th percentile by nearest rank (nan for no values)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def load_average() -> str:
    """The machine's load averages, as printed beside every figure."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
