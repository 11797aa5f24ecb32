"""The verifiable draw (摇号), as pure functions: no Django, no database.

Everything a citizen needs to recompute a published draw is here, and ``verifiers/draw_verify.py``
re-implements it with the standard library only (the two are tested against each other).

* **Entity key**: the entity's USCC, or ``id:<registry id>`` when it has none.
* **Selection**: within each stratum, ascending by (rank, key); the first
  ``min(N, max(minimum, ceil(ratio% × N / 100)))`` are drawn. The ratio is an exact decimal string.
  ``lp(s)`` is the 4-byte big-endian length of the UTF-8 bytes of ``s`` followed by those bytes.

``crossreg-draw/2`` (plans published from now on) keeps the credit classes out of public view:

* **Commitment**: RFC 9162 Merkle tree head over one leaf per pooled entity, sorted by key;
  a leaf is ``lp(stratum) ‖ lp(key) ‖ lp(salt)`` with a random 128-bit salt per entity, so the
  published leaf hashes and root reveal nothing about any entity's class, yet pin the whole
  assignment before the seed exists.
* **Rank**: ``HMAC-SHA256(key = seed, msg = lp(algorithm) ‖ lp(plan) ‖ lp(entity key))``: the
  public can recompute every entity's rank from the seed without knowing its class.
* The **public bundle** has the keys with their leaf hashes, the per-class counts and rules, the
  seed and the drawn keys; the **auditor bundle** (discipline inspection and audit only) adds each
  entity's class and salt, so the full stratified draw can be recomputed and checked against the
  commitment the public holds.

``crossreg-draw/1`` (plans published before) has an unsalted leaf ``lp(stratum) ‖ lp(key)`` and
the stratum inside the rank: ``HMAC(seed, lp(algorithm) ‖ lp(plan) ‖ lp(stratum) ‖ lp(key))``.

See docs/draw-verification.md for the bundle formats.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import math
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from operator import itemgetter

ALGORITHM_V1 = "crossreg-draw/1"
ALGORITHM_V2 = "crossreg-draw/2"
ALGORITHM_VERSION = ALGORITHM_V2  # what new plans use
ALGORITHMS = (ALGORITHM_V1, ALGORITHM_V2)
BUNDLE_FORMAT = "crossreg-draw-bundle/1"  # crossreg-draw/1: one bundle, with the classes
PUBLIC_FORMAT = "crossreg-draw-public/2"
AUDITOR_FORMAT = "crossreg-draw-auditor/2"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


class DrawInputError(ValueError):
    """An input to the draw is unusable; the message names the field."""


def lp(text: str) -> bytes:
    """Length-prefixed UTF-8: 4-byte big-endian length, then the bytes."""
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def entity_key(uscc: str | None, entity_id: int) -> str:
    """The key an entity is drawn under: its USCC, else ``id:<id>``."""
    return uscc if uscc else f"id:{entity_id}"


def seed_bytes(seed: str) -> bytes:
    """The HMAC key: the seed as published, NFC-normalised, surrounding whitespace removed, UTF-8."""
    s = unicodedata.normalize("NFC", seed).strip()
    if not s:
        raise DrawInputError("seed: the seed is empty")
    return s.encode("utf-8")


def ratio_fraction(ratio_percent: str | int | Decimal) -> Fraction:
    """An exact ratio (0–1) from a percentage written as a decimal string, e.g. ``"12.5"``."""
    try:
        d = Decimal(str(ratio_percent))
    except InvalidOperation as exc:
        raise DrawInputError(f"ratio: {ratio_percent!r} is not a number") from exc
    if not d.is_finite() or d < 0 or d > 100:
        raise DrawInputError(f"ratio: {ratio_percent} is outside 0–100%")
    return Fraction(d) / 100


def quota(n: int, ratio_percent: str | int | Decimal, minimum: int) -> int:
    """How many of ``n`` entities are drawn: ``min(n, max(minimum, ceil(ratio × n)))``."""
    if n < 0 or minimum < 0:
        raise DrawInputError("minimum: must not be negative")
    if n == 0:
        return 0
    want = math.ceil(ratio_fraction(ratio_percent) * n)
    return min(n, max(minimum, want))


def rank(seed: bytes, algorithm: str, plan: str, stratum: str, key: str) -> bytes:
    msg = lp(algorithm) + lp(plan) + lp(stratum) + lp(key)
    return hmac.digest(seed, msg, "sha256")


def _rank_prefix(algorithm: str, plan: str, stratum: str) -> bytes:
    """The message before ``lp(key)``: the stratum is in it for crossreg-draw/1 only."""
    if algorithm == ALGORITHM_V1:
        return lp(algorithm) + lp(plan) + lp(stratum)
    return lp(algorithm) + lp(plan)


def entity_rank(seed: str, algorithm: str, plan: str, key: str, stratum: str = "") -> str:
    """One entity's rank (hex) as the draw computes it."""
    _check_algorithm(algorithm)
    return hmac.digest(seed_bytes(seed), _rank_prefix(algorithm, plan, stratum) + lp(key), "sha256").hex()


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise DrawInputError(f"algorithm: unknown algorithm {algorithm!r}")


