"""The worker's heartbeat and the platform's schedule.

``manage.py worker`` runs this beside django-tasks-db's loop, in a thread with its own database
connection: every ``HEARTBEAT_SECONDS`` it records that the worker is alive (``WorkerHeartbeat``;
``/readyz`` reads it) and enqueues each scheduled task whose interval has passed since it was last
enqueued (read from django-tasks-db's own table, so several workers agree without a lock; a rare
double enqueue is harmless for these idempotent tasks).

The schedule is ``settings.CROSSREG["SCHEDULE"]``: ``{name: {"task": "dotted.path", "every": seconds,
"kwargs": {...}}}``. Apps add entries with :func:`schedule_register` in their ``ready()``; settings
override ``every`` (0 turns an entry off).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger("crossreg.jobs")
HEARTBEAT_SECONDS = 5.0


@dataclass(frozen=True)
class Scheduled:
    name: str
    task: str  # dotted path of a django-tasks Task
    every: int  # seconds
    kwargs: dict[str, Any] = field(default_factory=dict)


_SCHEDULE: dict[str, Scheduled] = {}


def schedule_register(entry: Scheduled) -> None:
    _SCHEDULE[entry.name] = entry


def schedule() -> list[Scheduled]:
    conf = dict(getattr(settings, "CROSSREG", {}).get("SCHEDULE", {}) or {})
    out = []
    for name, entry in {**_SCHEDULE}.items():
        over = conf.pop(name, {})
        out.append(
            Scheduled(
                name,
                over.get("task", entry.task),
                int(over.get("every", entry.every)),
                over.get("kwargs", entry.kwargs),
            )
        )
    for name, over in conf.items():
        out.append(Scheduled(name, over["task"], int(over["every"]), over.get("kwargs", {})))
    return [e for e in out if e.every > 0]


def schedule_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every scheduled task not enqueued within its interval; returns their names."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    done = []
    for entry in schedule():
        recent = DBTaskResult.objects.filter(
            task_path=entry.task, enqueued_at__gte=now - dt.timedelta(seconds=entry.every)
        ).exists()
        if recent:
            continue
        import_string(entry.task).enqueue(**entry.kwargs)
        done.append(entry.name)
    return done


def heartbeat(worker_id: str, started_at: dt.datetime) -> None:
    from crossreg.jobs.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:128],
            "pid": os.getpid(),
            "started_at": started_at,
            "seen_at": timezone.now(),
        },
    )


class HeartbeatThread(threading.Thread):
    def __init__(self, worker_id: str, *, run_schedule: bool = True) -> None:
        super().__init__(name="crossreg-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.run_schedule = run_schedule
        self.stopped = threading.Event()
        self.started_at = timezone.now()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                heartbeat(self.worker_id, self.started_at)
                if self.run_schedule:
                    for name in schedule_due():
                        logger.info("scheduled task enqueued", extra={"schedule": name})
            except Exception:  # never let the heartbeat kill the worker; say so and retry
                logger.exception("worker heartbeat/schedule failed")
            self.stopped.wait(HEARTBEAT_SECONDS)
        connection.close()

    def stop(self) -> None:
        self.stopped.set()
