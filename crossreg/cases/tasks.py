"""Background work of the cases app: thin ``@task`` wrappers over services.

- ``sources_from_task_job``: an inspection task's findings become case sources of the
  departments responsible (subscribed to ``inspection.task.submitted`` / ``.published``);
- ``deadlines_check_job``: the periodic check of every open clock (near-due and overdue cases,
  overdue publications and withdrawals), which notifies the departments (run it daily).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def sources_from_task_job(task_code: str) -> int:
    from crossreg.cases.services import case_sources_from_task

    return len(case_sources_from_task(actor="system:cases", task_code=task_code))


@task()
def deadlines_check_job(today: str | None = None) -> dict[str, int]:
    import datetime as dt

    from crossreg.cases.services_deadlines import deadlines_notify

    return deadlines_notify(today=dt.date.fromisoformat(today) if today else None)


def task_code_of(event: Any) -> str:
    data = event.data or {}
    code = data.get("code") or data.get("task_code") or ""
    if not code and "/" in event.subject:
        code = event.subject.rsplit("/", 1)[1]
    return str(code)


def on_task_event(event: Any) -> None:
    """On commit of an inspection's submission or publication: register its findings as sources."""
    code = task_code_of(event)
    if not code:
        return
    findings = (event.data or {}).get("findings")
    if findings is not None and not findings:
        return
    transaction.on_commit(lambda: sources_from_task_job.enqueue(code))
