"""What inspections found, kept for the targeting report (clue-triggered vs random draws).

Subscribed to ``inspection.task.published``: the task's trigger, domains and whether any check
point was a finding become one :class:`~crossreg.clues.models.InspectionOutcome`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from crossreg.clues.models import ClueBundle, InspectionOutcome

log = logging.getLogger(__name__)


def on_task_published(event: Any) -> None:
    data = dict(event.data or {})
    code = str(data.get("code") or data.get("task_code") or str(event.subject).split("/", 1)[-1])
    outcome_record_from_task(code)


@transaction.atomic
def outcome_record_from_task(code: str) -> InspectionOutcome | None:
    from crossreg.inspections.models import InspectionTask, TaskPoint

    task = InspectionTask.objects.filter(code=code).first()
    if task is None or task.inspected_on is None:
        return None
    violation = TaskPoint.objects.filter(task=task, result="finding").exists()
    bundle = ClueBundle.objects.filter(task_code=code).order_by("first_signal_at").first()
    trigger = str(getattr(task, "trigger", "") or ("clue" if bundle else "random"))
    if trigger not in ("clue", "random"):
        return None
    domains = sorted({d for tp in task.departments.all() for d in _domains_of(tp.department_id)}) or [""]
    outcome, _created = InspectionOutcome.objects.update_or_create(
        task_code=code,
        defaults={
            "entity_id": task.entity_id,
            "trigger": trigger,
            "domain": bundle.domains[0] if bundle and bundle.domains else domains[0],
            "period": task.period,
            "violation": violation,
            "first_signal_at": bundle.first_signal_at if bundle else None,
            "inspected_on": task.inspected_on,
            "origin": InspectionOutcome.Origin.PLATFORM,
        },
    )
    return outcome


def _domains_of(department_code: str) -> list[str]:
    from crossreg.orgs.models import Department

    d = Department.objects.filter(code=department_code).first()
    return list(d.domains.values_list("code", flat=True)) if d else []
