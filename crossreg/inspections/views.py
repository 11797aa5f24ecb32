"""Field inspection pages (mobile first) and the public result pages and open data."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from crossreg.core.errors import DomainError
from crossreg.core.labels import problem_text
from crossreg.core.masking import mask_name
from crossreg.inspections import selectors, services, workflow
from crossreg.inspections.models import InspectionTask, TaskPoint
from crossreg.orgs.permissions import Principal
from crossreg.orgs.services import data_export_record


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, problem_text(p))


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    mine = selectors.task_mine(user=user)
    scoped = selectors.task_visible_list(user=user)
    period = request.GET.get("period", "")
    if period:
        scoped = scoped.filter(period=period)
    return render(
        request,
        "inspections/task_list.html",
        {
            "today_tasks": selectors.with_counts(
                mine.filter(
                    Q(window_start__lte=today, window_end__gte=today)
                    | Q(status__in=["in_progress", "awaiting_confirmation"])
                )
            ),
            "upcoming": selectors.with_counts(
                mine.filter(window_start__gt=today).exclude(
                    status__in=["in_progress", "awaiting_confirmation"]
                )
            )[:50],
            "department_tasks": selectors.with_counts(scoped)[:200],
            "today": today,
            "period": period,
        },
    )


def _task(request: HttpRequest, code: str) -> InspectionTask:
    task = selectors.task_visible_list(user=request.user).filter(code=code).first()
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code)
    roles = workflow.task_roles(task, Principal.of(request))
    allowed = [
        t
        for t in workflow.LIFECYCLE_TRANSITIONS
        if workflow.target(task.status, t, roles) and t != "flag_follow_up"
    ]
    officers = list(task.officers.select_related("officer", "department"))
    me = next(
        (o for o in officers if getattr(getattr(request.user, "officer", None), "pk", None) == o.officer_id),
        None,
    )
    return render(
        request,
        "inspections/task_detail.html",
        {
            "task": task,
            "points": task.points.all(),
            "officers": officers,
            "departments": task.departments.select_related("department"),
            "photos": task.photos.all(),
            "events": task.events.all(),
            "allowed": allowed,
            "working": task.status in workflow.WORKING_STATES and me is not None,
            "can_confirm": me is not None
            and task.status == "awaiting_confirmation"
            and me.confirmed_at is None,
            "confirmed": sum(1 for o in officers if o.confirmed_at),
            "results": TaskPoint.Result.choices[1:],
            "overdue": services.task_overdue(task),
        },
    )


@login_required
@require_POST
def task_action(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code)
    action = request.POST.get("action", "")
    user: Any = request.user
    try:
        if action == "mark":
            services.task_point_mark(
                task=task,
                point_id=int(request.POST.get("point", "0") or 0),
                result=request.POST.get("result", ""),
                note=request.POST.get("note", ""),
                actor=user,
            )
        elif action == "photo":
            f = request.FILES.get("photo")
            if f is None:
                messages.error(request, _("photo: 请选择照片"))
            else:
                point = request.POST.get("point", "")
                services.task_photo_add(
                    task=task,
                    content=f.read(),
                    filename=f.name or "photo.jpg",
                    actor=user,
                    point_id=int(point) if point.isdigit() else None,
                )
                messages.success(request, _("照片已保存，哈希已存证"))
        elif action == "location":
            lat, lng = request.POST.get("lat", "").strip(), request.POST.get("lng", "").strip()
            services.task_location_set(
                task=task,
                actor=user,
                lat=float(lat) if lat else None,
                lng=float(lng) if lng else None,
                text=request.POST.get("text", ""),
            )
            messages.success(request, _("检查地点已记录"))
        elif action == "confirm":
            services.task_confirm(task=task, actor=user)
            messages.success(request, _("已确认检查结果"))
        elif action in workflow.LIFECYCLE_TRANSITIONS:
            services.task_transition(
                task=task, transition=action, actor=user, note=request.POST.get("note", "")
            )
            messages.success(request, _("操作成功"))
        else:
            messages.error(request, _("未知操作"))
    except ValueError:
        messages.error(request, _("输入格式不正确"))
    except DomainError as exc:
        _errors(request, exc)
    anchor = f"#p{request.POST.get('point')}" if action == "mark" else ""
    return redirect(f"{request.path.rsplit('/action/', 1)[0]}/{anchor}")


# --- public ----------------------------------------------------------------------------------------


def _public_rows(qs: QuerySet[InspectionTask]) -> list[dict[str, Any]]:
    out = []
    for t in qs:
        out.append(
            {
                "task": t.code,
                "period": t.period,
                "entity": t.entity.name,
                "uscc": t.entity.uscc or "",
                "division": t.entity.division.name,
                "joint": t.joint,
                "lead_department": t.lead_department.name,
                "departments": [td.department.short_name for td in t.departments.all()],
                "inspected_on": t.inspected_on.isoformat() if t.inspected_on else "",
                # Open data keeps the Chinese wording; the page translates it.
                "result": gettext_noop("发现问题") if t.follow_up else gettext_noop("未发现问题"),
                "findings": t.n_findings,  # type: ignore[attr-defined]
                "checked": t.n_points,  # type: ignore[attr-defined]
                "officers": [mask_name(o.officer.name) for o in t.officers.all()],
                "published_at": timezone.localtime(t.published_at).isoformat() if t.published_at else "",
                "result_due": t.result_due.isoformat() if t.result_due else "",
            }
        )
    return out


@require_GET
def public_results(request: HttpRequest) -> HttpResponse:
    rows = _public_rows(selectors.task_public_list()[:300])
    return render(
        request,
        "inspections/public_results.html",
        {"rows": rows, "overdue": selectors.task_overdue_public().count()},
    )


@require_GET
def open_results(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = _public_rows(selectors.task_public_list())
    if fmt == "json":
        return JsonResponse(
            {"results": rows, "overdue_unpublished": selectors.task_overdue_public().count()},
            json_dumps_params={"ensure_ascii": False},
        )
    if fmt != "csv":
        raise Http404
    buf = io.StringIO()
    w = csv.writer(buf)
    cols = [
        "task",
        "period",
        "entity",
        "uscc",
        "division",
        "joint",
        "lead_department",
        "departments",
        "inspected_on",
        "result",
        "findings",
        "checked",
        "officers",
        "published_at",
        "result_due",
    ]
    w.writerow(cols)
    for r in rows:
        w.writerow(["、".join(r[c]) if isinstance(r[c], list) else r[c] for c in cols])
    data_export_record(who=request, what="inspections.open_results.csv", rows=len(rows))
    return HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
