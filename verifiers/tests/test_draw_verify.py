"""The standalone draw verifier recomputes the platform's selection exactly, and catches tampering."""

from __future__ import annotations

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
    picks = draw.select(seed=seed, plan="SP-2025Q3-0001", pool=pool, rules=RULES) if seed else None
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
