"""The draw algorithm: properties (hypothesis), fixed vectors, quota arithmetic, Merkle root."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.ledger import merkle
from crossreg.sampling import draw
from crossreg.sampling.draw import DrawInputError, StratumRule

RULES = {
    "A": StratumRule("5", 0),
    "B": StratumRule("20", 1),
    "C": StratumRule("50", 1),
    "D": StratumRule("100", 0),
}

keys_st = st.lists(
    st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=3, max_size=18),
    min_size=1,
    max_size=60,
    unique=True,
)
pool_st = keys_st.flatmap(
    lambda keys: st.lists(st.sampled_from("ABCD"), min_size=len(keys), max_size=len(keys)).map(
        lambda strata: list(zip(strata, keys, strict=True))
    )
)


@settings(max_examples=150, deadline=None)
@given(pool=pool_st, seed=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()), shuffle=st.randoms())
def test_shuffling_the_pool_never_changes_the_selection(pool, seed, shuffle) -> None:
    before = draw.select(seed=seed, plan="P-1", pool=pool, rules=RULES)
    shuffled = list(pool)
    shuffle.shuffle(shuffled)
    after = draw.select(seed=seed, plan="P-1", pool=shuffled, rules=RULES)
    assert after == before
    assert draw.pool_root(shuffled) == draw.pool_root(pool)


@settings(max_examples=150, deadline=None)
@given(seed=st.binary(min_size=8, max_size=32), index=st.integers(min_value=0), delta=st.integers(1, 255))
def test_changing_one_byte_of_the_seed_changes_the_selection(seed, index, delta) -> None:
    # 200 entities, ratio 10%: 20 of 200 drawn. The chance two seeds give the same ordered pick is nil.
    pool = [("B", f"91320902MA{n:06d}X") for n in range(200)]
    rules = {"B": StratumRule("10", 0)}
    s1 = seed.hex()
    b = bytearray(s1.encode())
    i = index % len(b)
    b[i] = (b[i] + delta) % 128 or 1
    s2 = b.decode()
    if s2.strip() == s1.strip():
        return
    one = [p.key for p in draw.select(seed=s1, plan="P", pool=pool, rules=rules)]
    two = [p.key for p in draw.select(seed=s2, plan="P", pool=pool, rules=rules)]
    assert one != two


@given(n=st.integers(0, 5000), ratio=st.decimals(0, 100, places=2), minimum=st.integers(0, 50))
def test_quota_is_max_of_minimum_and_ceiling_capped_at_n(n, ratio, minimum) -> None:
    q = draw.quota(n, str(ratio), minimum)
    assert 0 <= q <= n
    if n:
        assert q == min(n, max(minimum, -(-int(ratio * 100) * n // 10000)))


def test_quota_examples() -> None:
    assert draw.quota(1000, "5", 0) == 50
    assert draw.quota(1001, "5", 0) == 51  # ceil(50.05)
    assert draw.quota(10, "5", 3) == 3  # the minimum wins
    assert draw.quota(2, "5", 3) == 2  # capped at N
    assert draw.quota(0, "50", 3) == 0
    assert draw.quota(3, "33.33", 0) == 1  # 0.9999 -> 1, exactly (no float)
    assert draw.quota(10000, "0.01", 0) == 1


@pytest.mark.parametrize("bad", ["-1", "100.01", "abc", "NaN", "Infinity"])
def test_ratio_outside_0_100_is_refused(bad: str) -> None:
    with pytest.raises(DrawInputError, match="ratio"):
        draw.quota(10, bad, 0)


def test_rank_is_hmac_of_length_prefixed_fields() -> None:
    seed = "2025-07-01 双色球 03 07 12 19 25 31 + 09"
    picks = draw.select(
        seed=seed,
        plan="SP-1",
        pool=[("B", "K1"), ("B", "K2"), ("B", "K3")],
        rules={"B": StratumRule("100")},
        algorithm=draw.ALGORITHM_V1,
    )
    msg = (
        len(b"crossreg-draw/1").to_bytes(4, "big")
        + b"crossreg-draw/1"
        + (4).to_bytes(4, "big")
        + b"SP-1"
        + (1).to_bytes(4, "big")
        + b"B"
    )
    expected = sorted(
        (hmac.new(seed.encode(), msg + len(k).to_bytes(4, "big") + k.encode(), hashlib.sha256).hexdigest(), k)
        for k in ("K1", "K2", "K3")
    )
    assert [(p.rank_hex, p.key) for p in picks] == expected
    assert [p.position for p in picks] == [1, 2, 3]
    # Whitespace around the seed and Unicode normal form do not matter; anything else does.
    assert (
        draw.select(
            seed=f"  {seed}\n",
            plan="SP-1",
            pool=[("B", "K1")],
            rules={"B": StratumRule("100")},
            algorithm=draw.ALGORITHM_V1,
        )[0].rank_hex
        == expected[[k for _, k in expected].index("K1")][0]
    )


def test_rank_v2_leaves_the_stratum_out_so_the_public_can_recompute_it() -> None:
    seed = "2026-12-04 双色球 03 07 12 19 25 31 + 09"
    pool = [("B", "K1"), ("C", "K2"), ("D", "K3")]
    rules = {s: StratumRule("100") for s in "BCD"}
    picks = draw.select(seed=seed, plan="SP-1", pool=pool, rules=rules)
    prefix = (
        len(b"crossreg-draw/2").to_bytes(4, "big") + b"crossreg-draw/2" + (4).to_bytes(4, "big") + b"SP-1"
    )
    for p in picks:
        want = hmac.new(
            seed.encode(), prefix + len(p.key).to_bytes(4, "big") + p.key.encode(), hashlib.sha256
        )
        assert p.rank_hex == want.hexdigest() == draw.entity_rank(seed, draw.ALGORITHM_V2, "SP-1", p.key)
    # the same key ranks the same whatever its class: the rank says nothing about the class
    moved = draw.select(seed=seed, plan="SP-1", pool=[("D", "K1"), ("C", "K2"), ("B", "K3")], rules=rules)
    assert {p.key: p.rank_hex for p in moved} == {p.key: p.rank_hex for p in picks}


def test_length_prefix_prevents_field_shifting() -> None:
    # "ab"+"c" and "a"+"bc" would collide without length prefixes.
    s = b"seed"
    assert draw.rank(s, "v", "ab", "c", "k") != draw.rank(s, "v", "a", "bc", "k")


def test_fixed_vector() -> None:
    """A frozen example: if this changes, published draws can no longer be re-verified."""
    pool = [("B", f"9132090{n}MA000000X") for n in range(10)] + [("C", "id:7"), ("C", "id:8")]
    picks = draw.select(
        seed="00112233",
        plan="SP-2025Q3-001",
        pool=pool,
        rules={"B": StratumRule("20", 1), "C": StratumRule("50", 1)},
        algorithm=draw.ALGORITHM_V1,
    )
    assert [(p.stratum, p.key) for p in picks] == FIXED
    assert draw.pool_root(pool) == FIXED_ROOT


def test_fixed_vector_v2() -> None:
    """crossreg-draw/2, frozen: the selection and the commitment over salted leaves."""
    pool = [("B", f"9132090{n}MA000000X") for n in range(10)] + [("C", "id:7"), ("C", "id:8")]
    picks = draw.select(
        seed="00112233",
        plan="SP-2025Q3-001",
        pool=pool,
        rules={"B": StratumRule("20", 1), "C": StratumRule("50", 1)},
    )
    assert [(p.stratum, p.key) for p in picks] == FIXED_V2
    members = [(s, k, f"{i:032x}") for i, (s, k) in enumerate(pool)]
    assert draw.commitment_root(members) == FIXED_V2_COMMITMENT
    # the leaf is SHA-256(0x00 ‖ lp(stratum) ‖ lp(key) ‖ lp(salt)), as docs/draw-verification.md says
    s0, k0, salt0 = members[0]
    assert (
        draw.commitment_leaf(s0, k0, salt0)
        == hashlib.sha256(b"\x00" + draw.lp(s0) + draw.lp(k0) + draw.lp(salt0)).hexdigest()
    )
    # another class for one entity, same salt: another root
    changed = [("C", k, salt) if k == k0 else (s, k, salt) for s, k, salt in members]
    assert draw.commitment_root(changed) != FIXED_V2_COMMITMENT


FIXED = [("B", "91320901MA000000X"), ("B", "91320902MA000000X"), ("C", "id:7")]
FIXED_ROOT = "1c5e6d1fb9214e205c60e13b73579eaa4c7dc5e20598d34c442bde0a92d01127"


def test_merkle_root_matches_the_ledger_rfc9162_implementation() -> None:
    rng = random.Random(5)
    for n in [0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 100]:
        leaves = [rng.randbytes(rng.randint(1, 20)) for _ in range(n)]
        hashes = [hashlib.sha256(b"\x00" + x).digest() for x in leaves]
        assert draw.merkle_root_of_hashes(hashes) == merkle.reference_root(hashes)


def test_pool_root_depends_on_strata_and_members() -> None:
    pool = [("B", "K1"), ("C", "K2")]
    root = draw.pool_root(pool)
    assert draw.pool_root([("C", "K1"), ("C", "K2")]) != root  # a credit class changed
    assert draw.pool_root([("B", "K1")]) != root  # an entity left
    assert draw.pool_root([]) == draw.EMPTY_ROOT


def test_duplicate_key_refused() -> None:
    with pytest.raises(DrawInputError, match="twice"):
        draw.select(seed="s", plan="P", pool=[("B", "K"), ("C", "K")], rules=RULES)


def test_empty_seed_refused() -> None:
    with pytest.raises(DrawInputError, match="seed"):
        draw.select(seed="  ", plan="P", pool=[("B", "K")], rules=RULES)


def test_entity_key() -> None:
    assert draw.entity_key("91320902MA0000001X", 5) == "91320902MA0000001X"
    assert draw.entity_key(None, 5) == "id:5"
    assert draw.entity_key("", 6) == "id:6"


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=6), st.sampled_from(["A", "B", "C", "D", "类"]), max_size=30)
)
def test_fast_pool_root_equals_the_definition(members: dict[str, str]) -> None:
    """pool_root's inlined loop gives the RFC 9162 head over the sorted leaves, leaf by leaf."""
    pool = [(s, k) for k, s in members.items()]
    leaves = [draw._leaf_hash(draw.leaf_data(s, k)) for s, k in draw.sorted_pool(pool)]
    assert draw.pool_root(pool) == draw.merkle_root_of_hashes(leaves).hex()


FIXED_V2 = [("B", "91320901MA000000X"), ("B", "91320905MA000000X"), ("C", "id:7")]
FIXED_V2_COMMITMENT = "b171c563a865e3a63e8788bd1dc1d356c5602ae3389affd0d7ad4474996c4ea5"
