"""RFC 9162 (Certificate Transparency 2.0, §2.1) Merkle tree algorithms, pure and storage-free.

Leaf hash ``SHA-256(0x00 ‖ entry)``, interior node ``SHA-256(0x01 ‖ left ‖ right)``; a tree of ``n``
leaves splits at the largest power of two smaller than ``n``. The empty tree's root is ``SHA-256()``.

The storage (``crossreg.ledger.models.Node``) keeps the hash of every *perfect* subtree, i.e. every
complete, power-of-two-aligned block of leaves, keyed ``(level, index)``: level ``k`` index ``j``
covers leaves ``[j·2^k, (j+1)·2^k)``. Any subtree that appears in a tree, proof or root decomposes
into at most ``log2 n`` such perfect subtrees, so the functions here first *plan* which perfect
nodes they need (``*_plan``), the caller fetches them with one query, and ``fold`` combines them.
That is what keeps appends, inclusion proofs and consistency proofs at O(log n) reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence

NodeKey = tuple[
    int, int
]  # (level, index): the perfect subtree over leaves [index·2^level, (index+1)·2^level)
Range = tuple[int, int]  # leaves [start, end)

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    if n < 2:
        raise ValueError("split_point needs n >= 2")
    return 1 << ((n - 1).bit_length() - 1)


def decompose(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that make up the leaves ``[start, end)``, left to right (largest first).

    For every range that is a subtree of an RFC 9162 tree, folding their hashes right to left
    (``fold``) gives that subtree's hash.
    """
    keys: list[NodeKey] = []
    while start < end:
        level = (start & -start).bit_length() - 1 if start else (end - start).bit_length() - 1
        while start + (1 << level) > end:
            level -= 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def fold(hashes: Sequence[bytes]) -> bytes:
    """Combine the perfect-subtree hashes of a range (``decompose`` order) into the range's hash."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_plan(size: int) -> list[NodeKey]:
    return decompose(0, size)


def inclusion_plan(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form the inclusion proof of leaf ``index`` in a tree of ``size``
    (RFC 9162 §2.1.3.1 PATH), leaf-side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    out: list[Range] = []
    a, b = 0, size
    while b - a > 1:
        k = split_point(b - a)
        if index < a + k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            a = a + k
    out.reverse()
    return out


def consistency_plan(old: int, new: int) -> list[Range]:
    """The ranges whose hashes form the consistency proof from size ``old`` to ``new``
    (RFC 9162 §2.1.4.1 PROOF/SUBPROOF). Empty when ``old`` is 0 or equals ``new``."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    out: list[Range] = []
    m, a, b, have_root = old, 0, new, True
    while True:
        n = b - a
        if m == n:
            if not have_root:
                out.append((a, b))
            break
        k = split_point(n)
        if m <= k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            m -= k
            a += k
            have_root = False
    out.reverse()
    return out


def keys_for(ranges: Sequence[Range]) -> set[NodeKey]:
    return {key for r in ranges for key in decompose(*r)}


def hashes_for(ranges: Sequence[Range], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    return [fold([nodes[key] for key in decompose(*r)]) for r in ranges]


def _lsb(x: int) -> int:
    return x & 1


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root a valid inclusion proof leads to; raises ProofError."""
    if size <= 0 or index < 0:
        raise ProofError(f"bad position: leaf {index} in a tree of size {size}")
    if index >= size:
        raise ProofError(f"leaf {index} lies beyond the tree size {size}")
    if len(leaf) != 32 or any(len(p) != 32 for p in proof):
        raise ProofError("a hash is not 32 bytes long")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if _lsb(fn) or fn == sn:
            r = node_hash(p, r)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short for the tree size (truncated?)")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root of size {size}")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError naming the failed check."""
    if old < 0 or new < 0:
        raise ProofError("negative tree size")
    if old > new:
        raise ProofError(f"the new tree ({new}) is smaller than the old one ({old})")
    if any(len(p) != 32 for p in proof):
        raise ProofError("a hash is not 32 bytes long")
    if old == new:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("same size, different roots: the log has forked")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if old & (old - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while _lsb(fn):
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than needed")
        if _lsb(fn) or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not _lsb(fn):
                while not _lsb(fn) and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short (truncated?)")
    if fr != old_root:
        raise ProofError(
            "the proof does not reproduce the old root: the new tree does not extend the old one"
        )
    if sr != new_root:
        raise ProofError("the proof does not reproduce the new root")


# --- reference implementation over a list of leaf hashes (tests, verification) -------------------


def levels_from_leaves(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """All perfect-subtree hashes: ``levels[k][j]`` is node ``(k, j)``."""
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append([node_hash(prev[i], prev[i + 1]) for i in range(0, len(prev) - 1, 2)])
    return levels


def getter_from_levels(levels: Sequence[Sequence[bytes]]) -> Callable[[NodeKey], bytes]:
    return lambda key: levels[key[0]][key[1]]


def reference_root(leaves: Sequence[bytes]) -> bytes:
    """MTH straight from the RFC's recursive definition (for cross-checking)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = split_point(n)
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def proof_from_levels(ranges: Sequence[Range], levels: Sequence[Sequence[bytes]]) -> list[bytes]:
    get = getter_from_levels(levels)
    return [fold([get(key) for key in decompose(*r)]) for r in ranges]
