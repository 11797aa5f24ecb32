"""Inspections API: the caller's tasks (scoped) with their officers and checklist progress."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema

from crossreg.core.errors import Forbidden
from crossreg.inspections import selectors
from crossreg.inspections.models import TaskDepartment
from crossreg.orgs.models import User

router = Router(tags=["inspections"])


class TaskOut(Schema):
    code: str
    period: str
    entity: str
    uscc: str | None
    joint: bool
    lead_department: str
    departments: list[str]
    status: str
    window_start: str
    window_end: str
    points: int
    done: int
    follow_up: bool


@router.get("/tasks", response=list[TaskOut])
def tasks(request: HttpRequest, period: str = "", status: str = "") -> list[dict[str, Any]]:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden("inspections need a signed-in user", code="forbidden")
    qs = selectors.with_counts(selectors.task_visible_list(user=user)).prefetch_related(
        Prefetch("departments", queryset=TaskDepartment.objects.order_by("department_id"))
    )
    if period:
        qs = qs.filter(period=period)
    if status:
        qs = qs.filter(status=status)
    return [
        {
            "code": t.code,
            "period": t.period,
            "entity": t.entity.name,
            "uscc": t.entity.uscc,
            "joint": t.joint,
            "lead_department": t.lead_department_id,
            "departments": [d.department_id for d in t.departments.all()],
            "status": t.status,
            "window_start": t.window_start.isoformat(),
            "window_end": t.window_end.isoformat(),
            "points": t.n_points,  # type: ignore[attr-defined]
            "done": t.n_done,  # type: ignore[attr-defined]
            "follow_up": t.follow_up,
        }
        for t in qs[:500]
    ]
