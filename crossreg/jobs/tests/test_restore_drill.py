"""The restore drill: back up a running platform, restore into a scratch database, verify its ledger
against the last published checkpoint (and see the drill fail when the backup lost entries)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from crossreg.jobs.publish import checkpoint_write
from crossreg.ledger import services
from crossreg.ledger.services import LedgerRecord, ledger_append_many

ROOT = Path(__file__).resolve().parents[3]
SCRATCH_PG = "crossreg_ops_drill"


@pytest.fixture
def platform(settings: Any, tmp_path: Path) -> Path:
    var = tmp_path / "var"
    (var / "media" / "evidence").mkdir(parents=True)
    (var / "media" / "evidence" / "photo.jpg").write_bytes(b"\xff\xd8 evidence")
    settings.VAR_DIR = var
    settings.CROSSREG = {**settings.CROSSREG, "LEDGER_SIGNING_KEY": "22" * 32, "LEDGER_TSA_URL": ""}
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:test", action="x.y", subject_type="case", subject_id=str(i), payload={"i": i}
            )
            for i in range(25)
        ]
    )
    checkpoint_write(services.checkpoint_create(timestamp=False))
    return var


def scratch_url(tmp_path: Path) -> str:
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    env = {**os.environ, "PGHOST": host, "PGPORT": str(port), "PGUSER": s["USER"]}
    subprocess.run(["dropdb", "--if-exists", SCRATCH_PG], env=env, check=True)
    subprocess.run(["createdb", SCRATCH_PG], env=env, check=True)
    return f"postgres://{s['USER']}@{host}:{port}/{SCRATCH_PG}"


@pytest.mark.django_db(transaction=True)
def test_restore_drill_verifies_against_the_last_published_checkpoint(platform: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup"
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    assert (backup / "manifest.json").exists() and (backup / "media" / "evidence" / "photo.jpg").exists()
    assert (backup / "checkpoints" / "latest.json").exists()
    out = io.StringIO()
    env_key = {"CROSSREG_LEDGER_SIGNING_KEY": "22" * 32}
    os.environ.update(env_key)  # the restored platform's key comes from its own safe copy
    try:
        call_command(
            "restore",
            "--input",
            str(backup),
            "--database-url",
            scratch_url(tmp_path),
            "--var-dir",
            str(tmp_path / "restored-var"),
            "--verify",
            stdout=out,
        )
        assert (
            "OK:" in out.getvalue()
            and (tmp_path / "restored-var" / "media" / "evidence" / "photo.jpg").exists()
        )

        # A backup that lost entries (here: an older database file under a newer checkpoint) fails.
        if connection.vendor == "sqlite":
            import sqlite3

            db = sqlite3.connect(backup / "database.sqlite3")
            db.execute("DELETE FROM ledger_entry WHERE seq >= 20")
            db.commit()
            db.close()
            import json

            from crossreg.jobs.management.commands.backup import sha256_file

            manifest = json.loads((backup / "manifest.json").read_text())
            manifest["files"]["database.sqlite3"] = sha256_file(backup / "database.sqlite3")
            (backup / "manifest.json").write_text(json.dumps(manifest))
            with pytest.raises(CommandError, match="does not verify"):
                call_command(
                    "restore",
                    "--input",
                    str(backup),
                    "--database-url",
                    f"sqlite:///{tmp_path / 'scratch2.sqlite3'}",
                    "--verify",
                    stdout=io.StringIO(),
                )
    finally:
        for k in env_key:
            os.environ.pop(k, None)


@pytest.mark.django_db
def test_a_damaged_backup_is_refused(platform: Path, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the damage check is the same for both; run on SQLite")
    backup = tmp_path / "backup"
    call_command("backup", "--output", str(backup), stdout=io.StringIO())
    (backup / "media" / "evidence" / "photo.jpg").write_bytes(b"changed")
    with pytest.raises(CommandError, match="does not match the manifest"):
        call_command(
            "restore", "--input", str(backup), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}"
        )
    assert sys.executable
