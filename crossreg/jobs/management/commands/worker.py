"""``crossreg worker``: the background-job worker (django-tasks-db's ``db_worker``) with the
platform's defaults: every queue, a short poll interval, no autoreload outside DEBUG."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from crossreg.core.observability import job_metrics_connect
from crossreg.jobs.schedule import HeartbeatThread


class Command(BaseCommand):
    help = "Run the background-job worker (django-tasks database backend)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", default="*", help="comma-separated queue names, * for all (default)")
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--reload", action="store_true", help="restart on code changes (development)")
        parser.add_argument("--no-schedule", action="store_true", help="do not enqueue scheduled tasks")

    def handle(self, *args: Any, **opts: Any) -> None:
        kwargs: dict[str, Any] = {
            "queue_name": opts["queues"],
            "interval": opts["interval"],
            "batch": opts["batch"],
            "reload": opts["reload"],
            "startup_delay": False,
            "verbosity": opts["verbosity"],
        }
        if opts["max_tasks"]:
            kwargs["max_tasks"] = opts["max_tasks"]
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"
        kwargs["worker_id"] = worker_id
        job_metrics_connect()
        beat = HeartbeatThread(worker_id, run_schedule=not opts["no_schedule"] and not opts["batch"])
        beat.start()
        try:
            call_command("db_worker", **kwargs)
        finally:
            beat.stop()
