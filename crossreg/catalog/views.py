"""Catalog pages. Public pages (no login) show published things only; ``work/`` pages need a login.
Views parse input and call services/selectors; errors from services become form errors/messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_POST

from crossreg.catalog import conf, exchange, selectors, services, staging, workflow
from crossreg.catalog.content import content_diff, content_of
from crossreg.catalog.forms import (
    ActionForm,
    ChangeRequestForm,
    CheckPointFormSet,
    ImportConfirmForm,
    ImportUploadForm,
    ItemForm,
    content_from_forms,
)
from crossreg.catalog.legality import legality_checklist
from crossreg.catalog.models import ItemVersion, Method, SupervisionItem
from crossreg.core.errors import DomainError, NotFound, Problem
from crossreg.orgs.models import Department, Domain

# --- public -----------------------------------------------------------------------------------


PUBLIC_CACHE_SECONDS = 300  # a bound only: publication changes the key (catalog_public_fingerprint)


def _public_results_cached(request: HttpRequest, build: Any) -> tuple[str, list[tuple[str, str]]]:
    """The rendered results and the department filter of the public list, cached per language, query
    and catalog state: the page is read far more often than anything is published."""
    import hashlib

    from django.core.cache import cache
    from django.template.loader import render_to_string
    from django.utils.translation import get_language

    query = sorted(
        (k, v) for k, v in request.GET.lists() if k in {"q", "department", "domain", "method", "page"}
    )
    digest = hashlib.sha256(repr((get_language(), query)).encode()).hexdigest()[:32]
    key = f"catalog:public:{selectors.catalog_public_fingerprint()}:{digest}"
    hit = cache.get(key)
    if hit is None:
        ctx = build()
        html = render_to_string("catalog/partials/public_results.html", ctx)
        hit = (html, [(d.code, d.name) for d in ctx["departments"]])
        cache.set(key, hit, PUBLIC_CACHE_SECONDS)
    return hit


def public_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    department = request.GET.get("department", "")[:32]
    domain = request.GET.get("domain", "")[:32]
    method = request.GET.get("method", "")[:16]
    qs = selectors.catalog_public_list(q=q, department=department, domain=domain, method=method)
    params = request.GET.copy()
    params.pop("page", None)

    def build() -> dict[str, Any]:
        return {
            "page": Paginator(qs, conf.public_page_size()).get_page(request.GET.get("page")),
            "querystring": params.urlencode(),
            "departments": list(
                Department.objects.filter(supervision_items__published__isnull=False)
                .distinct()
                .order_by("code")
            ),
        }

    results_html, departments = _public_results_cached(request, build)
    if request.headers.get("HX-Request"):
        return HttpResponse(results_html)
    ctx = {
        "results_html": mark_safe(results_html),  # our own template's output, rendered above
        "departments": [{"code": c, "name": n} for c, n in departments],
        "q": q,
        "department": department,
        "domain": domain,
        "method": method,
        "domains": Domain.objects.filter(key=True),
        "methods": Method.choices,
    }
    return render(request, "catalog/public_index.html", ctx)


def _not_found(exc: NotFound) -> Http404:
    return Http404(str(exc))


def public_item(request: HttpRequest, code: str) -> HttpResponse:
    try:
        item, current, history = selectors.catalog_public_item(code=code)
    except NotFound as exc:
        raise _not_found(exc) from None
    return render(
        request,
        "catalog/public_item.html",
        {
            "item": item,
            "version": current,
            "history": history,
            "cross_items": item.cross_items.all(),
            # a county approval bureau adjusts a published item from its public page
            "can_request_change": current is not None
            and getattr(request.user, "role", None) == "approval"
            and workflow.is_county_approval(getattr(request.user, "department", None)),
        },
    )


def public_version(request: HttpRequest, code: str, number: int) -> HttpResponse:
    try:
        v = selectors.catalog_public_version(code=code, number=number)
        item, current, history = selectors.catalog_public_item(code=code)
    except NotFound as exc:
        raise _not_found(exc) from None
    return render(
        request,
        "catalog/public_item.html",
        {"item": item, "version": v, "history": history, "old": v != current},
    )


def _diff_ctx(versions: list[ItemVersion], a: str | None, b: str | None) -> dict[str, Any]:
    by_number = {v.number: v for v in versions}
    if len(by_number) < 1:
        raise Http404(_("没有可比较的版本"))
    numbers = sorted(by_number)
    try:
        na = int(a) if a else (numbers[-2] if len(numbers) > 1 else numbers[-1])
        nb = int(b) if b else numbers[-1]
    except ValueError:
        raise Http404(_("版本号无效")) from None
    if na not in by_number or nb not in by_number:
        raise Http404(_("没有该版本"))
    va, vb = by_number[na], by_number[nb]
    return {"a": va, "b": vb, "numbers": numbers, "lines": content_diff(content_of(va), content_of(vb))}


def public_diff(request: HttpRequest, code: str) -> HttpResponse:
    versions = list(
        ItemVersion.objects.filter(item__code=code, status__in=ItemVersion.PUBLIC)
        .select_related("item")
        .prefetch_related("domains", "power_items", "involved_departments", "check_points")
    )
    ctx = _diff_ctx(versions, request.GET.get("a"), request.GET.get("b"))
    ctx.update(code=code, public=True)
    return render(request, "catalog/diff.html", ctx)


def public_cross(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/public_cross.html", {"cross_items": selectors.cross_item_list()})


@cache_control(public=True, max_age=300)
def export_json(request: HttpRequest) -> HttpResponse:
    resp = HttpResponse(exchange.export_json(), content_type="application/json; charset=utf-8")
    resp["Content-Disposition"] = 'inline; filename="catalog.json"'
    resp["Link"] = '</catalog/schema.json>; rel="describedby"'
    return resp


@cache_control(public=True, max_age=300)
def export_csv(request: HttpRequest) -> HttpResponse:
    kind = "power" if request.GET.get("kind") == "power" else "items"
    resp = HttpResponse(exchange.export_csv(kind), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="catalog-{kind}.csv"'
    return resp


@cache_control(public=True, max_age=300)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    resp = HttpResponse(
        exchange.export_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    resp["Content-Disposition"] = 'attachment; filename="catalog.xlsx"'
    return resp


@cache_control(public=True, max_age=3600)
def schema_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(exchange.json_schema(), json_dumps_params={"ensure_ascii": False, "indent": 2})


# --- internal ---------------------------------------------------------------------------------


@login_required
def work_index(request: HttpRequest) -> HttpResponse:
    tasks = selectors.tasks_for(user=request.user)
    dept = getattr(request.user, "department", None)
    own = []
    if dept is not None:
        own = list(
            SupervisionItem.objects.filter(department=dept).select_related("published").order_by("code")[:200]
        )
    # a county approval bureau finds the published item it wants to adjust from its to-do
    adjust_q = request.GET.get("q", "").strip()[:100]
    adjustable: list[Any] = []
    if request.user.role == "approval" and workflow.is_county_approval(dept):  # type: ignore[union-attr]
        adjustable = list(selectors.catalog_public_list(q=adjust_q)[:20])
    return render(
        request,
        "catalog/work_index.html",
        {
            "adjustable": adjustable,
            "adjust_q": adjust_q,
            "is_county_approval": request.user.role == "approval"  # type: ignore[union-attr]
            and workflow.is_county_approval(dept),
            "tasks": tasks,
            "own_items": own,
            "can_draft": request.user.role in workflow.DRAFTERS,  # type: ignore[union-attr]
            "can_import": workflow.can_import_file(request.user),
            "overdue_count": len(selectors.overdue_list(user=request.user)),
        },
    )


@login_required
def work_overdue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/work_overdue.html",
        {"rows": selectors.overdue_list(user=request.user), "deadlines": conf.review_deadline_days()},
    )


def _problems_to_form(form: Any, exc: DomainError) -> None:
    for p in exc.problems:
        fld = "method_text" if p.field == "method" else p.field
        visible = (
            fld in form.fields and not form.fields[fld].widget.is_hidden and not form.fields[fld].disabled
        )
        form.add_error(fld if visible else None, p.message)


@login_required
def work_item_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if user.role not in workflow.DRAFTERS or user.department_id is None:
        messages.error(request, _("只有部门工作人员或部门管理员可以起草监管事项"))
        return redirect("catalog:work_index")
    form = ItemForm(request.POST or None)
    formset = CheckPointFormSet(request.POST or None, prefix="cp")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            content = content_from_forms(
                form, formset, code=form.cleaned_data["code"], department=user.department_id
            )
            v = services.item_create(actor=user, content=content)
        except DomainError as exc:
            _problems_to_form(form, exc)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("catalog:work_version", pk=v.pk)
    return render(request, "catalog/work_edit.html", {"form": form, "formset": formset, "new": True})


@login_required
def work_item(request: HttpRequest, code: str) -> HttpResponse:
    versions = selectors.item_versions_visible(user=request.user, code=code)
    if not versions:
        raise Http404(_("没有该监管事项"))
    item = versions[0].item
    return render(
        request,
        "catalog/work_item.html",
        {
            "item": item,
            "versions": versions,
            "change_requests": selectors.change_requests_of(user=request.user, item=item).select_related(
                "department", "version"
            ),
            "can_new_version": request.user.role in workflow.DRAFTERS  # type: ignore[union-attr]
            and request.user.department_id == item.department_id,  # type: ignore[union-attr]
            "can_request_change": request.user.role == "approval"  # type: ignore[union-attr]
            and workflow.is_county_approval(getattr(request.user, "department", None))
            and item.published_id is not None,
        },
    )


@login_required
@require_POST
def work_item_new_version(request: HttpRequest, code: str) -> HttpResponse:
    item = SupervisionItem.objects.filter(code=code).first()
    if item is None:
        raise Http404
    try:
        v = services.version_new_draft(item=item, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("catalog:work_item", code=code)
    return redirect("catalog:work_version_edit", pk=v.pk)


def _version_or_404(request: HttpRequest, pk: int) -> ItemVersion:
    try:
        return selectors.version_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise _not_found(exc) from None


@login_required
def work_version(request: HttpRequest, pk: int) -> HttpResponse:
    v = _version_or_404(request, pk)
    opinions, events = selectors.version_history(version=v)
    cr = getattr(v, "change_request", None) if v.on_adjust_track else None
    actions = workflow.compile_allowed(v, request.user) if cr is None else []
    return render(
        request,
        "catalog/work_version.html",
        {
            "v": v,
            "content": content_of(v),
            "opinions": opinions,
            "events": events,
            "actions": actions,
            "can_edit": workflow.can_edit(v, request.user),
            "change_request": cr,
            "pending": _pending_departments(v),
            **_legality_ctx(v),
        },
    )


def _legality_ctx(v: ItemVersion) -> dict[str, Any]:
    """The legality review checklist, while the version is in legality review."""
    if v.status != ItemVersion.Status.LEGALITY_REVIEW:
        return {}
    checks = legality_checklist(v)
    return {"legality": checks, "legality_blocked": any(c.blocking and not c.ok for c in checks)}


def _pending_departments(v: ItemVersion) -> list[Any]:
    if v.status != ItemVersion.Status.JOINT_REVIEW:
        return []
    done = {
        o.department_id for o in v.opinions.all() if o.stage == "joint" and o.review_round == v.review_round
    }
    return [d for d in v.involved_departments.all() if d.pk not in done and d.pk != v.item.department_id]


@login_required
def work_version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    v = _version_or_404(request, pk)
    if not workflow.can_edit(v, request.user):
        messages.error(request, _("您不能编辑此版本"))
        return redirect("catalog:work_version", pk=pk)
    content = content_of(v)
    if request.method == "POST":
        form = ItemForm(request.POST, lock_code=True, initial={"code": v.item.code})
        formset = CheckPointFormSet(request.POST, prefix="cp")
        if form.is_valid() and formset.is_valid():
            try:
                new = content_from_forms(form, formset, code=v.item.code, department=v.item.department_id)
                services.version_update(
                    version=v,
                    actor=request.user,  # type: ignore[arg-type]
                    revision=form.cleaned_data["revision"] or 0,
                    content=new,
                )
            except DomainError as exc:
                _problems_to_form(form, exc)
            else:
                messages.success(request, _("草稿已保存"))
                return redirect("catalog:work_version", pk=pk)
    else:
        form = ItemForm(initial=ItemForm.initial_from(v, content), lock_code=True)
        formset = CheckPointFormSet(
            prefix="cp",
            initial=[
                {"content": p.content, "legal_basis": p.legal_basis, "finding": p.finding, "method": p.method}
                for p in content.check_points
            ],
        )
    return render(request, "catalog/work_edit.html", {"form": form, "formset": formset, "v": v, "new": False})


@login_required
@require_POST
def work_version_action(request: HttpRequest, pk: int) -> HttpResponse:
    v = _version_or_404(request, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效"))
        return redirect("catalog:work_version", pk=pk)
    try:
        services.version_transition(
            version=v,
            transition=form.cleaned_data["transition"],
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"] or "",
            effective_on=form.cleaned_data["effective_on"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已办理"))
    return redirect("catalog:work_version", pk=pk)


@login_required
def work_change_request_new(request: HttpRequest, code: str) -> HttpResponse:
    item = SupervisionItem.objects.filter(code=code).select_related("published").first()
    if item is None:
        raise Http404
    form = ChangeRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cr = services.change_request_create(
                item=item,
                actor=request.user,  # type: ignore[arg-type]
                reason_kind=form.cleaned_data["reason_kind"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            for p in exc.problems:
                form.add_error(p.field if p.field in form.fields else None, p.message)
        else:
            messages.success(request, _("调整申请已创建，请修改拟调整的内容后提交"))
            return redirect("catalog:work_version_edit", pk=cr.version_id)
    return render(request, "catalog/work_change_request_new.html", {"form": form, "item": item})


@login_required
def work_change_request(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        cr = selectors.change_request_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise _not_found(exc) from None
    base, new = content_of(cr.base_version), content_of(cr.version)
    opinions, events = selectors.version_history(version=cr.version)
    return render(
        request,
        "catalog/work_change_request.html",
        {
            "cr": cr,
            "lines": content_diff(base, new),
            "opinions": opinions,
            "events": events,
            "actions": workflow.adjust_allowed(cr, request.user),
            "can_edit": workflow.can_edit(cr.version, request.user),
            **_legality_ctx(cr.version),
        },
    )


@login_required
@require_POST
def work_change_request_action(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        cr = selectors.change_request_get(user=request.user, pk=pk)
    except NotFound as exc:
        raise _not_found(exc) from None
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请求无效"))
        return redirect("catalog:work_change_request", pk=pk)
    try:
        services.change_request_transition(
            change_request=cr,
            transition=form.cleaned_data["transition"],
            actor=request.user,  # type: ignore[arg-type]
            reason=form.cleaned_data["reason"] or "",
            effective_on=form.cleaned_data["effective_on"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已办理"))
    return redirect("catalog:work_change_request", pk=pk)


@login_required
def work_diff(request: HttpRequest, code: str) -> HttpResponse:
    versions = selectors.item_versions_visible(user=request.user, code=code)
    versions = list(
        ItemVersion.objects.filter(pk__in=[v.pk for v in versions])
        .select_related("item")
        .prefetch_related("domains", "power_items", "involved_departments", "check_points")
    )
    ctx = _diff_ctx(versions, request.GET.get("a"), request.GET.get("b"))
    ctx.update(code=code, public=False)
    return render(request, "catalog/diff.html", ctx)


# --- import page (dry run, then confirm) --------------------------------------------------------

IMPORT_ACTIONS = {
    exchange.ImportLine.CREATE: gettext_lazy("新建"),
    exchange.ImportLine.NEW_VERSION: gettext_lazy("新版本"),
    exchange.ImportLine.UPDATE_DRAFT: gettext_lazy("更新草稿"),
    exchange.ImportLine.UPDATE: gettext_lazy("更新"),
    exchange.ImportLine.UNCHANGED: gettext_lazy("无变化"),
}
IMPORT_KINDS = {"item": gettext_lazy("监管事项"), "power": gettext_lazy("权力事项")}
#: Where a problem is: the file's column header (as written in the file), or a part of the upload.
IMPORT_FIELDS: dict[str, Any] = {
    **{key: label for key, label in exchange.POWER_COLUMNS},
    **{key: label for key, label in exchange.ITEM_COLUMNS},
    "code": "事项编码 / 权力事项编码",
    "name": "事项名称 / 权力事项名称",
    "file": gettext_lazy("文件"),
    "header": gettext_lazy("表头"),
    "mode": gettext_lazy("导入方式"),
    "actor": gettext_lazy("用户"),
    "check_points": gettext_lazy("检查要点"),
}


def _require_importer(request: HttpRequest) -> None:
    if not workflow.can_import_file(request.user):
        raise PermissionDenied(_("只有市行政审批局和系统管理员可以导入清单文件"))


def _user_id(request: HttpRequest) -> int:
    return int(request.user.pk)  # type: ignore[arg-type]  # signed in (login_required)


def _import_rows(report: exchange.ImportReport) -> list[dict[str, Any]]:
    statuses = dict(ItemVersion.Status.choices)
    return [
        {
            "line": line,
            "kind": IMPORT_KINDS[line.kind],
            "action": IMPORT_ACTIONS[line.action],
            "status": statuses.get(line.status, ""),
        }
        for line in report.lines
    ]


def _import_problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {"row": p.row, "field": p.field, "label": IMPORT_FIELDS.get(p.field or "", ""), "message": p.message}
        for p in problems
    ]


def _import_page(
    request: HttpRequest, form: ImportUploadForm, problems: Sequence[Problem] = (), status: int = 200
) -> HttpResponse:
    ctx = {
        "stage": "upload",
        "form": form,
        "problems": _import_problems(list(problems)),
        "max_rows": conf.import_max_rows(),
        "max_bytes": conf.import_max_bytes(),
    }
    return render(request, "catalog/work_import.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def work_import(request: HttpRequest) -> HttpResponse:
    """Upload a catalog file and see what importing it would do (a dry run: nothing is written)."""
    _require_importer(request)
    admin = workflow.is_admin(request.user)
    if request.method != "POST":
        return _import_page(request, ImportUploadForm(allow_published=admin))
    form = ImportUploadForm(request.POST, request.FILES, allow_published=admin)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    mode = form.cleaned_data.get("mode") or exchange.ImportMode.DRAFT
    try:
        exchange.check_size(upload.size)  # before the file is read into memory
        data = upload.read()
        report = exchange.catalog_import(
            data=data,
            filename=upload.name,
            actor=request.user,  # type: ignore[arg-type]
            mode=mode,
            dry_run=True,
        )
    except DomainError as exc:
        return _import_page(request, form, exc.problems, status=exc.status)
    token = staging.stage_save(user_id=_user_id(request), data=data, filename=upload.name, mode=mode)
    return render(
        request,
        "catalog/work_import.html",
        {
            "stage": "review",
            "report": report,
            "rows": _import_rows(report),
            "filename": upload.name,
            "confirm": ImportConfirmForm(initial={"token": token}),
        },
    )


@login_required
@require_POST
def work_import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file the dry run checked (all-or-nothing; checked again against the catalog now)."""
    _require_importer(request)
    form = ImportConfirmForm(request.POST)
    staged = (
        staging.stage_load(user_id=_user_id(request), token=form.cleaned_data["token"])
        if form.is_valid()
        else None
    )
    if staged is None:
        messages.error(request, _("没有待确认的文件（已导入或已过期），请重新上传"))
        return redirect("catalog:work_import")
    try:
        report = exchange.catalog_import(
            data=staged.data,
            filename=staged.filename,
            actor=request.user,  # type: ignore[arg-type]
            mode=staged.mode,
        )
    except DomainError as exc:  # the catalog changed since the dry run: nothing was written
        upload = ImportUploadForm(allow_published=workflow.is_admin(request.user))
        return _import_page(request, upload, exc.problems, status=exc.status)
    staging.stage_drop(user_id=_user_id(request), token=staged.token)
    return render(
        request,
        "catalog/work_import.html",
        {"stage": "done", "report": report, "rows": _import_rows(report), "filename": staged.filename},
    )
