"""Verify benchmark: re-hashing stored blobs against raw hashlib SHA-256 on the same bytes.

Reproduce from the repository root:

    .venv/bin/python benchmarks/verify.py            # --mib N for the blob size (default 256)

The goal (issue 6) is at least 80% of raw SHA-256 speed on large blobs. Both are measured in
the same run, interleaved, best of five (the machine may be shared): "raw" hashes bytes already
in memory with `hashlib.sha256`; "verify" is what `evidence verify` does per blob, reading the
blob file from a real archive's blob store with `archive.provenance.verify.hash_stream`; the
whole-archive figure runs `verify_archive` on an archive holding the blob plus 2,000 small ones.
"""

import argparse
import hashlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.archive import Archive  # noqa: E402
from archive.provenance.verify import hash_stream, verify_archive  # noqa: E402


def best_of(runs: int, functions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best wall time of each function, interleaved."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(runs):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    """Print the figures and the command that reproduces them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256, help="size of the large blob in MiB")
    args = parser.parse_args()
    data = os.urandom(1 << 20) * args.mib
    with (
        tempfile.TemporaryDirectory(prefix="evidence-bench-") as home,
        Archive.open(Path(home)) as archive,
    ):
        with archive.session() as session:
            sha256 = archive.store_blob(session, data).sha256
            for n in range(2000):
                archive.store_blob(session, f"small blob {n}".encode() * 50)

        def verify_blob() -> None:
            with archive.blobs.open(sha256) as handle:
                assert hash_stream(handle)[0] == [sha256]

        best = best_of(5, {"raw": lambda: hashlib.sha256(data).digest(), "verify": verify_blob})
        start = time.perf_counter()
        findings = verify_archive(archive)
        whole = time.perf_counter() - start
    mb = len(data) / 1e6
    print(f"large blob: {args.mib} MiB, best of 5")
    print(f"  raw hashlib.sha256 (in memory)   {mb / best['raw']:8.0f} MB/s")
    print(f"  verify (blob file, hash_stream)  {mb / best['verify']:8.0f} MB/s")
    print(f"  ratio                            {best['raw'] / best['verify']:8.0%}  (goal >= 80%)")
    print(f"whole archive: verify_archive over {len(findings)} checks in {whole:.2f} s")
    print(f"reproduce: .venv/bin/python benchmarks/verify.py --mib {args.mib}")


if __name__ == "__main__":
    main()
