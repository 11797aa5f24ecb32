"""``crossreg uscc check``: verdicts, exit codes, stdin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crossreg.entities.uscc import registration_no_make, uscc_check_char

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str, stdin: str = "") -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("uscc", "check", *args, stdout=out, stdin=io.StringIO(stdin), no_color=True)
    except CommandError as exc:
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_valid_codes_exit_zero() -> None:
    out, rc = run("91110000600037341L", "92340603MA2UK3DT5H")
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("OK") and "91110000600037341L: valid USCC" in lines[0]
    assert "2 个体工商户" in lines[1]


def test_one_invalid_code_exits_one_and_says_what_is_wrong() -> None:
    out, rc = run("91110000600037341L", "91110000600037341N", "9111000060003734")
    assert rc == 1
    lines = out.splitlines()
    assert lines[0].startswith("OK")
    assert (
        lines[1] == "INVALID 91110000600037341N: wrong check character at position 18: expected 'L', got 'N'"
    )
    assert lines[2].startswith("INVALID 9111000060003734: wrong length: 16 characters")


def test_full_width_input_shows_the_normalised_code() -> None:
    out, rc = run("９１１１００００６０００３７３４１Ｌ")
    assert rc == 0
    assert "→ 91110000600037341L" in out


def test_orgcode_warning_is_valid_but_warned() -> None:
    first17 = "9111000060003734" + "2"
    out, rc = run(first17 + uscc_check_char(first17))
    assert rc == 0
    assert out.startswith("WARN") and "fails its GB 11714 check" in out


def test_stdin_dash_reads_one_code_per_line() -> None:
    reg = registration_no_make("320902", "00000001")
    out, rc = run("-", stdin=f"91110000600037341L\n\n{reg}\n9111000060003O341L\n")
    assert rc == 1
    lines = out.splitlines()
    assert len(lines) == 3
    assert "valid registration number" in lines[1]
    assert "illegal character 'O' at position 14" in lines[2]


def test_empty_stdin_is_an_error() -> None:
    _, rc = run("-", stdin="\n")
    assert rc == 2


@pytest.mark.slow
def test_real_command_line_exit_status() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run(
        [sys.executable, "-m", "crossreg.cli", "uscc", "check", "-"],
        input="91110000600037341L\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "crossreg.cli", "uscc", "check", "91110000600037341N"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert bad.returncode == 1
    assert "expected 'L', got 'N'" in bad.stdout
    assert "1 of 1 codes invalid" in bad.stderr
