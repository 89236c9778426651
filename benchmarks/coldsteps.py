"""One cold capture taken apart: the time of each step `evidence capture URL` goes through.

Run by `benchmarks/endtoend.py --steps` in a fresh interpreter per run, so every import is
cold (`python benchmarks/coldsteps.py HOME URL` prints one JSON object). The steps run one
after another here, where the command overlaps some of them (the archive opens while the
browser launches, the image code loads while the page loads; `evidence capture` begins the
launch before it imports the stack, `lifecycle.Prelaunch`), so their sum is more than the
command's wall time: the table shows what each step costs and which one a cold start waits on.

What is timed is the product's own code: the same imports, `warm_up` (run here on its own,
where the command runs it beside the launch), `Archive.open`, `capture_stack`,
`Acquirer.acquire` (its steps from the capture's own `timings_s`), `save_acquisition` with its
parts timed by wrapping the functions `collector.collect.record` calls (store_blobs,
analyze_with_thumbnail, analyze_image, render_card, seal_rows, insert_rows; the image checks
and thumbnail start in threads as soon as the screenshots are taken (`collect/imagework.py`),
so they overlap the capture's last steps and each other, and their sum can exceed the save's
wall time), then `finish_writes` with its RFC 3161 requests and checkpoint timed the same way.
"""

import asyncio
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEGAN = time.perf_counter()
STEPS: dict[str, float] = {}


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, adding each call's time to STEPS[name]."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            STEPS[name] = STEPS.get(name, 0.0) + time.perf_counter() - began

    return wrapper


class Clock:
    """Times the blocks of the cold path in order."""

    def __init__(self) -> None:
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        STEPS[name] = now - self.last
        self.last = now


async def cold(home: Path, url: str, clock: Clock) -> None:
    """The cold path, step by step."""
    import collector.cli.app  # noqa: F401  (what the console script loads first)

    clock.lap("import: command line")
    from collector.collect.capturehome import capture_section
    from collector.collect.stack import capture_stack

    clock.lap("import: browser stack (Playwright)")
    import archive.provenance.seal as seal
    from archive.archive import Archive
    from collector.capture.settings import CaptureSettings
    from collector.collect import imagework, record, warmup
    from collector.platforms.config import PlatformConfig

    clock.lap("import: archive, saving")
    warmup.warm_up()
    clock.lap("warm_up: adapters, font coverage, image code")
    archive = Archive.open(home)
    clock.lap("home open (Archive.open)")
    settings = CaptureSettings.from_sources(capture_section(archive.settings))
    platforms = PlatformConfig.load(archive.settings.section("platforms"))
    for name, label in (
        ("store_blobs", "save: blobs (SHA-256, SHA-512, fsync)"),
        ("analyze_with_thumbnail", "save: full-page shot's checks and thumbnail"),
        ("analyze_image", "save: viewport shot's checks"),
        ("render_card", "save: evidence card"),
        ("seal_rows", "save: signing (manifest, Ed25519)"),
        ("insert_rows", "save: rows and custody event"),
    ):
        setattr(record, name, timed(label, getattr(record, name)))
        if hasattr(imagework, name):  # started from the screenshots step (`imagework.py`)
            setattr(imagework, name, getattr(record, name))
    seal.timestamp_pending = timed("finish: RFC 3161 timestamps", seal.timestamp_pending)
    seal.write_checkpoint = timed("finish: signed checkpoint", seal.write_checkpoint)
    clock.lap("settings")
    async with capture_stack(settings, platforms) as stack:
        clock.lap("Chromium launch (capture_stack)")
        acquisition = await stack.acquirer.acquire(url)
        clock.lap("acquire (whole)")
        for name, seconds in acquisition.capture.details.get("timings_s", {}).items():
            STEPS[f"  capture: {name}"] = seconds
        if acquisition.capture.status != "complete":
            raise SystemExit(f"{url}: {acquisition.capture.status_reason}")
        began = time.perf_counter()
        await asyncio.to_thread(record.save_acquisition, archive, acquisition)
        STEPS["save (whole, wall)"] = time.perf_counter() - began
        clock.last = time.perf_counter()
    clock.lap("browser close")
    await asyncio.to_thread(seal.finish_writes, archive)
    clock.lap("finish_writes (whole)")
    archive.close()
    clock.lap("archive close")


def main() -> None:
    """Run the cold path on HOME and URL; print the steps as JSON."""
    home, url = Path(sys.argv[1]), sys.argv[2]
    clock = Clock()
    asyncio.run(cold(home, url, clock))
    STEPS["total (after the interpreter started)"] = time.perf_counter() - BEGAN
    print(json.dumps(STEPS))


if __name__ == "__main__":
    main()
