"""The layer contract (pyproject [tool.importlinter], docs/architecture.md) holds, and a wrong-way
import breaks it: CI's `lint-imports` step is not a check that cannot fail."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))

pytestmark = pytest.mark.skipif(not Path(LINT).exists(), reason="import-linter is not installed")


def _lint() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_code_keeps_the_layers_and_a_wrong_way_import_breaks_them() -> None:
    kept = _lint()
    assert kept.returncode == 0, kept.stdout + kept.stderr
    probe = ROOT / "crossreg" / "ledger" / "_wrong_way_probe.py"
    probe.write_text("from crossreg.sampling import models  # noqa: F401\n", encoding="utf-8")
    try:
        broken = _lint()
    finally:
        probe.unlink()
    assert broken.returncode != 0
    assert "crossreg.ledger is not allowed to import crossreg.sampling" in broken.stdout
    assert "crossreg.ledger._wrong_way_probe -> crossreg.sampling.models" in broken.stdout
