"""Export packing benchmark: what re-hashing every blob as it is packed costs.

Reproduce from the repository root:

    .venv/bin/python benchmarks/export.py            # --mib N for the blob size (default 256)

Export re-hashes each blob while copying it into the package (`package.write_entries`, issue
16: damaged evidence must stop an export). Both are measured in the same run, interleaved,
best of five (the machine may be shared), on one blob of a real archive's blob store: "copy"
is a plain `shutil.copyfileobj` of the blob file in 8 MiB chunks, what packing did before;
"checked" is `write_entries`, copying and hashing; "raw SHA-256" hashes 64 MiB already in
memory (the ceiling for any checked copy). The peak resident memory growth of the
checked copy is printed too: the blob is streamed, never read whole.
"""

import argparse
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.archive import Archive  # noqa: E402
from archive.export.package import Entry, write_entries  # noqa: E402


def _best(runs: list[float]) -> float:
    return min(runs)


def main() -> None:
    """Print copy and checked-copy throughput for one blob."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="blob size in MiB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        archive = Archive.open(Path(work) / "home")
        raw = Path(work) / "raw.bin"
        with open(raw, "wb") as out:
            for _ in range(args.mib):
                out.write(os.urandom(1 << 20))
        with open(raw, "rb") as handle:
            blob = archive.blobs.put(handle).sha256
        raw.unlink()
        source = archive.blobs.path(blob)  # type: ignore[attr-defined]
        entry = Entry("out/blob.bin", blob=blob, what="benchmark blob")
        sample = os.urandom(64 << 20)
        plain, checked, raw_hash = [], [], []
        mib = args.mib
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for run in range(5):
            target = Path(work) / f"plain-{run}"
            started = time.perf_counter()
            with open(source, "rb") as handle, open(target, "wb") as out:
                shutil.copyfileobj(handle, out, 8 << 20)
            plain.append(time.perf_counter() - started)
            target.unlink()
            folder = Path(work) / f"checked-{run}"
            started = time.perf_counter()
            write_entries(archive, [entry], folder)
            checked.append(time.perf_counter() - started)
            shutil.rmtree(folder)
            started = time.perf_counter()
            hashlib.sha256(sample).digest()
            raw_hash.append((time.perf_counter() - started) * mib / 64)
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        archive.close()
    print(f"blob: {mib} MiB, best of 5")
    print(f"raw SHA-256 of bytes in memory (scaled): {mib / _best(raw_hash):.0f} MiB/s")
    print(f"copy     {_best(plain):.3f} s  {mib / _best(plain):.0f} MiB/s")
    print(f"checked  {_best(checked):.3f} s  {mib / _best(checked):.0f} MiB/s")
    print(f"checked / copy: {_best(checked) / _best(plain):.2f}")
    print(f"peak RSS growth during the runs: {rss_growth / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
