"""Replay benchmark: what the page list costs a WACZ export, and how long ReplayWeb.page takes.

Reproduce from the repository root (after `make install`, which unpacks ReplayWeb.page):

    .venv/bin/python benchmarks/replay.py            # --pages N captures (default 20)

N pages of the test world (its benchmark pages, served in a separate process as remote servers
would be) are captured with the capture engine and stored in one case of a fresh archive. The
case is exported as a WACZ three times; the report gives the export's wall time and, within it,
`build_pages` (reading the CDXJ index and each listed page's WARC-Date). Then ReplayWeb.page
2.5.3 opens the WACZ in a fresh Chromium context: seconds until it lists all N pages, until it
has recorded its signature check, and per page replayed (the first five, until the replay
frame shows the page's text).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.export import export  # noqa: E402
from archive.export import wacz as wacz_module  # noqa: E402
from benchmarks.harness import saved_case, world_process  # noqa: E402
from tests.export.replayweb import ReplayWebPage  # noqa: E402

REPLAYED = 5


def _timed_build_pages(spent: list[float]) -> None:
    """Wrap wacz.build_pages so each call's time is appended to `spent`."""
    original = wacz_module.build_pages

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    wacz_module.build_pages = timed  # type: ignore[assignment]


def main() -> None:
    """Capture, export, replay; print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    app = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_replayweb.py")],
        capture_output=True, text=True, check=True, timeout=900,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    with world_process() as world, tempfile.TemporaryDirectory(prefix="replay-bench-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        archive, case_id = saved_case(home, world["http"], args.pages, "Replay benchmark")
        spent: list[float] = []
        _timed_build_pages(spent)
        walls = []
        waczs = folder / "waczs"
        waczs.mkdir()
        for round_ in range(3):
            start = time.perf_counter()
            export(archive, case_id, "wacz", waczs / f"case-{round_}.wacz")
            walls.append(time.perf_counter() - start)
        archive.close()
        wacz = waczs / "case-0.wacz"
        with zipfile.ZipFile(wacz) as zipped:
            lines = zipped.read("pages/pages.jsonl").splitlines()[1:]
        pages = [json.loads(line) for line in lines]
        size = wacz.stat().st_size
        rwp = ReplayWebPage(Path(app), waczs)
        try:
            start = time.perf_counter()
            loaded = rwp.open(wacz.name)
            loaded.page_titles(len(pages))
            listed = time.perf_counter() - start
            loaded.verification()
            signed = time.perf_counter() - start
            replays = []
            for page in pages[:REPLAYED]:
                ts = page["ts"][:19].replace("-", "").replace(":", "").replace("T", "")
                begin = time.perf_counter()
                title = str(page.get("title") or "")
                loaded.replay(page["url"], ts, lambda words, t=title: t in " ".join(words))
                replays.append(time.perf_counter() - begin)
        finally:
            rwp.close()
    print(f"captures: {args.pages}, pages listed: {len(pages)}, WACZ {size / 1e6:.1f} MB")
    print(f"export wall s (3 runs): {' '.join(f'{w:.2f}' for w in walls)}")
    print(f"build_pages s (3 runs): {' '.join(f'{s:.3f}' for s in spent)}")
    print(f"ReplayWeb.page: pages listed after {listed:.2f} s, signature record {signed:.2f} s")
    print(f"replay per page s: median {statistics.median(replays):.2f}, max {max(replays):.2f}")


if __name__ == "__main__":
    main()
