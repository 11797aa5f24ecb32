"""``crossreg demo_setup``: everything ``make demo`` loads after the synthetic city.

After ``crossreg seed`` has built the city and written the departments' lists, this loads, in
order and each only once (re-running does nothing that is already done):

1. the demo supervision-item catalog, published through the real review workflow (catalog);
2. every department's list into the object base, linked into one entity each (linking);
3. a quarter of double-random sampling plans, drawn, pooled into joint tasks, some inspected and
   published (sampling, inspections).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

ACTOR = "system:demo"


class Command(BaseCommand):
    help = "Load the demo catalog, link the departments' lists and run a quarter of sampling (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2021, help="the seed the city was made with")
        parser.add_argument("--lists-dir", type=Path, default=None, help="default VAR_DIR/lists")

    def handle(self, *args: Any, **opts: Any) -> None:
        from crossreg.catalog.demo import catalog_demo_load
        from crossreg.catalog.models import SupervisionItem
        from crossreg.entities.models import Entity
        from crossreg.linking import services as linking_services
        from crossreg.linking.models import SourceList
        from crossreg.sampling.demo import sampling_demo_load

        # Splink's training chatter (levels not observed in a small city) is not for a demo's console.
        logging.getLogger("splink").setLevel(logging.ERROR)
        if not Entity.objects.exists():
            raise CommandError("no city yet: run `crossreg seed` first")
        lists_dir: Path = opts["lists_dir"] or Path(settings.VAR_DIR) / "lists"

        started = time.perf_counter()
        if SupervisionItem.objects.exists():
            self.stdout.write("catalog: already loaded")
        else:
            counts = catalog_demo_load(actor=ACTOR)
            self.stdout.write(f"catalog: {counts} ({time.perf_counter() - started:.0f} s)")

        started = time.perf_counter()
        if SourceList.objects.exists():
            self.stdout.write("object base: department lists already imported")
        elif not lists_dir.is_dir():
            raise CommandError(f"no department lists in {lists_dir}: run `crossreg seed` first")
        else:
            results = linking_services.import_directory(
                actor=ACTOR, directory=lists_dir, link=False, progress=lambda _msg: None
            )
            result = linking_services.linking_relink(actor=ACTOR, retrain=False)
            self.stdout.write(
                f"object base: {len(results)} lists imported and linked, {result.counts} "
                f"({time.perf_counter() - started:.0f} s)"
            )

        started = time.perf_counter()
        report = sampling_demo_load(actor=ACTOR, seed=opts["seed"])
        summary = report if isinstance(report, dict) else getattr(report, "__dict__", report)
        self.stdout.write(f"sampling: {summary} ({time.perf_counter() - started:.0f} s)")
        self.stdout.write(self.style.SUCCESS("demo data ready"))
