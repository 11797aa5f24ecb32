"""``crossreg compilemessages_py``: compile every .po (crossreg/locale and crossreg/<app>/locale) to .mo.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a fresh machine lacks; polib
writes the same binary catalogue. Fuzzy entries are left out, as msgfmt does. ``--check`` compiles
nothing and exits 1 if a committed .mo is missing or older in content than its .po.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


def _catalogue(po_path: Path) -> polib.POFile:
    po = polib.pofile(str(po_path))
    for entry in [e for e in po if "fuzzy" in e.flags or e.obsolete]:
        po.remove(entry)
    return po


def compile_po(po_path: Path) -> bytes:
    """The .mo bytes for ``po_path``."""
    po = _catalogue(po_path)
    mo_path = po_path.with_suffix(".tmp.mo")
    try:
        po.save_as_mofile(str(mo_path))
        return mo_path.read_bytes()
    finally:
        mo_path.unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Compile every .po file under the LOCALE_PATHS to .mo with polib (no gettext needed)."

    requires_system_checks: list[str] = []  # a file check: independent of the apps' own checks

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="write nothing; fail if a .mo is missing or stale"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The project's catalogue, and each app's own (crossreg/<app>/locale), which Django also reads.
        roots = [Path(r) for r in settings.LOCALE_PATHS] + [
            Path(app.path) / "locale"
            for app in apps.get_app_configs()
            if app.name.startswith("crossreg.") and (Path(app.path) / "locale").is_dir()
        ]
        po_files = sorted({p for root in roots for p in root.rglob("*.po")})
        if not po_files:
            raise CommandError(f"no .po files under {', '.join(map(str, settings.LOCALE_PATHS))}")
        stale = []
        for po_path in po_files:
            mo_path = po_path.with_suffix(".mo")
            data = compile_po(po_path)
            if options["check"]:
                if not mo_path.exists() or mo_path.read_bytes() != data:
                    stale.append(mo_path)
                continue
            mo_path.write_bytes(data)
            translated = len(_catalogue(po_path).translated_entries())
            self.stdout.write(f"compiled {po_path} -> {mo_path.name} ({translated} translated)")
        if stale:
            raise CommandError(
                "stale or missing .mo (run `crossreg compilemessages_py` and commit): "
                + ", ".join(map(str, stale))
            )
        if options["check"]:
            self.stdout.write(f"{len(po_files)} catalogue(s) compiled and up to date")
