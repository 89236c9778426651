"""Memory benchmark: peak memory of one capture of a hostile response, for the process tree.

Reproduce from the repository root:

    .venv/bin/python benchmarks/memory.py              # add --whole to also record 1 GiB whole

A loopback server (`tests/capture/heavy.py`, in this process) generates every body on the fly:
  small   a 16 KiB page: the baseline;
  2gib    a 2 GiB page (Content-Length), random bytes;
  2gibtxt a 2 GiB page of printable lines (text/plain);
  bomb    a gzip bomb, 10 GiB expanded (about 10 MB on the wire, Content-Encoding: gzip);
  1gib    a page whose script downloads a 1 GiB response;
  whole   (--whole) the 1 GiB response with max_response_bytes and max_total_bytes raised to
          2 GiB, so all of it is recorded (spooled to disk, written to the WARC).
Each case is captured with the real engine (default settings, loopback allowed) in an engine of
its own. Peak memory is sampled from /proc every 50 ms over this process and all its descendants
(Playwright's driver, Chromium and its renderers): "peak PSS" is the highest sum of their
proportional set sizes (shared pages split between the processes sharing them: what the tree
really uses), "peak RSS" the highest sum of VmRSS (shared pages counted once per process, so it
overstates), and "python" this process's own high-water mark (VmHWM). `--steps` adds the peak
PSS during each capture step (the engine's own steps, wrapped to mark the sampler) and the
tree's PSS at its peak by process kind (python, node: Playwright's driver, chromium-headless-shell
and its gpu-process, renderer, utility network.mojom.NetworkService, zygote), to show where a
case's memory goes; `--cases a,b` runs only those cases.
"""

import argparse
import asyncio
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.cputree import child_pids  # noqa: E402
from collector.capture import steps  # noqa: E402
from collector.capture.engine import CaptureEngine  # noqa: E402
from collector.capture.settings import CaptureSettings  # noqa: E402
from tests.capture.heavy import HeavyServer  # noqa: E402

GIB = 1024**3
TARGET_MB = 600
SAMPLE_EVERY_S = 0.05
CASES = {
    "small": ("/body?bytes=16384", {}),
    "2gib": (f"/body?bytes={2 * GIB}", {}),
    "2gibtxt": (f"/text?bytes={2 * GIB}", {}),
    "bomb": (f"/bomb?bytes={10 * GIB}", {}),
    "1gib": (f"/fetch?bytes={GIB}", {}),
}
WHOLE = (
    "whole",
    (f"/fetch?bytes={GIB}", {"max_response_bytes": 2 * GIB, "max_total_bytes": 2 * GIB}),
)


