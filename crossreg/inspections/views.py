"""Field inspection pages (mobile first) and the public result pages and open data."""

from __future__ import annotations

import logging
import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from crossreg.core.errors import DomainError
from crossreg.core.lists import rows_csv
from crossreg.core.masking import mask_name
from crossreg.inspections import conf, photos, selectors, services, workflow
from crossreg.inspections.lists import TASKS
from crossreg.inspections.models import InspectionTask, TaskPhoto, TaskPoint, TaskStatus
from crossreg.inspections.record import record_pdf
from crossreg.orgs.permissions import Principal
from crossreg.orgs.services import data_export_record

log = logging.getLogger(__name__)


ERROR_TEXT = {
    # The services' messages are for developers and the API; the officer reads these.
    ("note", "required"): gettext_noop("发现问题时请填写问题说明"),
    ("result", "invalid"): gettext_noop("请选择：通过、发现问题或不适用"),
    ("points", "incomplete"): gettext_noop("还有检查项未填写结果"),
    ("location", "required"): gettext_noop("请先记录检查地点"),
    ("photo", "bad_type"): gettext_noop("照片须为 JPEG、PNG 或 WebP 格式"),
    ("photo", "too_large"): gettext_noop("照片文件过大"),
    ("photo", "invalid"): gettext_noop("照片文件为空或无法读取"),
    ("status", "bad_state"): gettext_noop("任务当前状态下不能进行此操作"),
    ("transition", "bad_state"): gettext_noop("任务当前状态下不能进行此操作"),
    ("transition", "forbidden"): gettext_noop("您的角色不能进行此操作"),
    (None, "forbidden"): gettext_noop("您不是本任务的执法人员"),
}


def _problem_text(field: str | None, code: str, message: str) -> str:
    known = ERROR_TEXT.get((field, code))
    return _(known) if known else message


def _errors(request: HttpRequest, exc: DomainError, task: InspectionTask | None = None) -> None:
    for p in exc.problems:
        if p.code == "unconfirmed" and task is not None:
            messages.error(request, _unconfirmed_text(task))
        else:
            messages.error(request, _problem_text(p.field, p.code, p.message))


def _unconfirmed_text(task: InspectionTask) -> str:
    pending = [o.officer.name for o in task.officers.select_related("officer") if o.confirmed_at is None]
    return _("尚需执法人员确认后才能提交：%(names)s") % {"names": "、".join(pending) or "—"}


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    scoped = selectors.task_department_list(user=user)
    fmt = TASKS.wants_export(request)
    if fmt:
        return TASKS.export(request, scoped, fmt=fmt, record=data_export_record, fields=["officers"])
    mine = selectors.task_mine(user=user)
    today_tasks = list(
        selectors.with_counts(
            mine.filter(
                Q(window_start__lte=today, window_end__gte=today)
                | Q(status__in=["in_progress", "awaiting_confirmation"])
            )
        )
    )
    overdue_mine = list(
        selectors.with_counts(
            selectors.task_due_filter(mine, "overdue", today).exclude(pk__in=[t.pk for t in today_tasks])
        )[:50]
    )
    state = TASKS.page(request, scoped)
    for t in [*today_tasks, *overdue_mine, *state.rows]:
        t.due_flag = selectors.task_due_flag(t, today)
    return render(
        request,
        "inspections/task_list.html",
        {
            "today_tasks": today_tasks,
            "overdue_mine": overdue_mine,
            "upcoming": selectors.with_counts(
                mine.filter(window_start__gt=today).exclude(
                    status__in=["in_progress", "awaiting_confirmation"]
                )
            )[:50],
            "list": state,
            "today": today,
        },
    )


def _task(request: HttpRequest, code: str) -> InspectionTask:
    task = selectors.task_visible_list(user=request.user).filter(code=code).first()
    if task is None:
        raise Http404
    return task


EVENT_LABELS = {
    "create": gettext_noop("创建任务"),
    "merge": gettext_noop("合并检查来源"),
    "start": gettext_noop("开始检查"),
    "complete": gettext_noop("完成检查，提请确认"),
    "reopen": gettext_noop("退回修改"),
    "submit": gettext_noop("提交检查结果"),
    "flag_follow_up": gettext_noop("标记需后续处置"),
    "publish": gettext_noop("公示检查结果"),
    "cancel": gettext_noop("撤销任务"),
}


def _task_context(request: HttpRequest, task: InspectionTask) -> dict[str, Any]:
    roles = workflow.task_roles(task, Principal.of(request))
    allowed = [
        t
        for t in workflow.LIFECYCLE_TRANSITIONS
        if workflow.target(task.status, t, roles) and t != "flag_follow_up"
    ]
    officers = list(task.officers.select_related("officer", "department"))
    my_officer = getattr(getattr(request.user, "officer", None), "pk", None)
    me = next((o for o in officers if my_officer == o.officer_id), None)
    points = list(task.points.all())
    photos = list(task.photos.all())
    by_point: dict[int, list[Any]] = {}
    for ph in photos:
        if ph.point_id:
            by_point.setdefault(ph.point_id, []).append(ph)
    for p in points:
        p.photo_list = by_point.get(p.pk, [])  # type: ignore[attr-defined]
    confirmed = sum(1 for o in officers if o.confirmed_at)
    need = conf.min_confirmations()
    awaiting = task.status == "awaiting_confirmation"
    pending = [o for o in officers if o.confirmed_at is None] if awaiting else []
    ready = confirmed >= need
    statuses = dict(TaskStatus.choices)
    events = [
        {
            "at": e.at,
            "actor": e.actor_label,
            "what": _(EVENT_LABELS[e.transition]) if e.transition in EVENT_LABELS else e.transition,
            "from": statuses.get(e.from_state, ""),
            "to": statuses.get(e.to_state, e.to_state),
            "note": e.note,
        }
        for e in task.events.all()
    ]
    return {
        "task": task,
        "points": points,
        "n_done": sum(1 for p in points if p.result),
        "officers": officers,
        "departments": task.departments.select_related("department"),
        "photos": photos,
        "events": events,
        # "submit" only once enough officers have confirmed (the others are told who is missing).
        "allowed": [t for t in allowed if t != "submit" or ready],
        "submit_waiting": "submit" in allowed and not ready,
        "working": task.status in workflow.WORKING_STATES and me is not None,
        "can_confirm": me is not None and awaiting and me.confirmed_at is None,
        "confirmed": confirmed,
        "need": need,
        "pending": pending,
        "results": TaskPoint.Result.choices[1:],
        "overdue": services.task_overdue(task),
        "due_flag": selectors.task_due_flag(task),
        "proof_url": request.build_absolute_uri(
            reverse("ledger:subject", kwargs={"subject_type": "inspection.task", "subject_id": task.code})
        ),
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code)
    return render(request, "inspections/task_detail.html", _task_context(request, task))


