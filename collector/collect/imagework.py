"""The screenshots' image checks and thumbnail, started as soon as the screenshots are taken.

A capture's image checks (full decode, pHash, PDQ) and thumbnail cost CPU for a 1280 x 7,300
px news page (`benchmarks/imagecost.py`); saving waited for them after the page's last
steps (DOM, fonts, closing, the WARC). The capture calls `ImageWork.start` once its
screenshots step has ended (`CaptureRun.on_screenshots`), which submits them to a shared pool
of threads (Pillow, imagehash and pdqhash let go of the GIL), so they run while the page's
other steps do; `record` then takes each result with `result`, which starts the work only if it
was not started on those very bytes (the same object: what is checked is what is stored).
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from collector.capture.result import ArtifactData
from collector.platforms.imaging import analyze_image, analyze_with_thumbnail

IMAGE_MAX_PIXELS = 200_000_000  # a 1280 x 20,000 px full-page screenshot is 25.6 million
IMAGE_THREADS = 4
POOL = ThreadPoolExecutor(max_workers=IMAGE_THREADS, thread_name_prefix="evidence-images")
"""Shared by every capture of the process: saving and early checks draw from the same threads."""


class ImageWork:
    """The image work of one capture's screenshots, started early or on demand."""

    def __init__(self, max_pixels: int = IMAGE_MAX_PIXELS) -> None:
        self.max_pixels = max_pixels
        self._started: dict[tuple[str, str], tuple[bytes, Future[Any]]] = {}

    def start(self, shots: list[ArtifactData]) -> None:
        """Start the checks of the viewport and first full-page screenshot, the latter's with
        its thumbnail from the same decode (`CaptureRun.on_screenshots`)."""
        for role, work in (
            ("screenshot-full", analyze_with_thumbnail),
            ("screenshot-viewport", analyze_image),
        ):
            shot = next((s for s in shots if s.role == role), None)
            if shot is not None:
                self.result(work, shot)

    def result(self, work: Callable[[bytes, int], Any], shot: ArtifactData) -> Future[Any]:
        """`work(shot.data, max_pixels)`, started now unless it was on these very bytes."""
        data = shot.data
        key = (work.__name__, shot.name)
        started = self._started.get(key)
        if started is not None and started[0] is data:
            return started[1]
        future = POOL.submit(work, data, self.max_pixels)
        self._started[key] = (data, future)
        return future
