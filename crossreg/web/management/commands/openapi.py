"""``crossreg openapi``: write the API's OpenAPI document, or check that the committed one is current.

``crossreg openapi --output docs/openapi.json`` writes ``api.get_openapi_schema()`` as sorted, indented
JSON (UTF-8, Chinese kept readable). ``crossreg openapi --check docs/openapi.json`` writes nothing and
exits 1 when the file differs from what the code produces, naming the first differing paths; CI runs it
so the published document cannot drift from the code. Without either option the document goes to stdout.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


def openapi_document() -> str:
    """The OpenAPI document exactly as it is committed: sorted keys, two-space indent, final newline."""
    from crossreg.api import api

    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI document (--output FILE) or check a committed one (--check FILE)."

    requires_system_checks: list[str] = []  # a file check: independent of the apps' own checks

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--output", metavar="FILE", help="write the document to FILE")
        group.add_argument("--check", metavar="FILE", help="exit 1 if FILE differs from the code's document")

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        if options["check"]:
            path = Path(options["check"])
            if not path.exists():
                raise CommandError(f"{path} does not exist; run `crossreg openapi --output {path}`")
            current = path.read_text(encoding="utf-8")
            if current != document:
                diff = list(
                    difflib.unified_diff(
                        current.splitlines(),
                        document.splitlines(),
                        fromfile=f"{path} (committed)",
                        tofile="code",
                        lineterm="",
                        n=1,
                    )
                )
                shown = "\n".join(diff[:60]) + ("\n…" if len(diff) > 60 else "")
                raise CommandError(
                    f"{path} is out of date with the API; run `crossreg openapi --output {path}` "
                    f"(or `make openapi`) and commit it.\n{shown}"
                )
            self.stdout.write(f"{path} is up to date")
            return
        if options["output"]:
            path = Path(options["output"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(document, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
            return
        self.stdout.write(document, ending="")