class HmacSha256:
    """HMAC-SHA256 under one fixed key, for hashing very many short messages fast.

    Exactly RFC 2104 (the result equals ``hmac.digest(key, msg, "sha256")``, tested), but the key's
    inner and outer pads are hashed once and each message only copies the two prepared states:
    with OpenSSL 3 a one-shot ``hmac.digest`` re-fetches the digest and re-keys on every call,
    which made it about three times slower per short message than this.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # RFC 2104: keys longer than the block are hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(self, msg: bytes) -> bytes:
        i = self._inner.copy()
        i.update(msg)
        o = self._outer.copy()
        o.update(i.digest())
        return o.digest()

    def many(self, msgs: Iterable[bytes]) -> list[bytes]:
        """The digests of ``msgs``, in order."""
        icopy, ocopy = self._inner.copy, self._outer.copy
        out: list[bytes] = []
        append = out.append
        for m in msgs:
            i = icopy()
            i.update(m)
            o = ocopy()
            o.update(i.digest())
            append(o.digest())
        return out


# --- Merkle root of the pool (RFC 9162 MTH) -------------------------------------------------------


def leaf_data(stratum: str, key: str) -> bytes:
    return lp(stratum) + lp(key)


def _leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def merkle_root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 Merkle tree head, bottom-up over leaf hashes (equal to the recursive definition)."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    # The RFC splits at the largest power of two < n; folding level by level with an odd last
    # node carried up unchanged gives the same tree.
    level = list(hashes)
    while len(level) > 1:
        nxt = [
            hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def sorted_pool(pool: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(stratum, key)`` pairs sorted by key bytes; a key twice is an error."""
    items = sorted(pool, key=lambda sk: sk[1].encode("utf-8"))
    for a, b in itertools.pairwise(items):
        if a[1] == b[1]:
            raise DrawInputError(f"pool: entity key {a[1]} appears twice")
    return items


def pool_root(pool: Iterable[tuple[str, str]]) -> str:
    """Hex Merkle root of the pool given as ``(stratum, key)`` pairs (any order)."""
    # Same as hashing ``leaf_data`` of ``sorted_pool`` one by one, with the per-leaf work inlined:
    # each key is encoded once, and each stratum's length prefix is computed once.
    enc = [(k.encode("utf-8"), s) for s, k in pool]
    enc.sort(key=itemgetter(0))
    for a, b in itertools.pairwise(enc):
        if a[0] == b[0]:
            raise DrawInputError(f"pool: entity key {a[0].decode()} appears twice")
    lps: dict[str, bytes] = {}
    sha = hashlib.sha256
    leaves = []
    for kb, s in enc:
        p = lps.get(s)
        if p is None:
            p = lps[s] = b"\x00" + lp(s)
        leaves.append(sha(p + len(kb).to_bytes(4, "big") + kb).digest())
    return merkle_root_of_hashes(leaves).hex()


# --- Selection ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StratumRule:
    ratio_percent: str
    minimum: int = 0


@dataclass(frozen=True)
class Picked:
    stratum: str
    key: str
    position: int  # 1-based rank within the stratum
    rank_hex: str


