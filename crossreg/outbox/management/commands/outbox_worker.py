"""``manage.py outbox_worker``: the delivery loop, for `make demo`'s worker environment and tests.

Runs :func:`crossreg.outbox.services.outbox_deliver_batch` until stopped (``--once``: one round;
``--until-idle``: until nothing is due). Several may run at once: claims are compare-and-set.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from crossreg.outbox.services import outbox_deliver_batch


class Command(BaseCommand):
    help = "Deliver outbox events to their targets (the delivery worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument("--until-idle", action="store_true", help="exit when nothing is due")
        parser.add_argument("--sleep", type=float, default=1.0, help="seconds to wait when idle")
        parser.add_argument("--limit", type=int, default=None, help="deliveries per target per round")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = f"{socket.gethostname()}:{os.getpid()}"
        while True:
            r = outbox_deliver_batch(limit=options["limit"], worker=worker)
            if r.claimed or r.fanned_out:
                self.stdout.write(
                    f"fanned out {r.fanned_out}, delivered {r.delivered}, retried {r.retried}, failed {r.failed}"
                )
            if options["once"] or (options["until_idle"] and not r):
                return
            if not r:
                time.sleep(options["sleep"])
