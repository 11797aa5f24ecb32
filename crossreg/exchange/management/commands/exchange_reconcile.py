"""``manage.py exchange_reconcile [--day YYYY-MM-DD]``: the daily reconciliation (default: yesterday)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossreg.exchange.services import reconcile_all


class Command(BaseCommand):
    help = "Reconcile each active target's deliveries for one day (default: yesterday)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=dt.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        for r in reconcile_all(day=options["day"]):
            self.stdout.write(
                f"{r.day} {r.target.code}: sent {r.sent}, acknowledged {r.acknowledged}, gaps {len(r.gaps)}, missed {r.missed}"
            )