def select(
    *,
    seed: str,
    plan: str,
    pool: Iterable[tuple[str, str]],
    rules: Mapping[str, StratumRule],
    algorithm: str = ALGORITHM_VERSION,
) -> list[Picked]:
    """Draw from ``pool`` (``(stratum, key)`` pairs). Returns the picks, stratum by stratum (sorted
    stratum names), each in rank order. A stratum without a rule is not drawn from."""
    _check_algorithm(algorithm)
    mac = HmacSha256(seed_bytes(seed))
    by_stratum: dict[str, list[str]] = {}
    seen: set[str] = set()
    for stratum, key in pool:
        if key in seen:
            raise DrawInputError(f"pool: entity key {key} appears twice")
        seen.add(key)
        by_stratum.setdefault(stratum, []).append(key)
    out: list[Picked] = []
    for stratum in sorted(by_stratum):
        rule = rules.get(stratum)
        if rule is None:
            continue
        keys = by_stratum[stratum]
        take = quota(len(keys), rule.ratio_percent, rule.minimum)
        if take == 0:
            continue
        sp = _rank_prefix(algorithm, plan, stratum)
        digests = mac.many([sp + lp(k) for k in keys])
        # The first ``take`` by (rank, key): equal to sorting all and cutting, without the full
        # sort. Ties on the rank fall to the key, and str order is UTF-8 byte order.
        ranked = heapq.nsmallest(take, zip(digests, keys, strict=True))
        for pos, (digest, k) in enumerate(ranked, start=1):
            out.append(Picked(stratum=stratum, key=k, position=pos, rank_hex=digest.hex()))
    return out


def bundle_make(
    *,
    plan: str,
    plan_name: str,
    department: str,
    period: str,
    seed_source: str,
    seed: str | None,
    pool: Iterable[tuple[str, str]],
    rules: Mapping[str, StratumRule],
    selected: Sequence[Picked] | None,
    published_at: str = "",
    drawn_at: str = "",
) -> dict[str, object]:
    """The crossreg-draw/1 bundle (docs/draw-verification.md), with every entity's class: since
    crossreg-draw/2 it is the *auditor's* bundle of a plan drawn under /1, never public. Before
    the draw ``seed`` and ``selected`` are None: the bundle then pins the pool, the rules and the
    seed source."""
    items = sorted_pool(pool)
    strata: dict[str, dict[str, object]] = {}
    for s in sorted({s for s, _ in items} | set(rules)):
        rule = rules.get(s)
        strata[s] = {
            "ratio_percent": rule.ratio_percent if rule else None,
            "minimum": rule.minimum if rule else None,
            "pool_size": sum(1 for st, _ in items if st == s),
        }
        if selected is not None:
            strata[s]["selected"] = [p.key for p in selected if p.stratum == s]
    return {
        "format": BUNDLE_FORMAT,
        "algorithm": ALGORITHM_V1,
        "plan": plan,
        "plan_name": plan_name,
        "department": department,
        "period": period,
        "seed_source": seed_source,
        "seed": seed,
        "published_at": published_at,
        "drawn_at": drawn_at,
        "pool_size": len(items),
        "pool_root": merkle_root_of_hashes([_leaf_hash(leaf_data(s, k)) for s, k in items]).hex(),
        "pool": [[s, k] for s, k in items],
        "strata": strata,
    }


# --- crossreg-draw/2: the commitment, the public and the auditor bundle ---------------------------


def salt_new() -> str:
    """A fresh 128-bit salt for one pool member (hex)."""
    return secrets.token_hex(16)


def commitment_leaf(stratum: str, key: str, salt: str) -> str:
    """The RFC 9162 leaf hash (hex) committing to one entity's stratum: SHA-256(0x00 ‖ lp(stratum)
    ‖ lp(key) ‖ lp(salt)). Without the salt it cannot be tested against the four classes."""
    if not salt:
        raise DrawInputError(f"pool: entity key {key} has no salt")
    return _leaf_hash(lp(stratum) + lp(key) + lp(salt)).hex()


