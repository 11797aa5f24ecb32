#!/usr/bin/env python3
"""Standalone verifier for crossreg draw bundles (双随机 摇号, docs/draw-verification.md).

One file, Python >= 3.11 standard library only. It needs nothing from the platform: download a
plan's bundle from its public page (``…/bundle.json``) and run

    python draw_verify.py BUNDLE.json [--seed SEED]

It recomputes, from the bundle's pool, rules and seed:
  1. the pool's Merkle root (RFC 9162) — compare it with the root published *before* the draw
     (``--root HEX`` checks it for you);
  2. each stratum's quota  min(N, max(minimum, ceil(ratio% × N / 100)));
  3. the ranking HMAC-SHA256(key = seed, msg = lp(algorithm) ‖ lp(plan) ‖ lp(stratum) ‖ lp(key)),
     ascending, ties by key;
and checks that the published selection is exactly the recomputed one, in order. ``--seed`` checks
the bundle's seed against the value you read from the named public source yourself.

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


def verify(bundle: dict[str, Any], *, seed: str | None = None, root: str | None = None) -> list[str]:
    """Check a bundle; return the report lines. Raises CheckFailed or InputError."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise InputError(f"not a {BUNDLE_FORMAT} bundle")
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a crossreg draw bundle (docs/draw-verification.md).")
    parser.add_argument("bundle", help="bundle JSON file")
    parser.add_argument("--seed", help="the seed as you read it from the named public source")
    parser.add_argument("--root", help="the pool root published before the draw (hex)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_INPUT if exc.code else EXIT_OK
    try:
        try:
            data = json.loads(Path(args.bundle).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {args.bundle}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise InputError(f"{args.bundle} is not JSON: {exc}") from exc
        for line in verify(data, seed=args.seed, root=args.root):
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
