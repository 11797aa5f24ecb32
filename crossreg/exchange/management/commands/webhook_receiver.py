"""``manage.py webhook_receiver``: a department system's webhook receiver for the demo.

Verifies each Standard Webhooks signature, keeps each webhook-id once (JSON lines in --store) and
answers 200. Start it beside ``runserver`` and ``outbox_worker``; the demo target ``demo-hook``
points at http://127.0.0.1:8765/hook with the secret printed by ``crossreg demo_setup``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossreg.outbox.receiver import Receiver, Store


class Command(BaseCommand):
    help = "Run a small Standard Webhooks receiver that honours the idempotency key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--secret", default="", help="whsec_… (default: the demo target's)")
        parser.add_argument("--store", default="", help="JSON-lines file of received events")

    def handle(self, *args: Any, **options: Any) -> None:
        secret = options["secret"]
        if not secret:
            from crossreg.outbox.models import Target

            target = Target.objects.filter(code="demo-hook").first()
            secret = target.secret if target else ""
        if not secret:
            self.stderr.write("no --secret and no demo-hook target: run `crossreg demo_setup` first")
            return
        rx = Receiver(secret, port=options["port"], store=Store(options["store"] or None)).start()
        self.stdout.write(f"listening on {rx.url}")
        try:
            while True:
                time.sleep(5)
                self.stdout.write(f"held {len(rx.store.order)} events, {rx.store.duplicates} repeats ignored")
        except KeyboardInterrupt:
            rx.stop()
