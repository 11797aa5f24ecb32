"""Backfill: results published before the outbox existed, sent as their events once.

The 互联网+监管 system wants every inspection result, including those published before the city
connected. ``backfill_inspection_results`` publishes ``inspection.task.published`` (per the
provisional schema in ``event_schemas``) for each published task that has no such event yet, marked
``"backfill": true``; run again, it publishes nothing new (the subject ``task/<code>`` is looked up
first). Once the inspections app publishes the event itself, new results need no backfill.
"""

from __future__ import annotations

from django.db import transaction

from crossreg.core.audit import audit_record
from crossreg.core.events import domain_event_publish
from crossreg.outbox.models import OutboxEvent

EVENT = "inspection.task.published"


@transaction.atomic
def backfill_inspection_results(*, actor: str = "system:exchange", limit: int = 500) -> int:
    from crossreg.catalog.models import ItemVersion
    from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskPoint, TaskStatus

    done = set(OutboxEvent.objects.filter(type=EVENT).values_list("subject", flat=True))
    tasks = [
        t
        for t in InspectionTask.objects.filter(status=TaskStatus.PUBLISHED)
        .select_related("entity")
        .order_by("published_at", "pk")[: limit + len(done)]
        if f"task/{t.code}" not in done
    ][:limit]
    if not tasks:
        return 0
    ids = [t.pk for t in tasks]
    depts: dict[int, list[tuple[str, list[int]]]] = {}
    for task_id, dept, versions in TaskDepartment.objects.filter(task_id__in=ids).values_list(
        "task_id", "department_id", "item_versions"
    ):
        depts.setdefault(task_id, []).append((dept, list(versions or [])))
    version_ids = {v for rows in depts.values() for _, vs in rows for v in vs}
    item_of = dict(ItemVersion.objects.filter(pk__in=version_ids).values_list("pk", "item__code"))
    points: dict[int, list[TaskPoint]] = {}
    for p in TaskPoint.objects.filter(task_id__in=ids).order_by("task_id", "seq"):
        points.setdefault(p.task_id, []).append(p)
    for t in tasks:
        rows = depts.get(t.pk, [])
        codes = list(dict.fromkeys(item_of[v] for _, vs in rows for v in vs if v in item_of))
        pts = points.get(t.pk, [])
        data = {
            "task_code": t.code,
            "entity_id": t.entity_id,
            "entity_name": t.entity.name,
            "uscc": t.entity.uscc or "",
            "trigger": "random",
            "lead_department": t.lead_department_id,
            "departments": [d for d, _ in rows],
            "inspected_on": t.inspected_on.isoformat() if t.inspected_on else "",
            "published_at": t.published_at.isoformat() if t.published_at else "",
            "item_codes": codes,
            "findings": sum(1 for p in pts if p.result == "finding"),
            "points": [
                {
                    "seq": p.seq,
                    "content": p.content[:200],
                    "result": p.result or "na",
                    "item_code": item_of.get(int(p.sources[0][0]), "") if p.sources else "",
                    "department": p.sources[0][2] if p.sources and len(p.sources[0]) > 2 else "",
                }
                for p in pts
            ],
            "summary": t.summary[:500],
            "backfill": True,
        }
        domain_event_publish(
            type=EVENT,
            subject=f"task/{t.code}",
            data=data,
            department_id=t.lead_department_id,
            entity_id=t.entity_id,
        )
    audit_record(
        actor=actor,
        action="exchange.backfill.published",
        subject_type="exchange_backfill",
        subject_id=EVENT,
        payload={"tasks": [t.code for t in tasks][:500], "count": len(tasks)},
    )
    return len(tasks)
