"""Spool benchmark: what encrypting the capture path's temporary files costs.

Reproduce from the repository root:

    .venv/bin/python benchmarks/spool.py            # --rounds N (default 7)

Every temporary file a capture writes is an ephemeral file (`collector/capture/ephemeral.py`:
AES-256-CTR under a key held in memory). Two parts, each interleaved round by round:

- files: N MiB written in 64 KiB pieces (as the recorder appends) and read back in 1 MiB
  pieces (as the WARC writer and the scrubber read), through a plaintext `TemporaryFile`
  (what `SpooledTemporaryFile` rolled over to before), an ephemeral file with its cipher
  switched off (the same code, no AES), and the ephemeral file itself;
- captures: the product's engine and blob store (`CaptureEngine.capture`, then
  `store.store_blobs`) with the ephemeral files' cipher on and off: the login site's members'
  archive (`tests/world/loginsite.py`: a 1.5 MiB page echoing the session and a gzip API
  answer of 1.5 MiB decoded) captured logged in and sealed, and the generated news site's
  heavy page (~2 MB, 40 images) logged out. Printed: capture and store seconds (median), and
  how many ephemeral files each capture made and how many bytes went through them.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.harness import news_site, world_process, world_settings  # noqa: E402
from benchmarks.session import log_in  # noqa: E402
from collector.capture import ephemeral  # noqa: E402
from collector.capture.ephemeral import EphemeralFile  # noqa: E402

MIB = 1024 * 1024
WRITE_BYTES = 64 * 1024
MODES = ("cipher on", "cipher off")


class _PlainFile(EphemeralFile):
    """An ephemeral file with its cipher switched off: the baseline of the same code."""

    def _crypt(self, offset: int, source: memoryview, target: memoryview) -> None:
        if source.obj is not target.obj:  # a write: the bytes copied, as the cipher would
            target[: len(source)] = source


def _plain_file() -> EphemeralFile:
    raw = tempfile.TemporaryFile(buffering=0)  # noqa: SIM115
    fd = os.dup(raw.fileno())
    raw.close()
    return _PlainFile(ephemeral._Shared(fd), owner=True)


def _through(make: Callable[[], BinaryIO], size: int) -> None:
    piece = os.urandom(WRITE_BYTES)
    with make() as out:
        for _ in range(size // WRITE_BYTES):
            out.write(piece)
        out.seek(0)
        while out.read(MIB):
            pass


def files(rounds: int, sizes: list[int]) -> dict[tuple[int, str], list[float]]:
    """Seconds per round to write and read back each size through each kind of file."""
    kinds: dict[str, Callable[[], Any]] = {
        "plaintext TemporaryFile (before)": tempfile.TemporaryFile,
        "ephemeral, cipher off": _plain_file,
        "ephemeral (AES-256-CTR)": ephemeral.temporary_file,
    }
    timings: dict[tuple[int, str], list[float]] = {(s, k): [] for s in sizes for k in kinds}
    for _ in range(rounds):
        for (size, kind), got in timings.items():
            start = time.perf_counter()
            _through(kinds[kind], size)
            got.append(time.perf_counter() - start)
    return timings


@dataclass
class Figures:
    """One page and mode, one value per round."""

    capture_s: list[float] = field(default_factory=list)
    store_s: list[float] = field(default_factory=list)
    files: list[int] = field(default_factory=list)
    file_bytes: list[int] = field(default_factory=list)


def _counting(factory: Callable[[], EphemeralFile], made: list[EphemeralFile]) -> Callable:
    def making() -> EphemeralFile:
        file = factory()
        made.append(file)
        return file

    return making


def _captures(settings: Any, pages: list[tuple[str, Any]], rounds: int) -> dict:
    """Capture and store each page `rounds` times with the cipher on and off, interleaved."""
    from archive.archive import Archive
    from collector.capture.store import store_blobs
    from tests.capture.conftest import EngineRunner

    factories = {"cipher on": ephemeral.temporary_file, "cipher off": _plain_file}
    figures = {(url, mode): Figures() for url, _ in pages for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-spool-") as tmp:
        archive = Archive.open(Path(tmp) / "home")
        runner = EngineRunner(settings)
        try:
            for url, session in pages:  # warm-up: browser, fonts, first TLS handshakes
                runner.call(runner.engine.capture(url, session=session(archive)))
            for _ in range(rounds):
                for (url, mode), got in figures.items():
                    session = dict(pages)[url](archive)
                    made: list[EphemeralFile] = []
                    ephemeral.temporary_file = _counting(factories[mode], made)
                    try:
                        start = time.perf_counter()
                        result = runner.call(runner.engine.capture(url, session=session))
                        got.capture_s.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        store_blobs(archive, result)
                        got.store_s.append(time.perf_counter() - start)
                    finally:
                        ephemeral.temporary_file = factories["cipher on"]
                    got.files.append(len(made))
                    got.file_bytes.append(sum(f.size for f in made))
                    del result
        finally:
            runner.close()
            archive.close()
    return figures


def captures(rounds: int) -> dict[tuple[str, str], Figures]:
    """The members' archive logged in (sealed), then the news site's heavy page logged out."""
    from archive.provenance.sealing import seal_public_key
    from collector.capture.session import session_from_state
    from collector.capture.settings import CaptureSettings
    from tests.world import loginsite

    with world_process() as world:
        settings = world_settings(world)
        state = log_in(settings)

        def logged_in(archive: Any) -> Any:
            return session_from_state("bench", state, "@bench", seal_public_key(archive.home))

        archive_url = f"https://{loginsite.HOST}{loginsite.ARCHIVE}"
        figures = _captures(settings, [(archive_url, logged_in)], rounds)
    with news_site() as site:
        settings = CaptureSettings.from_sources({}, env=site.capture_env(), concurrency=1)
        figures |= _captures(settings, [(site.heavy, lambda archive: None)], rounds)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="2,32,128", help="MiB per file, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) * MIB for s in args.sizes.split(",")]
    print(f"files: written in 64 KiB pieces, read in 1 MiB pieces, median of {args.rounds}")
    for (size, kind), got in files(args.rounds, sizes).items():
        median = statistics.median(got)
        print(f"  {size // MIB:>4} MiB  {kind:34} {median * 1000:8.1f} ms "
              f"{2 * size / MIB / median:8.0f} MiB/s moved")  # fmt: skip
    print(f"captures, median of {args.rounds} rounds")
    print(f"  {'page':40} {'mode':10} {'capture s':>9} {'store s':>7} {'files':>5} "
          f"{'file B':>11}")  # fmt: skip
    for (url, mode), got in captures(args.rounds).items():
        page = url.split("://", 1)[1][:40]
        print(
            f"  {page:40} {mode:10} {statistics.median(got.capture_s):>9.3f} "
            f"{statistics.median(got.store_s):>7.3f} {statistics.median(got.files):>5.0f} "
            f"{statistics.median(got.file_bytes):>11,.0f}"
        )
    print(f"reproduce: .venv/bin/python benchmarks/spool.py --rounds {args.rounds}")


if __name__ == "__main__":
    main()
