"""Verify benchmark: re-hashing stored blobs against raw hashlib SHA-256 on the same bytes.

Reproduce from the repository root:

    .venv/bin/python benchmarks/verify.py            # --mib N for the blob size (default 256)

The goal (issue 6) is at least 80% of raw SHA-256 speed on large blobs. Both are measured in
the same run, interleaved, best of five (the machine may be shared): "raw" hashes bytes already
in memory with `hashlib.sha256`; "verify" is what `evidence verify` does per blob, reading the
blob file from a real archive's blob store with `archive.hashing.hash_stream`; the
whole-archive figure runs `verify_archive` on an archive holding the blob plus 2,000 small ones.

The checkpoint figure (issue "One shape for the code", Merkle subtree cache) runs
`verify_archive` on an archive of `--events` custody events and `--checkpoints` checkpoints,
twice in the same run: with `merkle.MerkleTree` as it is (subtree hashes cached, so the roots
and consistency proofs of all checkpoints cost about one pass over the log), and with
`UncachedTree` below, the tree as it was before (every root and proof re-hashes its subtrees:
events x checkpoints). Both print the node hashes they computed.
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
from archive.hashing import hash_stream  # noqa: E402
from archive.provenance import merkle  # noqa: E402
from archive.provenance.log import write_checkpoint  # noqa: E402
from archive.provenance.verify import verify_archive  # noqa: E402
from archive.vocabulary import CustodyAction  # noqa: E402


class UncachedTree(merkle.MerkleTree):
    """The baseline: the tree before the subtree cache, every subtree hashed on each use."""

    def _mth(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.leaves[lo]
        k = merkle._split(hi - lo)
        self.node_hashes += 1
        return merkle.node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))


class CountingTrees:
    """Swaps `merkle.MerkleTree` for `kind` while verify runs; sums the node hashes."""

    def __init__(self, kind: type[merkle.MerkleTree]) -> None:
        self.kind = kind
        self.trees: list[merkle.MerkleTree] = []

    def __enter__(self) -> "CountingTrees":
        self.saved = merkle.MerkleTree

        def make(leaves: list[bytes]) -> merkle.MerkleTree:
            tree = self.kind(leaves)
            self.trees.append(tree)
            return tree

        merkle.MerkleTree = make  # type: ignore[assignment, misc]
        return self

    def __exit__(self, *_: object) -> None:
        merkle.MerkleTree = self.saved  # type: ignore[misc]

    @property
    def node_hashes(self) -> int:
        """Interior node hashes computed by every tree made so far."""
        return sum(tree.node_hashes for tree in self.trees)


def checkpoint_figures(events: int, checkpoints: int) -> None:
    """verify_archive over `events` events and `checkpoints` checkpoints, cached vs baseline."""
    with (
        tempfile.TemporaryDirectory(prefix="evidence-bench-") as home,
        Archive.open(Path(home)) as archive,
    ):
        per_checkpoint = max(1, events // checkpoints)
        for start in range(0, events, per_checkpoint):
            with archive.session() as session:
                for n in range(start, min(events, start + per_checkpoint)):
                    archive.record(
                        session, CustodyAction.TARGET_CREATED, "target", f"tgt_{n}", {"n": n}
                    )
            write_checkpoint(archive)
        times = {}
        hashes = {}
        for name, kind in (("baseline (no cache)", UncachedTree), ("cached", merkle.MerkleTree)):
            with CountingTrees(kind) as counting:
                started = time.perf_counter()
                verify_archive(archive)
                times[name] = time.perf_counter() - started
            hashes[name] = counting.node_hashes
    print(f"archive-wide verify: {events} custody events, {len(range(0, events, per_checkpoint))}"
          " checkpoints")  # fmt: skip
    for name in times:
        print(f"  {name:20} {times[name]:8.2f} s  {hashes[name]:>12,} node hashes")


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
    parser.add_argument("--events", type=int, default=20_000, help="custody events")
    parser.add_argument("--checkpoints", type=int, default=500, help="checkpoints")
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
    checkpoint_figures(args.events, args.checkpoints)
    print(
        f"reproduce: .venv/bin/python benchmarks/verify.py --mib {args.mib} "
        f"--events {args.events} --checkpoints {args.checkpoints}"
    )


if __name__ == "__main__":
    main()
