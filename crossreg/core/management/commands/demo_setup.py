"""``crossreg demo_setup``: everything ``make demo`` loads after the synthetic city.

After ``crossreg seed`` has built the city and written the departments' lists, this loads, in
order and each only once (re-running does nothing that is already done):

each app's demo step, registered from its ``AppConfig.ready()`` (``crossreg.core.demo``): the demo
supervision-item catalog published through the real review workflow (catalog); every department's
list imported into the object base and linked (linking); a quarter of double-random sampling plans,
drawn, pooled into joint tasks, some inspected and published (sampling, inspections); and the steps
of the apps that came later.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

ACTOR = "system:demo"


class Command(BaseCommand):
    help = "Load the demo catalog, link the departments' lists and run a quarter of sampling (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2021, help="the seed the city was made with")
        parser.add_argument("--lists-dir", type=Path, default=None, help="default VAR_DIR/lists")

    def handle(self, *args: Any, **opts: Any) -> None:
        from crossreg.core.demo import DemoContext, demo_steps

        # Splink's training chatter (levels not observed in a small city) is not for a demo's console.
        logging.getLogger("splink").setLevel(logging.ERROR)
        # By its label, not by import: core sits below every domain app.
        if not apps.get_model("entities", "Entity").objects.exists():
            raise CommandError("no city yet: run `crossreg seed` first")
        lists_dir: Path = opts["lists_dir"] or Path(settings.VAR_DIR) / "lists"
        ctx = DemoContext(seed=opts["seed"], actor=ACTOR, lists_dir=str(lists_dir))
        for step in demo_steps():
            started = time.perf_counter()
            summary = step.run(ctx)
            self.stdout.write(f"{step.name}: {summary} ({time.perf_counter() - started:.0f} s)")
        # Sign the tree head now, so that every timeline of the demo verifies at once (the worker
        # signs one every ten minutes after that). By command name: core imports no ledger.
        from django.core.management import call_command

        call_command("ledger", "checkpoint", "--if-changed", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
