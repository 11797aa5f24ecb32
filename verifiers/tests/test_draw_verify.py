"""The standalone draw verifier recomputes the platform's selection exactly, and catches tampering."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossreg.sampling import draw
from crossreg.sampling.draw import StratumRule
from verifiers import draw_verify

VERIFIER = Path(draw_verify.__file__)
RULES = {
    "A": StratumRule("5", 0),
    "B": StratumRule("20", 1),
    "C": StratumRule("33.33", 1),
    "D": StratumRule("100", 0),
}


def make_bundle(
    n: int = 120, seed: str | None = "双色球2025076: 03 07 12 19 25 31+09; 上证 3456.78"
) -> dict[str, Any]:
    pool = [("ABCD"[i % 4] if i % 7 else "B", f"91320902MA{i:07d}" if i % 5 else f"id:{i}") for i in range(n)]
    picks = (
        draw.select(seed=seed, plan="SP-2025Q3-0001", pool=pool, rules=RULES, algorithm=draw.ALGORITHM_V1)
        if seed
        else None
    )
    return draw.bundle_make(
        plan="SP-2025Q3-0001",
        plan_name="test",
        department="smr",
        period="2025Q3",
        seed_source="双色球 + 上证收盘",
        seed=seed,
        pool=pool,
        rules=RULES,
        selected=picks,
    )


def test_verifier_recomputes_exactly() -> None:
    b = make_bundle()
    lines = draw_verify.verify(b, seed=b["seed"], root=b["pool_root"])
    assert lines[-1].endswith("VERIFIED")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 150), seed=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_verifier_agrees_with_the_platform(n: int, seed: str) -> None:
    b = json.loads(json.dumps(make_bundle(n, seed)))  # as downloaded
    assert draw_verify.verify(b)[-1].endswith("VERIFIED")


def test_swapped_selection_fails() -> None:
    b = make_bundle()
    sel = b["strata"]["B"]["selected"]
    not_drawn = next(k for s, k in b["pool"] if s == "B" and k not in sel)
    sel[0] = not_drawn
    with pytest.raises(draw_verify.CheckFailed, match="stratum B"):
        draw_verify.verify(b)


def test_reordered_selection_fails() -> None:
    b = make_bundle()
    sel = b["strata"]["B"]["selected"]
    sel[0], sel[1] = sel[1], sel[0]
    with pytest.raises(draw_verify.CheckFailed, match="different order"):
        draw_verify.verify(b)


def test_changed_pool_fails_root() -> None:
    b = make_bundle()
    b["pool"][3][0] = "D" if b["pool"][3][0] != "D" else "A"
    with pytest.raises(draw_verify.CheckFailed, match="pool root"):
        draw_verify.verify(b)


def test_wrong_seed_or_root_given_fails() -> None:
    b = make_bundle()
    with pytest.raises(draw_verify.CheckFailed, match="seed"):
        draw_verify.verify(b, seed="something else")
    with pytest.raises(draw_verify.CheckFailed, match="published before"):
        draw_verify.verify(b, root="00" * 32)


def test_before_the_draw_only_pins_the_pool() -> None:
    b = make_bundle(seed=None)
    assert "no seed yet" in draw_verify.verify(b)[-1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(VERIFIER), *args], capture_output=True, text=True, check=False)


def test_cli_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "b.json"
    b = make_bundle()
    good.write_text(json.dumps(b, ensure_ascii=False), encoding="utf-8")
    ok = run(str(good), "--root", b["pool_root"])
    assert ok.returncode == 0, ok.stderr
    assert "VERIFIED" in ok.stdout
    b["strata"]["C"]["selected"].pop()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(b), encoding="utf-8")
    failed = run(str(bad))
    assert failed.returncode == 1 and "stratum C" in failed.stderr
    notjson = tmp_path / "x.json"
    notjson.write_text("{", encoding="utf-8")
    assert run(str(notjson)).returncode == 2
    assert run(str(tmp_path / "missing.json")).returncode == 2
    wrong = tmp_path / "w.json"
    wrong.write_text(json.dumps({"format": "other"}), encoding="utf-8")
    r = run(str(wrong))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_verifier_uses_only_the_standard_library() -> None:
    src = VERIFIER.read_text(encoding="utf-8")
    imports = {
        line.split()[1].split(".")[0] for line in src.splitlines() if line.startswith(("import ", "from "))
    }
    assert imports <= {
        "__future__",
        "argparse",
        "hashlib",
        "hmac",
        "json",
        "math",
        "sys",
        "unicodedata",
        "collections",
        "decimal",
        "fractions",
        "pathlib",
        "typing",
    }


# --- crossreg-draw/2: the public bundle without classes, the auditor bundle against its commitment ---


def make_v2(n: int = 120, seed: str | None = "双色球2026140: 03 07 12 19 25 31+09") -> tuple[dict, dict]:
    pool = [("ABCD"[i % 4] if i % 7 else "B", f"91320902MA{i:07d}" if i % 5 else f"id:{i}") for i in range(n)]
    members = [(s, k, draw.salt_new()) for s, k in pool]
    picks = draw.select(seed=seed, plan="SP-2026Q4-0001", pool=pool, rules=RULES) if seed else None
    public = draw.public_bundle_make(
        plan="SP-2026Q4-0001",
        plan_name="test",
        department="smr",
        period="2026Q4",
        seed_source="双色球 2026-12-04",
        seed_due_at="2026-12-04T21:30:00+08:00",
        seed=seed,
        seed_reference="https://www.cwl.gov.cn/ 第2026140期",
        members=members,
        rules=RULES,
        selected=picks,
    )
    auditor = draw.auditor_bundle_make(
        plan="SP-2026Q4-0001", period="2026Q4", seed=seed, members=members, rules=RULES, selected=picks
    )
    return json.loads(json.dumps(public)), json.loads(json.dumps(auditor))


def test_public_bundle_carries_no_class_and_still_verifies_from_the_seed() -> None:
    public, auditor = make_v2()
    text = json.dumps(public)
    assert all(len(row) == 2 and len(row[1]) == 64 for row in public["pool"])  # [key, leaf hash]
    for key, stratum, _salt in auditor["pool"]:  # no class next to any key, anywhere
        assert f'"{key}", "{stratum}"' not in text and f'"{stratum}", "{key}"' not in text
    assert "selected" not in json.dumps(public["strata"])
    lines = draw_verify.verify(public, seed=public["seed"], root=public["commitment_root"])
    assert "VERIFIED" in lines[-1]
    assert public["commitment_root"] == auditor["commitment_root"]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 120), seed=st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_auditor_bundle_verifies_against_the_public_commitment(n: int, seed: str) -> None:
    public, auditor = make_v2(n, seed)
    assert "VERIFIED" in draw_verify.verify_public(public)[-1]
    assert "VERIFIED" in draw_verify.verify_auditor(auditor, public=public)[-1]


def test_public_check_catches_a_forged_rank_or_count() -> None:
    public, _ = make_v2()
    forged = json.loads(json.dumps(public))
    not_drawn = next(k for k, _ in forged["pool"] if k not in {r[0] for r in forged["selected"]})
    forged["selected"][0] = [not_drawn, forged["selected"][0][1]]
    with pytest.raises(draw_verify.CheckFailed, match="rank of"):
        draw_verify.verify(forged)
    short = json.loads(json.dumps(public))
    short["selected"].pop()
    with pytest.raises(draw_verify.CheckFailed, match="quotas give"):
        draw_verify.verify(short)
    moved = json.loads(json.dumps(public))
    moved["pool"][0][1] = "00" * 32  # a leaf changed after publication
    with pytest.raises(draw_verify.CheckFailed, match="commitment root"):
        draw_verify.verify(moved)


def test_auditor_catches_a_selection_the_public_cannot() -> None:
    """Swap a drawn B entity for an undrawn one with its true rank: the public checks pass (the
    classes are hidden), the auditor bundle shows the swap."""
    public, auditor = make_v2()
    b_members = [k for k, s, _ in auditor["pool"] if s == "B"]
    drawn_b = auditor["strata"]["B"]["selected"]
    outsider = next(k for k in b_members if k not in drawn_b)
    victim = drawn_b[0]
    seed = public["seed"]
    rank = draw.entity_rank(seed, draw.ALGORITHM_V2, public["plan"], outsider)
    swapped = [[k, r] for k, r in public["selected"] if k != victim] + [[outsider, rank]]
    swapped.sort(key=lambda kr: (bytes.fromhex(kr[1]), kr[0].encode()))
    public["selected"] = swapped
    assert "VERIFIED" in draw_verify.verify_public(public)[-1]
    with pytest.raises(draw_verify.CheckFailed, match="public selection differs"):
        draw_verify.verify_auditor(auditor, public=public)


def test_auditor_bundle_with_another_class_does_not_open_the_commitment() -> None:
    public, auditor = make_v2()
    row = auditor["pool"][3]
    row[1] = "D" if row[1] != "D" else "A"
    with pytest.raises(draw_verify.CheckFailed, match="commitment root"):
        draw_verify.verify_auditor(auditor, public=public)
    auditor["commitment_root"] = draw_verify.mth_of_hashes(
        [
            hashlib.sha256(b"\x00" + draw.lp(s) + draw.lp(k) + draw.lp(salt)).digest()
            for k, s, salt in sorted(auditor["pool"], key=lambda r: r[0].encode())
        ]
    ).hex()
    with pytest.raises(draw_verify.CheckFailed, match="do not open its public leaf"):
        draw_verify.verify_auditor(auditor, public=public)


def test_cli_checks_the_auditor_bundle_against_the_public_one(tmp_path: Path) -> None:
    public, auditor = make_v2()
    pub, aud = tmp_path / "p.json", tmp_path / "a.json"
    pub.write_text(json.dumps(public, ensure_ascii=False), encoding="utf-8")
    aud.write_text(json.dumps(auditor, ensure_ascii=False), encoding="utf-8")
    ok = run(str(pub), "--root", public["commitment_root"], "--auditor", str(aud))
    assert ok.returncode == 0, ok.stderr
    assert "class by class: VERIFIED" in ok.stdout
    auditor["strata"]["C"]["selected"].reverse()
    aud.write_text(json.dumps(auditor), encoding="utf-8")
    bad = run(str(pub), "--auditor", str(aud))
    assert bad.returncode == 1 and "stratum C" in bad.stderr


def test_before_the_draw_the_public_bundle_pins_the_commitment() -> None:
    public, auditor = make_v2(seed=None)
    assert "committed" in draw_verify.verify(public)[-1]
    assert "committed" in draw_verify.verify_auditor(auditor, public=public)[-1]
