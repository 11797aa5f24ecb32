"""``crossreg backup --output DIR``: one consistent copy of what a restore needs.

* the database: ``pg_dump --format=custom`` on PostgreSQL (a consistent snapshot while the platform
  runs), SQLite's online backup API otherwise;
* the evidence and uploaded files (``CROSSREG_VAR_DIR/media``) and the published checkpoints
  (``CROSSREG_VAR_DIR/checkpoints``), copied;
* ``manifest.json``: when, which database, the ledger's size and latest checkpoint, and the SHA-256
  of every file in the backup.

The ledger signing key is *not* in the backup: it is kept apart (an offline copy, docs/deployment.md),
so that a stolen backup cannot sign checkpoints. ``crossreg restore`` reads this directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(settings_dict.get("HOST") or "127.0.0.1"),
            "PGPORT": str(settings_dict.get("PORT") or 5432),
            "PGUSER": str(settings_dict.get("USER") or "postgres"),
            "PGDATABASE": str(settings_dict["NAME"]),
        }
    )
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


class Command(BaseCommand):
    help = "Back up the database, evidence files and published checkpoints to a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="a new or empty directory")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = Path(opts["output"])
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty")
        out.mkdir(parents=True, exist_ok=True)
        var = Path(settings.VAR_DIR)
        sd = connection.settings_dict
        if connection.vendor == "postgresql":
            target = out / "database.dump"
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
                env=pg_env(sd),
                check=True,
            )
        else:
            target = out / "database.sqlite3"
            src = sqlite3.connect(str(sd["NAME"]))
            dst = sqlite3.connect(str(target))
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
        for name in ("media", "checkpoints"):
            if (var / name).exists():
                shutil.copytree(var / name, out / name)
        from crossreg.ledger.models import Entry, LedgerCheckpoint

        last = LedgerCheckpoint.objects.order_by("-tree_size").first()
        files = {str(p.relative_to(out)): sha256_file(p) for p in sorted(out.rglob("*")) if p.is_file()}
        manifest = {
            "format": "crossreg-backup/1",
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": connection.vendor,
            "ledger_size": Entry.objects.count(),
            "latest_checkpoint_size": last.tree_size if last else None,
            "files": files,
            "signing_key": "not included: restore it from its own offline copy",
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"backup in {out}: {len(files)} files, ledger {manifest['ledger_size']} entries")
