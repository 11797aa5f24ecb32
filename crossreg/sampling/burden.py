"""The burden dashboard (减少重复检查): visits per entity against independent departmental draws,
joint-inspection rate per department, and publication timeliness. Aggregates only: a fixed number
of queries whatever the size of the period."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskStatus
from crossreg.orgs.models import Department
from crossreg.sampling.models import Selection


def period_burden(*, period: str, user: Any = None) -> dict[str, Any]:
    per_entity = Counter(
        n
        for n in Selection.objects.filter(plan__period=period)
        .values("entity_id")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    counterfactual = sum(k * v for k, v in per_entity.items())
    entities = sum(per_entity.values())
    tasks = InspectionTask.objects.filter(period=period).exclude(status=TaskStatus.CANCELLED)
    visits = tasks.count()
    dist = [{"visits": k, "entities": v} for k, v in sorted(per_entity.items())]

    rows = (
        TaskDepartment.objects.filter(task__in=tasks)
        .values("department_id")
        .annotate(
            tasks=Count("id"),
            joint=Count("id", filter=Q(task__joint=True)),
            lead=Count("id", filter=Q(role="lead")),
        )
        .order_by("department_id")
    )
    names = dict(Department.objects.values_list("pk", "short_name"))
    departments = [
        {
            "code": r["department_id"],
            "name": names.get(r["department_id"], r["department_id"]),
            "tasks": r["tasks"],
            "joint": r["joint"],
            "lead": r["lead"],
            "joint_rate": round(100 * r["joint"] / r["tasks"], 1) if r["tasks"] else 0.0,
        }
        for r in rows
    ]
    today = timezone.localdate()
    submitted = tasks.filter(submitted_at__isnull=False)
    published = submitted.filter(published_at__isnull=False)
    on_time = sum(
        1
        for pub, due in published.values_list("published_at", "result_due")
        if due is None or timezone.localtime(pub).date() <= due
    )
    timeliness = {
        "submitted": submitted.count(),
        "published": published.count(),
        "on_time": on_time,
        "late": published.count() - on_time,
        "overdue": submitted.filter(published_at__isnull=True, result_due__lt=today).count(),
        "pending": submitted.filter(published_at__isnull=True, result_due__gte=today).count(),
    }
    return {
        "entities": entities,
        "visits": visits,
        "counterfactual_visits": counterfactual,
        "visits_per_entity": round(visits / entities, 3) if entities else 0,
        "counterfactual_per_entity": round(counterfactual / entities, 3) if entities else 0,
        "distribution": dist,
        "departments": departments,
        "timeliness": timeliness,
    }
