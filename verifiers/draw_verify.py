#!/usr/bin/env python3
"""Standalone verifier for crossreg draw bundles (双随机 摇号, docs/draw-verification.md).

One file, Python >= 3.11 standard library only. It needs nothing from the platform: download a
plan's bundle from its public page (``…/bundle.json``) and run

    python draw_verify.py BUNDLE.json [--seed SEED] [--root HEX] [--auditor AUDITOR.json]

For a **public bundle** (``crossreg-draw-public/2``, no entity's credit class in it) it checks:
  1. the commitment: the RFC 9162 Merkle root over the published leaf hashes equals the bundle's
     ``commitment_root`` — and, with ``--root HEX``, the root published *before* the draw;
  2. the per-class counts add up to the pool, and each class's quota
     min(N, max(minimum, ceil(ratio% × N / 100))) adds up to the number drawn;
  3. every drawn key is in the pool, once, and its rank HMAC-SHA256(key = seed,
     msg = lp(algorithm) ‖ lp(plan) ‖ lp(key)) is the published one, listed in rank order.
Which class each entity is in is not public, so whether the right ones *within* each class were
drawn is checked with the **auditor bundle** (``crossreg-draw-auditor/2``: every key's class and
salt; discipline inspection and audit only): ``--auditor AUDITOR.json`` opens every leaf of the
public commitment, recomputes the whole stratified draw and checks it against both bundles. An
auditor bundle alone is checked against ``--root``.

A ``crossreg-draw-bundle/1`` bundle (plans drawn under ``crossreg-draw/1``, with the classes) is
recomputed in full, as before: rank HMAC(seed, lp(algorithm) ‖ lp(plan) ‖ lp(stratum) ‖ lp(key)).
``--seed`` checks the bundle's seed against the value you read from the named public source.

Exit codes: 0 verified; 1 a check failed (the output names it); 2 the input is unusable (missing
file, not JSON, wrong format or missing field). Never ends with a traceback.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import sys
import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
BUNDLE_FORMAT = "crossreg-draw-bundle/1"
ALGORITHM = "crossreg-draw/1"
PUBLIC_FORMAT = "crossreg-draw-public/2"
AUDITOR_FORMAT = "crossreg-draw-auditor/2"
ALGORITHM_2 = "crossreg-draw/2"


class InputError(Exception):
    """The bundle cannot be checked at all (exit 2)."""


class CheckFailed(Exception):
    """A check failed (exit 1)."""


def lp(text: str) -> bytes:
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 Merkle tree head over raw leaf data (recursive definition, split at 2^k < n)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    hashes = [hashlib.sha256(b"\x00" + d).digest() for d in leaves]

    def mth(lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return hashes[lo]
        k = 1 << ((n - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()

    return mth(0, len(hashes))


def quota(n: int, ratio_percent: str, minimum: int) -> int:
    try:
        d = Decimal(str(ratio_percent))
    except InvalidOperation as exc:
        raise InputError(f"ratio {ratio_percent!r} is not a number") from exc
    if not d.is_finite() or d < 0 or d > 100:
        raise InputError(f"ratio {ratio_percent} is outside 0-100%")
    if n == 0:
        return 0
    return min(n, max(int(minimum), math.ceil(Fraction(d) / 100 * n)))


def _field(obj: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in obj:
        raise InputError(f"missing field {name!r}")
    value = obj[name]
    if not isinstance(value, kind):
        raise InputError(f"field {name!r} has the wrong type")
    return value


def mth_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 Merkle tree head over leaf *hashes* (recursive definition)."""
    if not hashes:
        return hashlib.sha256(b"").digest()

    def mth(lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 1:
            return hashes[lo]
        k = 1 << ((n - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi)).digest()

    return mth(0, len(hashes))


def _seed_key(published_seed: Any, seed: str | None) -> bytes:
    if not isinstance(published_seed, str):
        raise InputError("field 'seed' has the wrong type")
    seed_norm = unicodedata.normalize("NFC", published_seed).strip()
    if seed is not None and unicodedata.normalize("NFC", seed).strip() != seed_norm:
        raise CheckFailed(f"seed: bundle has {published_seed!r}, you gave {seed!r}")
    if not seed_norm:
        raise CheckFailed("seed: empty")
    return seed_norm.encode("utf-8")


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"{what} must be a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise InputError(f"{what} is not hex") from exc
    if len(raw) != 32:
        raise InputError(f"{what} must be 32 bytes")
    return raw


def verify_public(bundle: dict[str, Any], *, seed: str | None = None, root: str | None = None) -> list[str]:
    """Check a crossreg-draw-public/2 bundle: commitment, counts, quotas, drawn keys and ranks."""
    algorithm = _field(bundle, "algorithm", str)
    if algorithm != ALGORITHM_2:
        raise InputError(
            f"a public bundle of a {algorithm!r} plan carries no leaf commitments: verify its auditor bundle"
        )
    plan = _field(bundle, "plan", str)
    pool = _field(bundle, "pool", list)
    strata = _field(bundle, "strata", dict)
    lines = [f"plan {plan}: {len(pool)} entities in the pool (credit classes not public)"]
    keys: list[str] = []
    leaves: list[bytes] = []
    for row in pool:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
            raise InputError("each pool row must be [key, leaf hash]")
        keys.append(row[0])
        leaves.append(_hex(row[1], f"leaf hash of {row[0]}"))
    enc = [k.encode("utf-8") for k in keys]
    if enc != sorted(enc):
        raise CheckFailed("pool: keys are not in UTF-8 byte order")
    if len(set(keys)) != len(keys):
        raise CheckFailed("pool: an entity key appears twice")
    if _field(bundle, "pool_size", int) != len(keys):
        raise CheckFailed(f"pool: bundle says {bundle['pool_size']} entities, lists {len(keys)}")
    computed = mth_of_hashes(leaves).hex()
    if computed != _field(bundle, "commitment_root", str):
        raise CheckFailed(
            f"commitment root: bundle says {bundle['commitment_root']}, leaves hash to {computed}"
        )
    if root is not None and root.lower() != computed:
        raise CheckFailed(f"commitment root: published before the draw {root}, leaves hash to {computed}")
    lines.append(f"commitment root {computed} OK")

    total_n = 0
    total_q = 0
    for name in sorted(strata):
        info = strata[name]
        if not isinstance(info, dict):
            raise InputError(f"stratum {name!r}: must be an object")
        n = info.get("pool_size")
        if not isinstance(n, int) or n < 0:
            raise InputError(f"stratum {name}: 'pool_size' must be a count")
        ratio = info.get("ratio_percent")
        q = 0 if ratio is None else quota(n, ratio, int(info.get("minimum") or 0))
        if info.get("quota") is not None and info.get("quota") != q:
            raise CheckFailed(f"stratum {name}: bundle says quota {info.get('quota')}, the rule gives {q}")
        total_n += n
        total_q += q
        lines.append(f"stratum {name}: {n} in the pool, {q} to draw (ratio {ratio}%)")
    if total_n != len(keys):
        raise CheckFailed(f"strata: the classes count {total_n} entities, the pool has {len(keys)}")

    published_seed = bundle.get("seed")
    if published_seed is None:
        lines.append("no seed yet: the draw has not taken place; the pool and its classes are committed")
        return lines
    mac = _seed_key(published_seed, seed)
    selected = _field(bundle, "selected", list)
    in_pool = set(keys)
    prefix = lp(algorithm) + lp(plan)
    seen: set[str] = set()
    prev: tuple[bytes, bytes] | None = None
    for row in selected:
        if not (isinstance(row, list) and len(row) == 2 and isinstance(row[0], str)):
            raise InputError("each selected row must be [key, rank]")
        k = row[0]
        if k not in in_pool:
            raise CheckFailed(f"selected: {k} is not in the pool")
        if k in seen:
            raise CheckFailed(f"selected: {k} appears twice")
        seen.add(k)
        r = hmac.digest(mac, prefix + lp(k), "sha256")
        if r.hex() != row[1]:
            raise CheckFailed(f"selected: rank of {k} is {r.hex()}, the bundle says {row[1]}")
        if prev is not None and (r, k.encode("utf-8")) < prev:
            raise CheckFailed("selected: not listed in rank order")
        prev = (r, k.encode("utf-8"))
    if len(selected) != total_q:
        raise CheckFailed(f"selected: {len(selected)} drawn, the quotas give {total_q}")
    lines.append(
        f"{len(selected)} drawn entities: in the pool, ranks recomputed from the seed, quotas met: OK"
    )
    lines.append(
        "public checks passed: VERIFIED (which class each entity is in: checked with the auditor bundle)"
    )
    return lines


def verify_auditor(
    auditor: dict[str, Any],
    *,
    public: dict[str, Any] | None = None,
    seed: str | None = None,
    root: str | None = None,
) -> list[str]:
    """Check a crossreg-draw-auditor/2 bundle: every leaf opens the commitment (the public bundle's
    leaves when given, else ``root``), and the stratified draw recomputes exactly."""
    if not isinstance(auditor, dict) or auditor.get("format") != AUDITOR_FORMAT:
        raise InputError(f"not a {AUDITOR_FORMAT} bundle")
    algorithm = _field(auditor, "algorithm", str)
    if algorithm != ALGORITHM_2:
        raise InputError(f"unknown algorithm {algorithm!r}")
    plan = _field(auditor, "plan", str)
    pool = _field(auditor, "pool", list)
    strata = _field(auditor, "strata", dict)
    lines = [f"auditor bundle of plan {plan}: {len(pool)} entities with their classes"]
    members: list[tuple[str, str, str]] = []
    for row in pool:
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) for x in row)):
            raise InputError("each auditor pool row must be [key, stratum, salt]")
        members.append((row[0], row[1], row[2]))
    members.sort(key=lambda m: m[0].encode("utf-8"))
    keys = [m[0] for m in members]
    if len(set(keys)) != len(keys):
        raise CheckFailed("pool: an entity key appears twice")
    leaves = {k: hashlib.sha256(b"\x00" + lp(s) + lp(k) + lp(salt)).digest() for k, s, salt in members}
    computed = mth_of_hashes([leaves[k] for k in keys]).hex()
    if computed != _field(auditor, "commitment_root", str):
        raise CheckFailed(
            f"commitment root: auditor bundle says {auditor['commitment_root']}, it hashes to {computed}"
        )
    if root is not None and root.lower() != computed:
        raise CheckFailed(
            f"commitment root: published before the draw {root}, the classes hash to {computed}"
        )
    if public is not None:
        if public.get("format") != PUBLIC_FORMAT:
            raise InputError(f"--auditor needs a {PUBLIC_FORMAT} bundle as the public one")
        if public.get("plan") != plan or public.get("algorithm") != algorithm:
            raise CheckFailed("the auditor bundle is for another plan or algorithm than the public bundle")
        pub_rows = {r[0]: r[1] for r in _field(public, "pool", list) if isinstance(r, list) and len(r) == 2}
        if set(pub_rows) != set(keys):
            raise CheckFailed("pool: the auditor bundle and the public bundle list different entities")
        for k in keys:
            if pub_rows[k] != leaves[k].hex():
                raise CheckFailed(f"commitment: the class and salt of {k} do not open its public leaf")
        if public.get("commitment_root") != computed:
            raise CheckFailed("commitment root: the public bundle has another root")
        if public.get("seed") != auditor.get("seed"):
            raise CheckFailed("seed: the auditor bundle and the public bundle differ")
    lines.append(f"commitment root {computed} OK: every class opens its committed leaf")

    by_stratum: dict[str, list[str]] = {}
    for k, s, _salt in members:
        by_stratum.setdefault(s, []).append(k)
    if public is not None:
        pub_strata = _field(public, "strata", dict)
        for name in sorted(set(by_stratum) | set(pub_strata)):
            info = pub_strata.get(name) or {}
            if int(info.get("pool_size") or 0) != len(by_stratum.get(name, [])):
                raise CheckFailed(f"stratum {name}: the public count differs from the classes")
    published_seed = auditor.get("seed")
    if published_seed is None:
        lines.append("no seed yet: the classes are committed; nothing drawn")
        return lines
    mac = _seed_key(published_seed, seed)
    prefix = lp(algorithm) + lp(plan)
    drawn: dict[str, str] = {}
    total = 0
    for name in sorted(set(by_stratum) | set(strata)):
        info = strata.get(name)
        if not isinstance(info, dict):
            raise InputError(f"stratum {name!r} missing from 'strata'")
        members_s = by_stratum.get(name, [])
        ratio = info.get("ratio_percent")
        published = info.get("selected", [])
        if not isinstance(published, list):
            raise InputError(f"stratum {name}: 'selected' must be a list")
        want: list[str] = []
        if ratio is not None:
            take = quota(len(members_s), ratio, int(info.get("minimum") or 0))
            ranked = sorted(
                (hmac.digest(mac, prefix + lp(k), "sha256"), k.encode("utf-8"), k) for k in members_s
            )
            want = [k for _, _, k in ranked[:take]]
            drawn.update({k: r.hex() for r, _, k in ranked[:take]})
        if published != want:
            extra = sorted(set(published) - set(want))
            missing = sorted(set(want) - set(published))
            detail = f"; not drawn but listed: {extra[:5]}" if extra else ""
            detail += f"; drawn but not listed: {missing[:5]}" if missing else ""
            if not extra and not missing:
                detail = "; same entities in a different order"
            raise CheckFailed(f"stratum {name}: the selection differs from the recomputed one{detail}")
        lines.append(f"stratum {name}: {len(want)} of {len(members_s)} drawn (ratio {ratio}%) OK")
        total += len(want)
    if public is not None:
        pub_sel = {
            r[0]: r[1] for r in _field(public, "selected", list) if isinstance(r, list) and len(r) == 2
        }
        if pub_sel != drawn:
            extra = sorted(set(pub_sel) - set(drawn))
            missing = sorted(set(drawn) - set(pub_sel))
            raise CheckFailed(
                f"public selection differs from the stratified draw: published but not drawn {extra[:5]}, "
                f"drawn but not published {missing[:5]}"
            )
        lines.append("the public selection is exactly the stratified draw")
    lines.append(f"selection of {total} entities recomputed exactly, class by class: VERIFIED")
    return lines


