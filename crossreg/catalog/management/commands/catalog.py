"""``crossreg catalog import|export|demo|schema`` — the catalog's command-line tools (docs/catalog.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.core.errors import DomainError

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "catalog.schema.json"


class Command(BaseCommand):
    help = "Supervision-item catalog: import, export, demo data, JSON Schema."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import", help="import items and/or power items (CSV, XLSX or JSON); all-or-nothing"
        )
        imp.add_argument("file")
        imp.add_argument(
            "--mode",
            choices=["draft", "published"],
            default="published",
            help="published: an already-reviewed catalog (initial load, default for this administrator command); "
            "draft: items become drafts that go through the compile workflow",
        )
        imp.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and print what the import would do, item by item; write nothing",
        )
        exp = sub.add_parser("export", help="export the published catalog")
        exp.add_argument("--format", choices=["csv", "xlsx", "json"], default="json")
        exp.add_argument("--kind", choices=["items", "power"], default="items", help="CSV only")
        exp.add_argument("-o", "--output", required=True, help="file, or - for standard output")
        sub.add_parser("demo", help="load the demo catalog through the real workflow (idempotent)")
        sch = sub.add_parser("schema", help="write the open-data JSON Schema")
        sch.add_argument("-o", "--output", default=str(SCHEMA_PATH))
        sch.add_argument("--check", action="store_true", help="fail if the file differs")

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "import":
            self._import(Path(opts["file"]), opts["mode"], dry_run=opts["dry_run"])
        elif action == "export":
            self._export(opts["format"], opts["kind"], opts["output"])
        elif action == "demo":
            from crossreg.catalog.demo import catalog_demo_load

            try:
                counts = catalog_demo_load(actor="system:catalog-demo")
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        elif action == "schema":
            from crossreg.catalog.exchange import json_schema_text

            path = Path(opts["output"])
            text = json_schema_text()
            if opts["check"]:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    raise CommandError(f"{path} is out of date: run `crossreg catalog schema`")
                self.stdout.write(f"{path} is up to date")
                return
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {path}")

    def _import(self, path: Path, mode: str, *, dry_run: bool = False) -> None:
        from crossreg.catalog.exchange import catalog_import

        if not path.exists():
            raise CommandError(f"no such file: {path}")
        try:
            report = catalog_import(
                data=path.read_bytes(),
                filename=path.name,
                actor="system:catalog-import",
                mode=mode,
                dry_run=dry_run,
            )
        except DomainError as exc:
            for p in exc.problems:
                where = f"row {p.row}" if p.row is not None else "file"
                self.stderr.write(f"{where}\t{p.field or ''}\t{p.message}")
            raise CommandError(f"nothing imported: {len(exc.problems)} problem(s)") from None
        if dry_run:
            for line in report.lines:
                version = f"v{line.version}" if line.version else ""
                self.stdout.write(f"row {line.row}\t{line.kind}\t{line.code}\t{line.action}\t{version}")
            self.stdout.write(json.dumps({**report.as_dict(), "dry_run": True}, ensure_ascii=False))
            return
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))

    def _export(self, fmt: str, kind: str, output: str) -> None:
        from crossreg.catalog import exchange

        data = (
            exchange.export_csv(kind)
            if fmt == "csv"
            else exchange.export_xlsx()
            if fmt == "xlsx"
            else exchange.export_json()
        )
        if output == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(output).write_bytes(data)
            self.stdout.write(f"wrote {output} ({len(data)} bytes)")
