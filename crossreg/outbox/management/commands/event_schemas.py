"""``manage.py event_schemas``: write docs/schemas/ from the code's event models, or check for drift.

python manage.py event_schemas --output docs/schemas
python manage.py event_schemas --check            # CI: exit 1 if docs/schemas differs
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.outbox.schemas import schema_documents


class Command(BaseCommand):
    help = "Write the events' JSON Schemas (--output DIR) or check the committed ones (--check [DIR])."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="DIR", help="write the schemas into DIR")
        parser.add_argument(
            "--check",
            nargs="?",
            const="docs/schemas",
            metavar="DIR",
            help="exit 1 if DIR differs from the code",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        docs = schema_documents()
        if options["check"]:
            folder = Path(options["check"])
            if not folder.is_absolute():
                folder = Path(settings.BASE_DIR) / folder
            stale = []
            for name, text in docs.items():
                path = folder / name
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(name)
            extra = (
                sorted(p.name for p in folder.glob("*.json") if p.name not in docs) if folder.exists() else []
            )
            if stale or extra:
                raise CommandError(
                    f"{folder} is out of date with the code's event schemas"
                    + (f"; differs: {', '.join(stale)}" if stale else "")
                    + (f"; no longer in the code: {', '.join(extra)}" if extra else "")
                    + "; run `python manage.py event_schemas --output docs/schemas` and commit it."
                )
            self.stdout.write(f"{folder} is up to date ({len(docs)} schemas)")
            return
        folder = Path(options["output"] or "docs/schemas")
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in docs.items():
            (folder / name).write_text(text, encoding="utf-8")
        for p in folder.glob("*.json"):
            if p.name not in docs:
                p.unlink()
        self.stdout.write(f"wrote {len(docs)} schemas to {folder}")