def commitment_root(members: Iterable[tuple[str, str, str]]) -> str:
    """Hex Merkle root over ``(stratum, key, salt)`` members, leaves sorted by key bytes."""
    leaves = sorted(
        ((k, commitment_leaf(s, k, salt)) for s, k, salt in members), key=lambda kl: kl[0].encode()
    )
    for a, b in itertools.pairwise(leaves):
        if a[0] == b[0]:
            raise DrawInputError(f"pool: entity key {a[0]} appears twice")
    return merkle_root_of_hashes([bytes.fromhex(h) for _, h in leaves]).hex()


def strata_summary(
    counts: Mapping[str, int], rules: Mapping[str, StratumRule]
) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for s in sorted(set(counts) | set(rules)):
        rule = rules.get(s)
        n = int(counts.get(s, 0))
        out[s] = {
            "ratio_percent": rule.ratio_percent if rule else None,
            "minimum": rule.minimum if rule else None,
            "pool_size": n,
            "quota": quota(n, rule.ratio_percent, rule.minimum) if rule else 0,
        }
    return out


def public_bundle_make(
    *,
    plan: str,
    plan_name: str,
    department: str,
    period: str,
    seed_source: str,
    seed_due_at: str,
    seed: str | None,
    seed_reference: str,
    members: Iterable[tuple[str, str, str]],
    rules: Mapping[str, StratumRule],
    selected: Sequence[Picked] | None,
    published_at: str = "",
    drawn_at: str = "",
    algorithm: str = ALGORITHM_V2,
) -> dict[str, object]:
    """The public bundle of a crossreg-draw/2 plan: no entity's class, only the commitment.

    ``pool`` lists ``[key, leaf hash]`` sorted by key; ``strata`` the per-class counts, rules and
    quotas; after the draw ``selected`` lists the drawn keys with their ranks, ascending by
    (rank, key) — the order says nothing about classes."""
    rows = sorted(
        ((k, commitment_leaf(s, k, salt), s) for s, k, salt in members), key=lambda r: r[0].encode()
    )
    counts: dict[str, int] = {}
    for _k, _h, s in rows:
        counts[s] = counts.get(s, 0) + 1
    bundle: dict[str, object] = {
        "format": PUBLIC_FORMAT,
        "algorithm": algorithm,
        "plan": plan,
        "plan_name": plan_name,
        "department": department,
        "period": period,
        "seed_source": seed_source,
        "seed_due_at": seed_due_at,
        "seed": seed,
        "seed_reference": seed_reference or None,
        "published_at": published_at,
        "drawn_at": drawn_at,
        "pool_size": len(rows),
        "commitment_root": merkle_root_of_hashes([bytes.fromhex(h) for _, h, _ in rows]).hex(),
        "pool": [[k, h] for k, h, _ in rows],
        "strata": strata_summary(counts, rules),
    }
    if selected is not None:
        bundle["selected"] = [
            [p.key, p.rank_hex]
            for p in sorted(selected, key=lambda p: (bytes.fromhex(p.rank_hex), p.key.encode()))
        ]
    return bundle


def auditor_bundle_make(
    *,
    plan: str,
    period: str,
    seed: str | None,
    members: Iterable[tuple[str, str, str]],
    rules: Mapping[str, StratumRule],
    selected: Sequence[Picked] | None,
    algorithm: str = ALGORITHM_V2,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The full assignment, for discipline inspection and audit: every key's class and salt, and
    the selection per class in rank order. Checked against the public bundle's commitment."""
    rows = sorted(members, key=lambda m: m[1].encode())
    counts: dict[str, int] = {}
    for s, _k, _salt in rows:
        counts[s] = counts.get(s, 0) + 1
    strata = strata_summary(counts, rules)
    if selected is not None:
        for s in strata:
            strata[s]["selected"] = [p.key for p in selected if p.stratum == s]
    return {
        "format": AUDITOR_FORMAT,
        "algorithm": algorithm,
        "plan": plan,
        "period": period,
        "seed": seed,
        "commitment_root": commitment_root(rows),
        "pool": [[k, s, salt] for s, k, salt in rows],
        "strata": strata,
        **dict(extra or {}),
    }