def verify(bundle: dict[str, Any], *, seed: str | None = None, root: str | None = None) -> list[str]:
    """Check a bundle of any format; return the report lines. Raises CheckFailed or InputError."""
    if isinstance(bundle, dict) and bundle.get("format") == PUBLIC_FORMAT:
        return verify_public(bundle, seed=seed, root=root)
    if isinstance(bundle, dict) and bundle.get("format") == AUDITOR_FORMAT:
        return verify_auditor(bundle, seed=seed, root=root)
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise InputError(f"not a {PUBLIC_FORMAT}, {AUDITOR_FORMAT} or {BUNDLE_FORMAT} bundle")
    algorithm = _field(bundle, "algorithm", str)
    if algorithm != ALGORITHM:
        raise InputError(f"unknown algorithm {algorithm!r}")
    plan = _field(bundle, "plan", str)
    pool = _field(bundle, "pool", list)
    strata = _field(bundle, "strata", dict)
    published_seed = bundle.get("seed")
    lines = [f"plan {plan}: {len(pool)} entities in the pool"]

    pairs: list[tuple[str, str]] = []
    for row in pool:
        if not (isinstance(row, list) and len(row) == 2 and all(isinstance(x, str) for x in row)):
            raise InputError("each pool row must be [stratum, key]")
        pairs.append((row[0], row[1]))
    ordered = sorted(pairs, key=lambda sk: sk[1].encode("utf-8"))
    keys = [k for _, k in ordered]
    if len(set(keys)) != len(keys):
        raise CheckFailed("pool: an entity key appears twice")
    computed_root = merkle_root([lp(s) + lp(k) for s, k in ordered]).hex()
    if computed_root != _field(bundle, "pool_root", str):
        raise CheckFailed(f"pool root: bundle says {bundle['pool_root']}, pool hashes to {computed_root}")
    if root is not None and root.lower() != computed_root:
        raise CheckFailed(f"pool root: published before the draw {root}, pool hashes to {computed_root}")
    lines.append(f"pool root {computed_root} OK")

    if published_seed is None:
        lines.append("no seed yet: the draw has not taken place; pool and rules are pinned")
        return lines
    if not isinstance(published_seed, str):
        raise InputError("field 'seed' has the wrong type")
    seed_norm = unicodedata.normalize("NFC", published_seed).strip()
    if seed is not None and unicodedata.normalize("NFC", seed).strip() != seed_norm:
        raise CheckFailed(f"seed: bundle has {published_seed!r}, you gave {seed!r}")
    if not seed_norm:
        raise CheckFailed("seed: empty")
    key = seed_norm.encode("utf-8")

    by_stratum: dict[str, list[str]] = {}
    for s, k in pairs:
        by_stratum.setdefault(s, []).append(k)
    total = 0
    for name in sorted(set(by_stratum) | set(strata)):
        info = strata.get(name)
        if not isinstance(info, dict):
            raise InputError(f"stratum {name!r} missing from 'strata'")
        members = by_stratum.get(name, [])
        ratio = info.get("ratio_percent")
        published = info.get("selected", [])
        if not isinstance(published, list):
            raise InputError(f"stratum {name}: 'selected' must be a list")
        if ratio is None:
            want: list[str] = []
        else:
            take = quota(len(members), ratio, int(info.get("minimum") or 0))
            prefix = lp(algorithm) + lp(plan) + lp(name)
            ranked = sorted(
                (hmac.digest(key, prefix + lp(k), "sha256"), k.encode("utf-8"), k) for k in members
            )
            want = [k for _, _, k in ranked[:take]]
        if published != want:
            extra = sorted(set(published) - set(want))
            missing = sorted(set(want) - set(published))
            detail = f"; not drawn but published: {extra[:5]}" if extra else ""
            detail += f"; drawn but not published: {missing[:5]}" if missing else ""
            if not extra and not missing:
                detail = "; same entities in a different order"
            raise CheckFailed(f"stratum {name}: published selection differs from the recomputed one{detail}")
        lines.append(f"stratum {name}: {len(want)} of {len(members)} drawn (ratio {ratio}%) OK")
        total += len(want)
    lines.append(f"selection of {total} entities recomputed exactly: VERIFIED")
    return lines


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a crossreg draw bundle (docs/draw-verification.md).")
    parser.add_argument("bundle", help="bundle JSON file")
    parser.add_argument("--seed", help="the seed as you read it from the named public source")
    parser.add_argument("--root", help="the pool root / commitment published before the draw (hex)")
    parser.add_argument(
        "--auditor", help="the auditor bundle (full assignment) to check against the public BUNDLE"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        data = _load(args.bundle)
        lines = verify(data, seed=args.seed, root=args.root)
        if args.auditor:
            lines += verify_auditor(_load(args.auditor), public=data, seed=args.seed, root=args.root)
        for line in lines:
            print(line)
        return EXIT_OK
    except InputError as exc:
        print(f"INPUT ERROR: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # never a traceback
        print(f"INPUT ERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
