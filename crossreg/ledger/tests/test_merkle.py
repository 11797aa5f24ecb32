"""The Merkle tree against the published RFC 6962/9162 vectors, and property tests.

Both implementations are checked: the platform's (``crossreg.ledger.merkle``) and the standalone
verifier's (``verifiers/ledger_verify.py``), which share no code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.ledger import merkle
from crossreg.ledger.tests.vectors import CONSISTENCY, INCLUSION, LEAF_INPUTS, NODE_HASHES, ROOTS
from verifiers import ledger_verify as standalone

H = bytes.fromhex
LEAVES = [merkle.leaf_hash(x) for x in LEAF_INPUTS]
SOME_HASH = H("abacaba000000000000000000000000000000000000000000060061e00123456")


def _levels(n: int) -> list[list[bytes]]:
    return merkle.levels_from_leaves(LEAVES[:n]) if n else [[]]


def platform_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    try:
        merkle.verify_inclusion(index, size, leaf, proof, root)
    except merkle.ProofError:
        return False
    return True


def standalone_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    try:
        return standalone.root_from_inclusion(index, size, leaf, proof) == root
    except standalone.CheckFailed:
        return False


def platform_consistency(m: int, n: int, r1: bytes, r2: bytes, proof: Sequence[bytes]) -> bool:
    try:
        merkle.verify_consistency(m, n, r1, r2, proof)
    except merkle.ProofError:
        return False
    return True


def standalone_consistency(m: int, n: int, r1: bytes, r2: bytes, proof: Sequence[bytes]) -> bool:
    try:
        standalone.verify_consistency(m, n, r1, r2, proof)
    except standalone.CheckFailed:
        return False
    return True


INCLUSION_VERIFIERS = [platform_inclusion, standalone_inclusion]
CONSISTENCY_VERIFIERS = [platform_consistency, standalone_consistency]
InclusionVerifier = Callable[[int, int, bytes, Sequence[bytes], bytes], bool]
ConsistencyVerifier = Callable[[int, int, bytes, bytes, Sequence[bytes]], bool]


def test_leaf_and_node_hashes_match_vectors() -> None:
    assert [h.hex() for h in LEAVES] == NODE_HASHES[0]
    levels = merkle.levels_from_leaves(LEAVES)
    assert [[h.hex() for h in level] for level in levels] == NODE_HASHES
    assert standalone.leaf_hash(LEAF_INPUTS[3]) == LEAVES[3]


@pytest.mark.parametrize("size", range(9))
def test_roots_for_sizes_0_to_8(size: int) -> None:
    assert merkle.reference_root(LEAVES[:size]).hex() == ROOTS[size]
    levels = _levels(size)
    stored = [levels[level][index] for level, index in merkle.root_plan(size)]
    assert merkle.fold(stored).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_vectors(index: int, size: int, proof: list[str]) -> None:
    got = merkle.proof_from_levels(merkle.inclusion_plan(index, size), _levels(size))
    assert [h.hex() for h in got] == proof
    for verify in INCLUSION_VERIFIERS:
        assert verify(index, size, LEAVES[index], [H(p) for p in proof], H(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_vectors(old: int, new: int, proof: list[str]) -> None:
    got = merkle.proof_from_levels(merkle.consistency_plan(old, new), _levels(new))
    assert [h.hex() for h in got] == proof
    for verify in CONSISTENCY_VERIFIERS:
        assert verify(old, new, H(ROOTS[old]), H(ROOTS[new]), [H(p) for p in proof])


@pytest.mark.parametrize("verify", INCLUSION_VERIFIERS)
@pytest.mark.parametrize(("index", "size", "proof"), [v for v in INCLUSION if v[2]])
def test_corrupted_inclusion_proofs_fail(
    verify: InclusionVerifier, index: int, size: int, proof: list[str]
) -> None:
    """The corruption probes of transparency-dev/merkle proof/verify_test.go."""
    p, root, leaf = [H(x) for x in proof], H(ROOTS[size]), LEAVES[index]
    probes: list[tuple[int, int, bytes, list[bytes], bytes]] = [
        (index - 1, size, leaf, p, root),
        (index + 1, size, leaf, p, root),
        (index ^ 2, size, leaf, p, root),
        (index, size * 2, leaf, p, root),
        (index, size // 2, leaf, p, root),
        (index, size, merkle.leaf_hash(b"WrongLeaf"), p, root),
        (index, size, leaf, p, merkle.EMPTY_ROOT),
        (index, size, leaf, p, SOME_HASH),
        (index, size, leaf, [*p, root], root),
        (index, size, leaf, [root, *p], root),
        (index, size, leaf, p[:-1], root),
    ]
    if len(p) > 1:
        probes.append((index, size, leaf, [p[0], SOME_HASH, *p[1:]], root))
    for i in range(len(p)):
        wrong = list(p)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, leaf, wrong, root))
    for probe in probes:
        assert not verify(*probe), probe


@pytest.mark.parametrize("verify", CONSISTENCY_VERIFIERS)
@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_fail(
    verify: ConsistencyVerifier, old: int, new: int, proof: list[str]
) -> None:
    p, r1, r2 = [H(x) for x in proof], H(ROOTS[old]), H(ROOTS[new])
    probes: list[tuple[int, int, bytes, bytes, list[bytes]]] = [
        (old - 1, new, r1, r2, p),
        (old + 1, new, r1, r2, p),
        (old ^ 2, new, r1, r2, p),
        (old, new * 2, r1, r2, p),
        (old, new // 2, r1, r2, p),
        (old, new, SOME_HASH, r2, p),
        (old, new, r1, SOME_HASH, p),
        (old, new, r2, r1, p),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*p, r1]),
        (old, new, r1, r2, [*p, r2]),
        (old, new, r1, r2, [r1, *p]),
        (old, new, r1, r2, [r2, *p]),
        (old, new, r1, r2, [p[0], *p]),
        (old, new, r1, r2, p[:-1]),
    ]
    for i in range(len(p)):
        wrong = list(p)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((old, new, r1, r2, wrong))
    for probe in probes:
        assert not verify(*probe), probe


@pytest.mark.parametrize("verify", CONSISTENCY_VERIFIERS)
def test_consistency_edge_cases(verify: ConsistencyVerifier) -> None:
    a, b = SOME_HASH, merkle.EMPTY_ROOT
    assert verify(0, 0, a, a, [])
    assert verify(0, 1, a, b, [])
    assert verify(1, 1, b, b, [])
    assert not verify(1, 1, a, b, [])  # same size, different roots: a fork
    assert not verify(1, 0, a, b, [])  # time travel
    assert not verify(2, 1, a, b, [])
    assert not verify(1, 2, a, b, [])  # empty proof
    assert not verify(1, 1, b, b, [b])  # equal roots but a non-empty proof


# --- properties ----------------------------------------------------------------------------------

tree_sizes = st.integers(min_value=1, max_value=300)


def _tree(n: int) -> list[list[bytes]]:
    return merkle.levels_from_leaves([merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)])


def _root(levels: list[list[bytes]], n: int) -> bytes:
    return merkle.fold([levels[k][j] for k, j in merkle.root_plan(n)])


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=tree_sizes)
def test_every_inclusion_proof_verifies_and_matches_the_reference(data: st.DataObject, n: int) -> None:
    levels = _tree(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    root = _root(levels, n)
    assert root == merkle.reference_root(levels[0])
    proof = merkle.proof_from_levels(merkle.inclusion_plan(index, n), levels)
    assert len(proof) <= n.bit_length()
    for verify in INCLUSION_VERIFIERS:
        assert verify(index, n, levels[0][index], proof, root)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), n=tree_sizes)
def test_every_consistency_proof_verifies(data: st.DataObject, n: int) -> None:
    levels = _tree(n)
    m = data.draw(st.integers(min_value=0, max_value=n))
    old_root = _root(merkle.levels_from_leaves(levels[0][:m]), m) if m else merkle.EMPTY_ROOT
    proof = merkle.proof_from_levels(merkle.consistency_plan(m, n), levels)
    for verify in CONSISTENCY_VERIFIERS:
        assert verify(m, n, old_root, _root(levels, n), proof)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=200))
def test_every_single_bit_tamper_of_an_inclusion_proof_is_caught(data: st.DataObject, n: int) -> None:
    levels = _tree(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    root = _root(levels, n)
    entry = index.to_bytes(4, "big")
    proof = merkle.proof_from_levels(merkle.inclusion_plan(index, n), levels)
    # one flipped bit anywhere: in the entry bytes, a proof hash, or the signed root
    parts = [entry, *proof, root]
    which = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=8 * len(parts[which]) - 1))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    leaf = merkle.leaf_hash(parts[0])
    for verify in INCLUSION_VERIFIERS:
        assert not verify(index, n, leaf, parts[1:-1], parts[-1])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=200))
def test_every_single_bit_tamper_of_a_consistency_proof_is_caught(data: st.DataObject, n: int) -> None:
    levels = _tree(n)
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    parts = [
        _root(merkle.levels_from_leaves(levels[0][:m]), m),
        _root(levels, n),
        *merkle.proof_from_levels(merkle.consistency_plan(m, n), levels),
    ]
    which = data.draw(st.integers(min_value=0, max_value=len(parts) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    flipped = bytearray(parts[which])
    flipped[bit // 8] ^= 1 << (bit % 8)
    parts[which] = bytes(flipped)
    for verify in CONSISTENCY_VERIFIERS:
        assert not verify(m, n, parts[0], parts[1], parts[2:])


@given(start=st.integers(min_value=0, max_value=2000), length=st.integers(min_value=0, max_value=2000))
def test_decompose_covers_the_range_with_aligned_perfect_subtrees(start: int, length: int) -> None:
    keys = merkle.decompose(start, start + length)
    position = start
    for level, index in keys:
        assert index << level == position
        position += 1 << level
    assert position == start + length
    assert len(keys) <= 2 * max(1, length.bit_length())