def _field_kb(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:  # the process ended between listing and reading
        pass
    return 0


def process_kind(pid: int) -> str:
    """What a process of the tree is: its program's name and Chromium's process type."""
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().split()
    except (OSError, UnicodeDecodeError):
        return "gone"
    kind = Path(words[0]).name if words else "?"
    for word in words[1:]:
        if word.startswith(("--type=", "--utility-sub-type=")):
            kind += " " + word.split("=", 1)[1]
    return kind


def tree_kb(root: int) -> tuple[int, int, dict[str, int]]:
    """Sums of PSS and of VmRSS (KiB) over `root` and every descendant, and PSS by kind."""
    pss, rss, kinds, todo = 0, 0, {}, [root]
    while todo:
        pid = todo.pop()
        own = _field_kb(f"/proc/{pid}/smaps_rollup", "Pss:")
        kind = process_kind(pid)
        kinds[kind] = kinds.get(kind, 0) + own
        pss += own
        rss += _field_kb(f"/proc/{pid}/status", "VmRSS:")
        todo += child_pids(pid)
    return pss, rss, kinds


class TreeSampler:
    """Samples the process tree's memory every 50 ms in a thread and keeps the peaks (KiB)."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_pss = self.peak_rss = 0
        self.peak_kinds: dict[str, int] = {}
        """PSS (KiB) by process kind at the peak."""
        self.step_peaks: dict[str, int] = {}
        """Peak PSS (KiB) while each marked step ran."""
        self.step: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pss, rss, kinds = tree_kb(self.root)
            if pss > self.peak_pss:
                self.peak_pss, self.peak_kinds = pss, kinds
            self.peak_rss = max(self.peak_rss, rss)
            if self.step is not None:
                self.step_peaks[self.step] = max(self.step_peaks.get(self.step, 0), pss)
            self._stop.wait(SAMPLE_EVERY_S)

    def __enter__(self) -> "TreeSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def marking_steps(sampler: TreeSampler) -> tuple[steps.Step, ...]:
    """The engine's steps, each telling `sampler` while it runs."""

    def marked(step: steps.Step) -> steps.Step:
        async def run(capture_run: object, page: object) -> None:
            sampler.step = step.name
            try:
                await step.run(capture_run, page)  # type: ignore[arg-type]
            finally:
                sampler.step = None

        return dataclasses.replace(step, run=run)

    return tuple(marked(step) for step in steps.STEPS)


def _mb(kib: int) -> float:
    return kib * 1024 / 1e6


async def run_case(url: str, overrides: dict[str, int]) -> tuple[object, ...]:
    """Capture `url` in an engine of its own: peak PSS, RSS and Python MB, seconds, WARC MB,
    status and reason."""
    settings = CaptureSettings(allow_private=True, concurrency=1, timeout_s=60.0, **overrides)
    defaults = steps.run_steps.__defaults__
    with TreeSampler(os.getpid()) as sampler:
        steps.run_steps.__defaults__ = (marking_steps(sampler),)
        try:
            async with CaptureEngine(settings) as engine:
                began = time.monotonic()
                result = await engine.capture(url)
                elapsed = time.monotonic() - began
        finally:
            steps.run_steps.__defaults__ = defaults
    warc = result.artifact("warc")
    python = _mb(_field_kb("/proc/self/status", "VmHWM:"))
    return (
        _mb(sampler.peak_pss),
        _mb(sampler.peak_rss),
        python,
        elapsed,
        warc.size / 1e6 if warc else 0.0,
        result.status,
        result.status_reason or "",
        {name: round(_mb(kib)) for name, kib in sampler.step_peaks.items()},
        {kind: round(_mb(kib)) for kind, kib in sorted(sampler.peak_kinds.items())},
    )


async def main(whole: bool, names: list[str] | None, by_step: bool) -> int:
    """Run the cases, print a table, and return 1 when a case missed the target."""
    cases = dict(CASES)
    if whole:
        cases[WHOLE[0]] = WHOLE[1]
    if names:
        cases = {name: cases[name] for name in names}
    rows = []
    with HeavyServer() as server:
        for name, (path, overrides) in cases.items():
            rows.append((name, *await run_case(server.url(path), overrides)))
            print(f"{name}: done", file=sys.stderr, flush=True)
    print("case     peak PSS  peak RSS  python  time s  WARC MB  status    reason")
    for name, pss, rss, python, elapsed, warc_mb, status, reason, peaks, kinds in rows:
        print(
            f"{name:8} {pss:8.0f} {rss:9.0f} {python:7.0f} {elapsed:7.1f} {warc_mb:8.1f}"
            f"  {status:9} {reason}"
        )
        if by_step:
            print(
                "         peak PSS MB by step: " + ", ".join(f"{k} {v}" for k, v in peaks.items())
            )
            print(
                "         at the peak, by process: "
                + ", ".join(f"{k} {v}" for k, v in kinds.items())
            )
    print(f"target: every case under {TARGET_MB} MB peak PSS for the whole process tree")
    print("python is this process's high-water mark so far (it only grows from case to case)")
    flags = (" --whole" if whole else "") + (" --steps" if by_step else "")
    flags += f" --cases {','.join(names)}" if names else ""
    print(f"reproduce: .venv/bin/python benchmarks/memory.py{flags}")
    return 0 if all(row[1] < TARGET_MB for row in rows) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--whole", action="store_true", help="also record a 1 GiB body whole")
    parser.add_argument("--steps", action="store_true", help="also print each step's peak")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    args = parser.parse_args()
    names = args.cases.split(",") if args.cases else None
    sys.exit(asyncio.run(main(args.whole, names, args.steps)))
