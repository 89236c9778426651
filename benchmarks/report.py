"""Report benchmark: what the HTML and the PDF report of a case cost, and how many prints the
PDF's contents list took (each print is read back with pypdfium2 for its sections' pages).

Reproduce from the repository root (after `make install`):

    .venv/bin/python benchmarks/report.py            # --pages N captures (default 20)

N pages of the test world (its benchmark pages, served in a separate process) are captured and
stored in one case of a fresh archive, unsealed as `save_capture` stores them, so no TSA is
needed; each report is exported three times and the best wall time printed.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.export import export  # noqa: E402
from archive.export import pdf as pdf_module  # noqa: E402
from benchmarks.harness import saved_case, world_process  # noqa: E402


def _count_prints(counted: list[int]) -> None:
    """Wrap pdf._print so each print appends to `counted`."""
    original = pdf_module._print

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted.append(1)
        return original(*args, **kwargs)

    pdf_module._print = counting  # type: ignore[assignment]


def main() -> None:
    """Capture, export the reports, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    prints: list[int] = []
    _count_prints(prints)
    with world_process() as world, tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        folder = Path(tmp)
        home = folder / "home"
        archive, case_id = saved_case(home, world["http"], args.pages, "Report benchmark")
        for suffix in ("html", "pdf"):
            walls = []
            for round_ in range(3):
                prints.clear()
                out = folder / f"report-{round_}.{suffix}"
                start = time.perf_counter()
                export(archive, case_id, "report", out)
                walls.append(time.perf_counter() - start)
            size = out.stat().st_size
            extra = f", {len(prints)} prints" if suffix == "pdf" else ""
            print(
                f"{args.pages} captures, report .{suffix}: best {min(walls):.2f} s "
                f"(of {', '.join(f'{w:.2f}' for w in walls)}), {size / 1e6:.1f} MB{extra}"
            )
        archive.close()


if __name__ == "__main__":
    main()
