"""Reads for inspections, scoped to the user: officers see their tasks, departments theirs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskOfficer, TaskStatus
from crossreg.inspections.querysets import TaskQuerySet
from crossreg.orgs.permissions import Principal


def _base() -> TaskQuerySet:
    return InspectionTask.objects.select_related("entity", "entity__division", "lead_department")


def task_visible_list(*, user: object) -> QuerySet[InspectionTask]:
    """Tasks the principal may read (:meth:`TaskQuerySet.visible_to`), with entity and lead."""
    return _base().visible_to(Principal.of(user))


# --- the ledger subject "inspection.task" (registered in apps.py) -------------------------------


def task_subject_visible(principal: Principal, subject_id: str) -> bool:
    return InspectionTask.objects.visible_to(principal).filter(code=subject_id).exists()


def task_subject_url(subject_id: str) -> str | None:
    return f"/inspections/tasks/{subject_id}/"


def task_subject_display(subject_id: str) -> str:
    name = InspectionTask.objects.filter(code=subject_id).values_list("entity__name", flat=True).first()
    return f"{subject_id} {name}" if name else subject_id


def entity_subject_grant(principal: Principal, subject_id: str) -> bool:
    """The departments and officers of an entity's tasks read the entity's record."""
    if not subject_id.isdigit():
        return False
    return InspectionTask.objects.visible_to(principal).filter(entity_id=int(subject_id)).exists()


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


# --- due flags on the working lists ------------------------------------------------------------

OPEN_STATES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.AWAITING_CONFIRMATION)
UNPUBLISHED_STATES = (TaskStatus.SUBMITTED, TaskStatus.FOLLOW_UP)


def _overdue_q(today: Any) -> Q:
    """The visit's window has ended with the task still open, or a submitted result has passed its
    publication deadline unpublished."""
    return Q(status__in=OPEN_STATES, window_end__lt=today) | Q(
        status__in=UNPUBLISHED_STATES, result_due__lt=today
    )


def _soon_q(today: Any) -> Q:
    from crossreg.inspections import conf

    soon = today + dt.timedelta(days=conf.due_soon_days())
    return Q(status__in=OPEN_STATES, window_end__gte=today, window_end__lte=soon) | Q(
        status__in=UNPUBLISHED_STATES, result_due__gte=today, result_due__lte=soon
    )


def task_due_filter(qs: QuerySet[InspectionTask], due: str, today: Any = None) -> QuerySet[InspectionTask]:
    """``due``: ``overdue`` or ``soon`` (see :func:`task_due_flag`)."""
    today = today or timezone.localdate()
    if due == "overdue":
        return qs.filter(_overdue_q(today))
    if due == "soon":
        return qs.filter(_soon_q(today))
    return qs


def task_due_flag(task: InspectionTask, today: Any = None) -> str:
    """``overdue`` / ``soon`` / ``""`` for a task, from its own fields (no query)."""
    from crossreg.inspections import conf

    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=conf.due_soon_days())
    if task.status in OPEN_STATES:
        end = task.window_end
    elif task.status in UNPUBLISHED_STATES and task.result_due is not None:
        end = task.result_due
    else:
        return ""
    if end < today:
        return "overdue"
    return "soon" if end <= soon else ""


def task_department_list(*, user: object) -> QuerySet[InspectionTask]:
    """The working list of tasks: visible, with counts and the departments prefetched."""
    return (
        task_visible_list(user=user)
        .annotate(
            n_points=Count("points", distinct=True),
            n_done=Count("points", filter=~Q(points__result=""), distinct=True),
        )
        .prefetch_related(
            Prefetch("departments", queryset=TaskDepartment.objects.select_related("department")),
            Prefetch("officers", queryset=TaskOfficer.objects.select_related("officer")),
        )
    )
