"""Bad settings stop the platform at start-up with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import env

ROOT = Path(__file__).resolve().parent.parent


def _run_check(**overrides: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CROSSREG_", "DATABASE_URL"))}
    environ.update(overrides)
    return subprocess.run(
        [sys.executable, "-m", "crossreg.cli", "check"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "unsupported scheme"),
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/"}, "names no database"),
        ({"CROSSREG_DEBUG": "false"}, "CROSSREG_SECRET_KEY: required"),
        ({"CROSSREG_DEBUG": "maybe"}, "CROSSREG_DEBUG: expected true/false"),
        ({"CROSSREG_API_PAGE_SIZE": "ten"}, "CROSSREG_API_PAGE_SIZE"),
        ({"CROSSREG_LANGUAGE": "fr"}, "CROSSREG_LANGUAGE"),
    ],
)
def test_bad_settings_refuse_to_start(overrides: dict[str, str], needle: str, tmp_path: Path) -> None:
    result = _run_check(CROSSREG_VAR_DIR=str(tmp_path), **overrides)
    assert result.returncode == 2, result.stderr
    assert "refuses to start" in result.stderr
    assert needle in result.stderr


def test_good_production_settings_start(tmp_path: Path) -> None:
    result = _run_check(
        CROSSREG_VAR_DIR=str(tmp_path),
        CROSSREG_DEBUG="false",
        CROSSREG_SECRET_KEY="x" * 50,
        CROSSREG_ALLOWED_HOSTS="crossreg.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(env.ConfigError) as info:
        env.read({"DATABASE_URL": "nope", "CROSSREG_API_PAGE_SIZE": "x"})
    message = str(info.value)
    assert "DATABASE_URL" in message and "CROSSREG_API_PAGE_SIZE" in message


def test_postgres_url_is_parsed() -> None:
    values = env.read({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/crossreg"})
    assert values["DATABASE_URL"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASE_URL"]["NAME"] == "crossreg"


def test_configuration_doc_is_current() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert env.markdown_table() in doc, "docs/configuration.md is stale: run `python -m config.env > …`"
