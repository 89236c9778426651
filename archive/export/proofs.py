"""RFC 9162 inclusion proofs for many leaves of one tree, sharing subtree hashes.

One `merkle.MerkleTree` serves every proof, so an export proving hundreds of events costs at
most one pass over the tree (about 2n hashes) instead of O(events x log size).
"""

from collections.abc import Iterable, Sequence

from archive.provenance.merkle import MerkleTree


def inclusion_proofs(
    leaves: Sequence[bytes], indexes: Iterable[int], size: int
) -> dict[int, list[bytes]]:
    """Audit paths of several leaves in the tree of the first `size` leaves."""
    tree = MerkleTree(leaves)
    return {index: tree.inclusion_proof(index, size) for index in indexes}
