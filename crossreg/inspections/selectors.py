"""Reads for inspections, scoped to the user: officers see their tasks, departments theirs."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskOfficer, TaskStatus


def mask_name(name: str) -> str:
    """王小明 -> 王*明, 李四 -> 李*: personal names are masked on public pages."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _base() -> QuerySet[InspectionTask]:
    return InspectionTask.objects.select_related("entity", "entity__division", "lead_department")


def task_visible_list(*, user: Any) -> QuerySet[InspectionTask]:
    qs = _base()
    if user.sees_all_departments:
        return qs
    cond = Q(officers__officer__user=user)
    if user.department_id:
        cond |= Q(departments__department_id=user.department_id)
    return qs.filter(pk__in=InspectionTask.objects.filter(cond).values("pk"))


def task_mine(*, user: Any) -> QuerySet[InspectionTask]:
    return _base().filter(officers__officer__user=user).exclude(status=TaskStatus.CANCELLED)


def with_counts(qs: QuerySet[InspectionTask]) -> QuerySet[InspectionTask]:
    return qs.annotate(
        n_points=Count("points", distinct=True),
        n_done=Count("points", filter=~Q(points__result=""), distinct=True),
    ).order_by("window_start", "code")


def task_public_list() -> QuerySet[InspectionTask]:
    return (
        _base()
        .filter(status=TaskStatus.PUBLISHED)
        .annotate(
            n_points=Count("points", distinct=True),
            n_findings=Count("points", filter=Q(points__result="finding"), distinct=True),
        )
        .prefetch_related(
            Prefetch("departments", queryset=TaskDepartment.objects.select_related("department")),
            Prefetch("officers", queryset=TaskOfficer.objects.select_related("officer")),
        )
        .order_by("-published_at", "code")
    )


def task_overdue_public() -> QuerySet[InspectionTask]:
    """Submitted results past their publication deadline, still unpublished (flagged publicly)."""
    return InspectionTask.objects.filter(
        submitted_at__isnull=False, published_at__isnull=True, result_due__lt=timezone.localdate()
    )
