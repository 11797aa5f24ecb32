"""``manage.py exchange_import``: code mappings and inbound files, for the platform's administrator.

    python manage.py exchange_import mapping item FILE.csv        # local_code,national_code,list_code,name
    python manage.py exchange_import mapping department FILE.csv
    python manage.py exchange_import provincial_tasks FILE.csv --source js-ssj --batch 2026-04
    python manage.py exchange_import penalties FILE.xlsx --source suzhou --batch 2026-03-02

All or nothing: a refused file prints every problem with its row and writes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crossreg.core.errors import DomainError
from crossreg.exchange import services
from crossreg.orgs.permissions import Principal


class Command(BaseCommand):
    help = "Import a code mapping table or an inbound file (provincial tasks, other cities' penalties)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["mapping", "provincial_tasks", "penalties"])
        parser.add_argument("args", nargs="+", help="[item|department] FILE")
        parser.add_argument("--source", default="")
        parser.add_argument("--batch", default="")
        parser.add_argument(
            "--user", default="", help="administrator's username (default: the first superuser)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from crossreg.orgs.models import User

        user = (
            User.objects.filter(username=options["user"]).first()
            if options["user"]
            else User.objects.filter(is_superuser=True).order_by("pk").first()
        )
        if user is None:
            raise CommandError("no such administrator")
        p = Principal.of(user)
        kind = options["kind"]
        try:
            if kind == "mapping":
                if len(args) != 2:
                    raise CommandError("mapping needs: item|department FILE")
                path = Path(args[1])
                rows = services.inbound_rows(path.read_bytes(), path.name)
                v = services.mapping_import(actor=user, principal=p, kind=args[0], rows=rows, note=path.name)
                self.stdout.write(f"{v.kind} mapping v{v.number}: {v.row_count} rows")
                return
            path = Path(args[0])
            data = path.read_bytes()
            rows = services.inbound_rows(data, path.name)
            batch = services.inbound_import(
                actor=user,
                principal=p,
                kind=kind,
                source=options["source"],
                batch_ref=options["batch"] or path.name,
                rows=rows,
                sha256=hashlib.sha256(data).hexdigest(),
            )
            self.stdout.write(
                f"{kind}: {batch.row_count} rows, {batch.created} new, {batch.unchanged} already imported"
            )
        except DomainError as exc:
            lines = [
                (f"row {pr.row}: " if pr.row else "") + (f"{pr.field}: " if pr.field else "") + pr.message
                for pr in exc.problems
            ]
            raise CommandError("refused, nothing written:\n" + "\n".join(lines)) from None
