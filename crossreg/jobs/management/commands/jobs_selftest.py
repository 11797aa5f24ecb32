from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from crossreg.jobs.services import job_submit
from crossreg.jobs.tasks import selftest_task


class Command(BaseCommand):
    help = "Queue the worker self-test job; its progress shows at /jobs/<id>/."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--steps", type=int, default=5)
        parser.add_argument("--pause", type=float, default=0.2)

    def handle(self, *args: Any, **opts: Any) -> None:
        with transaction.atomic():
            job = job_submit(
                actor="system:selftest",
                kind="jobs.selftest.run",
                title="后台任务自检",
                task=selftest_task,
                kwargs={"steps": opts["steps"], "pause": opts["pause"]},
                total=opts["steps"],
            )
        self.stdout.write(f"queued job {job.pk}")
