"""CPU seconds of the product's own steps, by function, while a benchmark runs.

`StepClock` wraps named synchronous functions of the capture and save path where their callers
look them up, and adds the CPU time of the thread that ran each call (`time.thread_time`: what
that thread used, waits for the GIL or the disk excluded) under the step's name, until it is
closed. Steps nest (the image checks inside the save): each figure is inclusive of its
sub-steps, which are indented under it in `lines()`. Only the benchmark wraps anything: the
product's code is run unchanged.
"""

import functools
import importlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

STEPS: list[tuple[str, str, list[str]]] = [
    # (label, "module:attribute" defining it, [modules that imported it by name])
    ("save (thread)", "collector.collect.record:save_acquisition", ["collector.collect.captures"]),
    ("  store blobs", "collector.capture.store:store_blobs", ["collector.collect.record"]),
    ("  image checks, full + thumbnail", "collector.platforms.imaging:analyze_with_thumbnail",
     ["collector.collect.imagework", "collector.collect.record"]),
    ("  image checks, viewport", "collector.platforms.imaging:analyze_image",
     ["collector.collect.imagework", "collector.collect.record"]),
    ("    decode + verify", "collector.platforms.imaging:_decoded", []),
    ("    pHash", "imagehash:phash", []),
    ("    PDQ", "collector.platforms.imaging:_pdq", []),
    ("    EXIF", "collector.platforms.imaging:exif_data", []),
    ("    thumbnail (WebP)", "collector.platforms.imaging:_thumbnail", []),
    ("  evidence card", "collector.platforms.evidence_card:render_card",
     ["collector.collect.record"]),
    ("  manifest + signature", "archive.provenance.seal:prepare_seal",
     ["collector.capture.store"]),
    ("  C2PA copies", "archive.provenance.credentials:credential_artifacts",
     ["collector.capture.store"]),
    ("    c2pa sign (each image)", "archive.provenance.credentials:_Signing.sign", []),
    ("  insert rows + custody", "collector.capture.store:insert_rows",
     ["collector.collect.record"]),
    ("  blob put (all)", "archive.blobstore:LocalBlobStore.put", []),
    ("    fsync of directories", "archive.fsutil:fsync_dir", ["archive.blobstore"]),
    ("assemble (event loop)", "collector.capture.assemble:assemble", ["collector.capture.engine"]),
    ("  page verdict", "collector.capture.verdict:judge_run", ["collector.capture.assemble"]),
    ("    blank check", "collector.capture.verdict:blank_colour", []),
    ("  WARC written", "collector.capture.warc:write_warc", ["collector.capture.assemble"]),
    ("finish_writes (TSA, checkpoint)", "archive.provenance.seal:finish_writes",
     ["collector.collect.captures"]),
]  # fmt: skip


def _resolve(spec: str) -> tuple[Any, str]:
    module, _, attr = spec.partition(":")
    owner: Any = importlib.import_module(module)
    *path, name = attr.split(".")
    for part in path:
        owner = getattr(owner, part)
    return owner, name


class StepClock:
    """Thread CPU seconds and calls per step, while open."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._inside = threading.local()
        self._undo: list[tuple[Any, str, Any]] = []

    def _wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            inside = self._inside.__dict__.setdefault("labels", set())
            if label in inside:  # a call of itself (insert_rows opening its session): counted once
                return function(*args, **kwargs)
            inside.add(label)
            began = time.thread_time()
            try:
                return function(*args, **kwargs)
            finally:
                used = time.thread_time() - began
                inside.discard(label)
                with self._lock:
                    self.seconds[label] += used
                    self.calls[label] += 1

        return timed

    def __enter__(self) -> "StepClock":
        for label, spec, callers in STEPS:
            owner, name = _resolve(spec)
            original = getattr(owner, name)
            timed = self._wrap(label.strip(), original)
            places = [owner, *(importlib.import_module(caller) for caller in callers)]
            for place in places:
                if getattr(place, name, None) is original:
                    self._undo.append((place, name, original))
                    setattr(place, name, timed)
        return self

    def __exit__(self, *_exc: object) -> None:
        for target, attr, original in reversed(self._undo):
            setattr(target, attr, original)
        self._undo.clear()

    def reset(self) -> None:
        """Forget what was counted so far (the warm-up)."""
        with self._lock:
            self.seconds.clear()
            self.calls.clear()

    def lines(self, pages: int) -> list[str]:
        """Thread CPU per page of each step, nested as in `STEPS`."""
        out = [f"{'step (thread CPU per page, s)':<44}{'s/page':>8}{'calls':>7}"]
        for label, _spec, _callers in STEPS:
            key = label.strip()
            if self.calls[key]:
                out.append(f"{label:<44}{self.seconds[key] / pages:>8.3f}{self.calls[key]:>7}")
        return out


class BrowserSteps:
    """CPU seconds of Chromium and Playwright's driver during each capture step, by step name.

    Only meaningful when one capture runs at a time (concurrency 1): the process tree's CPU is
    read before and after each step (`steps._run_step`), so it holds whatever else the browser
    did meanwhile. Counting happens while `counting` is set."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.counting = False
        self._original: Any = None

    @staticmethod
    def _browser_cpu() -> float:
        from benchmarks import cputree

        shot = cputree.snapshot().seconds
        return sum(v for k, v in shot.items() if k.startswith(("chromium", "playwright")))

    def __enter__(self) -> "BrowserSteps":
        from collector.capture import steps

        self._original = original = steps._run_step

        @functools.wraps(original)
        async def timed(run: Any, step: Any, page: Any) -> Any:
            if not self.counting:
                return await original(run, step, page)
            began = self._browser_cpu()
            try:
                return await original(run, step, page)
            finally:
                self.seconds[step.name] += self._browser_cpu() - began

        steps._run_step = timed
        return self

    def __exit__(self, *_exc: object) -> None:
        from collector.capture import steps

        steps._run_step = self._original

    def lines(self, pages: int) -> list[str]:
        """Chromium + driver CPU per page of each step, in the order they ran."""
        out = [f"{'step (Chromium + driver CPU per page, s)':<44}{'s/page':>8}"]
        out += [f"{name:<44}{seconds / pages:>8.3f}" for name, seconds in self.seconds.items()]
        return out