def _point_response(
    request: HttpRequest, task: InspectionTask, point_id: int, error: str = ""
) -> HttpResponse:
    """The one check point, re-rendered after a mark (htmx swaps it in place), with the progress."""
    point = task.points.filter(pk=point_id).first()
    if point is None:
        raise Http404
    point.photo_list = list(point.photos.all())  # type: ignore[attr-defined]
    counts = task.points.aggregate(total=Count("pk"), done=Count("pk", filter=~Q(result="")))
    return render(
        request,
        "inspections/_point.html",
        {
            "task": task,
            "p": point,
            "n": point.seq,
            "working": True,
            "results": TaskPoint.Result.choices[1:],
            "error": error,
            "posted": request.POST if error else None,
            "n_done": counts["done"],
            "n_total": counts["total"],
            "oob": True,
        },
    )


@login_required
@require_POST
def task_action(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code)
    action = request.POST.get("action", "")
    user: Any = request.user
    htmx = request.headers.get("HX-Request") == "true"
    try:
        if action == "mark":
            point_id = int(request.POST.get("point", "0") or 0)
            services.task_point_mark(
                task=task,
                point_id=point_id,
                result=request.POST.get("result", ""),
                note=request.POST.get("note", ""),
                actor=user,
            )
            if htmx:
                return _point_response(request, task, point_id)
        elif action == "photo":
            f = request.FILES.get("photo")
            if f is None:
                messages.error(request, _("请选择照片"))
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
        if htmx and action == "mark":
            return _point_response(request, task, int(request.POST.get("point") or 0), _("输入格式不正确"))
        messages.error(request, _("输入格式不正确"))
    except DomainError as exc:
        if htmx and action == "mark" and request.POST.get("point", "").isdigit():
            p = exc.problems[0]
            return _point_response(
                request, task, int(request.POST["point"]), _problem_text(p.field, p.code, p.message)
            )
        _errors(request, exc, task)
    anchor = f"#p{request.POST.get('point')}" if action == "mark" else ""
    return redirect(f"{reverse('inspections:task_detail', args=[task.code])}{anchor}")


# --- photos, print view, PDF --------------------------------------------------------------------


def _photo(request: HttpRequest, code: str, pk: int) -> TaskPhoto:
    task = _task(request, code)
    photo = TaskPhoto.objects.filter(task=task, pk=pk).first()
    if photo is None:
        raise Http404
    return photo


@login_required
@require_GET
def photo_file(request: HttpRequest, code: str, pk: int) -> HttpResponseBase:
    """The evidence photo as stored (its SHA-256 is in the ledger entry of its upload)."""
    photo = _photo(request, code, pk)
    ctype = mimetypes.guess_type(photo.file.name or "")[0] or "application/octet-stream"
    resp = FileResponse(photo.file.open("rb"), content_type=ctype)
    resp["Cache-Control"] = "private, max-age=86400, immutable"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@login_required
@require_GET
def photo_thumb(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A small JPEG of the photo (made once, kept next to it), for slow phone connections."""
    photo = _photo(request, code, pk)
    try:
        data = photos.thumbnail(photo)
    except photos.NotAnImage:
        raise Http404 from None
    resp = HttpResponse(data, content_type="image/jpeg")
    resp["Cache-Control"] = "private, max-age=86400, immutable"
    return resp


@login_required
@require_GET
def task_print(request: HttpRequest, code: str) -> HttpResponse:
    """The inspection record (检查记录表) as a page to print."""
    task = _task(request, code)
    return render(request, "inspections/task_print.html", _task_context(request, task))


@login_required
@require_GET
def task_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The inspection record (检查记录表) as a PDF (fpdf2, CJK font), with the ledger proof link."""
    task = _task(request, code)
    ctx = _task_context(request, task)
    try:
        body = record_pdf(ctx)
    except RuntimeError as exc:  # no CJK font installed
        messages.error(request, _("无法生成 PDF：服务器未安装中文字体"))
        log.error("inspection record PDF: %s", exc)
        return redirect("inspections:task_print", code=task.code)
    data_export_record(
        who=request,
        what="inspection.record.pdf",
        rows=1,
        subject_type="inspection.task",
        subject_id=task.code,
    )
    resp = HttpResponse(body, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{task.code}.pdf"'
    return resp


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
    # With a byte-order mark: Excel otherwise reads UTF-8 as the local code page (garbled Chinese).
    text = rows_csv(cols, (["、".join(r[c]) if isinstance(r[c], list) else r[c] for c in cols] for r in rows))
    data_export_record(who=request, what="inspections.open_results.csv", rows=len(rows))
    resp = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = 'attachment; filename="results.csv"'
    return resp
