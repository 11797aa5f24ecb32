"""``crossreg restore --input DIR --database-url URL [--verify]``: restore a backup into a database
(a scratch one for a drill, or the production one after a loss), its files into ``--var-dir``, and
with ``--verify`` run ``crossreg ledger verify --against`` the last checkpoint published before the
backup: a restore that lost or changed ledger entries fails loudly.

The target database must be empty (PostgreSQL: a new database; run ``db_roles`` afterwards). Every
file is checked against the manifest's SHA-256 first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.jobs.management.commands.backup import pg_env, sha256_file


class Command(BaseCommand):
    help = "Restore a `crossreg backup` directory into an empty database (and verify its ledger)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True)
        parser.add_argument("--database-url", required=True, help="the (empty) database to restore into")
        parser.add_argument("--var-dir", help="where the media and checkpoints go (default: not restored)")
        parser.add_argument("--verify", action="store_true", help="run ledger verify --against afterwards")

    def handle(self, *args: Any, **opts: Any) -> None:
        src = Path(opts["input"])
        manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
        for name, digest in manifest["files"].items():
            if sha256_file(src / name) != digest:
                raise CommandError(f"{name} does not match the manifest (damaged backup)")
        url = opts["database_url"]
        target = dj_database_url.parse(url)
        if manifest["database"] == "postgresql":
            if not target["ENGINE"].endswith("postgresql"):
                raise CommandError("a PostgreSQL backup restores into PostgreSQL")
            subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "-d",
                    str(target["NAME"]),
                    str(src / "database.dump"),
                ],
                env=pg_env(target),
                check=True,
            )
        else:
            dest = Path(str(target["NAME"]))
            if dest.exists() and dest.stat().st_size:
                raise CommandError(f"{dest} exists: restore into a new file")
            shutil.copyfile(src / "database.sqlite3", dest)
        if opts["var_dir"]:
            for name in ("media", "checkpoints"):
                if (src / name).exists():
                    shutil.copytree(src / name, Path(opts["var_dir"]) / name, dirs_exist_ok=True)
        self.stdout.write(f"restored {src} into {target['NAME']}")
        if opts["verify"]:
            latest = src / "checkpoints" / "latest.json"
            cmd = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "ledger", "verify"]
            if latest.exists():
                cmd += ["--against", str(latest)]
            else:
                self.stderr.write("no published checkpoint in the backup: verifying the log alone")
            env = {**os.environ, "DATABASE_URL": url}
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            self.stdout.write(done.stdout.strip())
            if done.returncode != 0:
                raise CommandError(
                    f"the restored ledger does not verify: {done.stderr.strip()[-500:]}", returncode=1
                )
