"""RFC 9162 Merkle hashes and proofs against the Certificate Transparency test vectors
(transparency-dev/merkle testonly data: leaves, roots for sizes 0..8, audit paths)."""

import pytest

from archive.provenance import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
HASHES = [merkle.leaf_hash(leaf) for leaf in LEAVES]


def test_roots_match_ct_vectors() -> None:
    assert [merkle.root(HASHES, n).hex() for n in range(9)] == ROOTS


@pytest.mark.parametrize(("index", "size"), list(INCLUSION))
def test_inclusion_proofs_match_ct_vectors(index: int, size: int) -> None:
    proof = merkle.inclusion_proof(HASHES, index, size)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(HASHES[index], index, size, proof, root)
    assert not merkle.verify_inclusion(HASHES[index], index + 1, size, proof, root)
    assert not merkle.verify_inclusion(HASHES[index ^ 1], index, size, proof, root)


@pytest.mark.parametrize(("first", "second"), list(CONSISTENCY))
def test_consistency_proofs_match_ct_vectors(first: int, second: int) -> None:
    proof = merkle.consistency_proof(HASHES, first, second)
    assert [p.hex() for p in proof] == CONSISTENCY[(first, second)]
    old, new = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert merkle.verify_consistency(first, second, old, new, proof)
    assert not merkle.verify_consistency(first, second, new, old, proof)
    assert not merkle.verify_consistency(first, second, old, new, proof[:-1])


def test_every_proof_verifies_and_mangled_ones_do_not() -> None:
    leaves = [merkle.leaf_hash(bytes([i, i * 7 % 256])) for i in range(33)]
    roots = [merkle.root(leaves, n) for n in range(len(leaves) + 1)]
    for n in range(1, len(leaves) + 1):
        for i in range(n):
            proof = merkle.inclusion_proof(leaves, i, n)
            assert merkle.verify_inclusion(leaves[i], i, n, proof, roots[n])
            if proof:
                bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert not merkle.verify_inclusion(leaves[i], i, n, bad, roots[n])
                assert not merkle.verify_inclusion(leaves[i], i, n, proof[:-1], roots[n])
                assert not merkle.verify_inclusion(leaves[i], i, n, [*proof, proof[0]], roots[n])
        for m in range(n + 1):
            proof = merkle.consistency_proof(leaves, m, n)
            assert merkle.verify_consistency(m, n, roots[m], roots[n], proof)
            if proof:
                bad = [*proof[:-1], bytes(32)]
                assert not merkle.verify_consistency(m, n, roots[m], roots[n], bad)
                if m:
                    assert not merkle.verify_consistency(m, n, roots[m - 1], roots[n], proof)


def test_bad_ranges_are_refused() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_proof(HASHES, 8, 8)
    with pytest.raises(ValueError):
        merkle.consistency_proof(HASHES, 5, 3)
    with pytest.raises(ValueError):
        merkle.root(HASHES, 9)
    assert merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, bytes.fromhex(ROOTS[8]), [])
    assert not merkle.verify_consistency(4, 4, HASHES[0], HASHES[1], [])


def test_one_tree_gives_the_same_roots_and_proofs_as_fresh_trees() -> None:
    leaves = [merkle.leaf_hash(bytes([i, i * 3 % 256])) for i in range(70)]
    tree = merkle.MerkleTree(leaves)
    for n in range(len(leaves) + 1):
        assert tree.root(n) == merkle.MerkleTree(leaves).root(n)
        for m in range(n + 1):
            fresh = merkle.MerkleTree(leaves).consistency_proof(m, n)
            assert tree.consistency_proof(m, n) == fresh
        for i in range(n):
            assert tree.inclusion_proof(i, n) == merkle.MerkleTree(leaves).inclusion_proof(i, n)


def test_many_checkpoints_cost_about_one_pass_over_the_log() -> None:
    """Archive-wide verify: a root per checkpoint and a consistency proof to the previous one.
    Without the subtree cache this is leaves x checkpoints node hashes (about 3.5 million
    here); with it, each complete subtree is hashed once and each new size adds O(log n)."""
    count = 4096
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(count)]
    tree = merkle.MerkleTree(leaves)
    sizes = list(range(3, count + 1, 3))  # 1,365 checkpoints
    previous = 0
    for size in sizes:
        tree.root(size)
        tree.consistency_proof(previous, size)
        previous = size
    assert tree.node_hashes <= count + len(sizes) * count.bit_length(), tree.node_hashes
    uncached = merkle.MerkleTree(leaves)
    uncached.root(count)
    assert uncached.node_hashes == count - 1  # one root alone: every interior node once
