"""RFC 9162 inclusion proofs for many leaves of one tree, sharing subtree hashes.

`archive.provenance.merkle.inclusion_proof` recomputes every sibling subtree, so one proof costs
O(n) hashes; an export proves hundreds of events, which would make that O(events x log size).
Here subtree hashes are memoised, so all proofs together cost at most one pass over the tree
(about 2n hashes). Same definitions as merkle.py (RFC 9162 section 2.1); the tests compare both.
"""

from collections.abc import Iterable, Sequence

from archive.provenance.merkle import node_hash


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class SubtreeHashes:
    """Merkle tree hashes of ranges of `leaves` (leaf hashes), computed once each."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves
        self.memo: dict[tuple[int, int], bytes] = {}

    def hash(self, lo: int, hi: int) -> bytes:
        """MTH of leaves[lo:hi] (recursion depth is log2 of the range)."""
        if hi - lo == 1:
            return self.leaves[lo]
        found = self.memo.get((lo, hi))
        if found is None:
            k = _split(hi - lo)
            found = node_hash(self.hash(lo, lo + k), self.hash(lo + k, hi))
            self.memo[(lo, hi)] = found
        return found

    def path(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf `index` in the tree of the first `size` leaves."""
        if not 0 <= index < size <= len(self.leaves):
            raise ValueError(f"leaf {index} is not in a tree of size {size}")
        nodes: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                nodes.append(self.hash(lo + k, hi))
                hi = lo + k
            else:
                nodes.append(self.hash(lo, lo + k))
                lo = lo + k
        return list(reversed(nodes))


def inclusion_proofs(
    leaves: Sequence[bytes], indexes: Iterable[int], size: int
) -> dict[int, list[bytes]]:
    """Audit paths of several leaves in the tree of the first `size` leaves."""
    tree = SubtreeHashes(leaves)
    return {index: tree.path(index, size) for index in indexes}
