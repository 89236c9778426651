"""Shared-subtree inclusion proofs equal merkle.py's, verify, and stay fast for many leaves."""

import hashlib
import time

from archive.export.proofs import inclusion_proofs
from archive.provenance import merkle


def _leaves(count: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(count)]


def test_same_proofs_as_merkle_module_for_every_leaf_and_size() -> None:
    leaves = _leaves(37)
    for size in range(1, 38):
        proofs = inclusion_proofs(leaves, range(size), size)
        root = merkle.root(leaves, size)
        for index in range(size):
            assert proofs[index] == merkle.inclusion_proof(leaves, index, size)
            assert merkle.verify_inclusion(leaves[index], index, size, proofs[index], root)


def test_many_proofs_cost_about_one_pass() -> None:
    leaves = _leaves(50_000)
    started = time.process_time()
    proofs = inclusion_proofs(leaves, range(0, 50_000, 100), 50_000)
    shared = time.process_time() - started
    started = time.process_time()
    for index in range(0, 50_000, 5_000):
        merkle.inclusion_proof(leaves, index, 50_000)
    one_by_one = (time.process_time() - started) * 50  # the same 500 proofs, extrapolated
    assert len(proofs) == 500
    assert shared * 5 < one_by_one, (shared, one_by_one)
