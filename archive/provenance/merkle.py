"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashes, inclusion and consistency
proofs, and their verification.

Hand-written because the algorithms are short and fully specified (RFC 9162 section 2.1),
the archive computes them over leaves it reads from its own database (a library with its own
storage, such as pymerkle, would keep a second copy of the log), and a verifier that someone
can read in one sitting is part of what makes the log checkable. Tested against the CT vectors.

All hashes are SHA-256 `bytes`; `leaves` are leaf hashes (`leaf_hash(data)`), in log order.
"""

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """The tree over `leaves` with every subtree hash it computes kept, so the roots and
    proofs of many tree sizes over one log share their work.

    RFC 9162 splits every subtree at the largest power of two below its width, so all left
    children are aligned, complete subtrees common to every larger tree: after the first root,
    another tree size costs O(log n) new node hashes instead of O(n). `node_hashes` counts the
    interior hashes computed (for tests and benchmarks).
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = leaves
        self.node_hashes = 0
        self._subtrees: dict[tuple[int, int], bytes] = {}

    def _mth(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.leaves[lo]
        cached = self._subtrees.get((lo, hi))
        if cached is None:
            k = _split(hi - lo)
            cached = node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))
            self.node_hashes += 1
            self._subtrees[(lo, hi)] = cached
        return cached

    def root(self, size: int | None = None) -> bytes:
        """The Merkle tree hash of the first `size` leaves (all by default)."""
        size = len(self.leaves) if size is None else size
        if not 0 <= size <= len(self.leaves):
            raise ValueError(f"tree size {size} outside 0..{len(self.leaves)}")
        return EMPTY_ROOT if size == 0 else self._mth(0, size)

    def _path(self, index: int, lo: int, hi: int) -> list[bytes]:
        if hi - lo == 1:
            return []
        k = _split(hi - lo)
        if index < k:
            return [*self._path(index, lo, lo + k), self._mth(lo + k, hi)]
        return [*self._path(index - k, lo + k, hi), self._mth(lo, lo + k)]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf `index` in the tree of the first `size` leaves."""
        size = len(self.leaves) if size is None else size
        if not 0 <= index < size <= len(self.leaves):
            raise ValueError(f"leaf {index} is not in a tree of size {size}")
        return self._path(index, 0, size)

    def _subproof(self, m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
        if m == hi - lo:
            return [] if complete else [self._mth(lo, hi)]
        k = _split(hi - lo)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, complete), self._mth(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self._mth(lo, lo + k)]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """The proof that the tree of size `first` is a prefix of the tree of size `second`."""
        second = len(self.leaves) if second is None else second
        if not 0 <= first <= second <= len(self.leaves):
            raise ValueError(f"no consistency proof from size {first} to size {second}")
        if first == 0 or first == second:
            return []
        return self._subproof(first, 0, second, True)


def root(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """The Merkle tree hash of the first `size` leaves (all by default)."""
    return MerkleTree(leaves).root(size)


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """The audit path of leaf `index` in the tree of the first `size` leaves."""
    return MerkleTree(leaves).inclusion_proof(index, size)


def consistency_proof(
    leaves: Sequence[bytes], first: int, second: int | None = None
) -> list[bytes]:
    """The proof that the tree of size `first` is a prefix of the tree of size `second`."""
    return MerkleTree(leaves).consistency_proof(first, second)


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `proof` show leaf hash `leaf` at `index` under `expected_root`?"""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn = index, size - 1
    result = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(p, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does `proof` show the size-`first` tree is a prefix of size `second`?"""
    if not 0 <= first <= second or any(len(p) != HASH_SIZE for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
