"""Pages of the supervision-object base: import, review queue, base membership, the 360 partial.

Views parse input, call a service or selector, and render; they hold no business logic.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crossreg.core.errors import DomainError
from crossreg.entities.models import Entity
from crossreg.linking import selectors, services
from crossreg.linking.forms import DecisionForm, ImportForm
from crossreg.linking.models import ReviewPair
from crossreg.orgs.models import Department
from crossreg.orgs.permissions import Capability, user_can


def _importable_departments(user: Any) -> Any:
    qs = Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code")
    if getattr(user, "is_superuser", False) or getattr(user, "role", "") == "admin":
        return qs
    dept = getattr(user, "department_id", None)
    return qs.filter(pk=dept) if dept and user_can(user, Capability.EDIT_ENTITY) else qs.none()


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    departments = _importable_departments(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, departments=departments)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.source_list_import(
                actor=request.user,  # type: ignore[arg-type]
                department=form.cleaned_data["department"],
                content=upload.read(),
                file_name=upload.name,
                system=form.cleaned_data["system"],
                domain=form.cleaned_data["domain"],
            )
        except DomainError as exc:
            for p in exc.problems:
                form.add_error(None, f"{p.message}" + (f" (第 {p.row} 行)" if p.row else ""))
        else:
            if result.created:
                messages.success(request, _("名录已导入"))
            else:
                messages.info(request, _("该文件与当前名录相同,未作改动"))
    lists = selectors.source_list_list(user=request.user)[:30]  # type: ignore[arg-type]
    return render(request, "linking/import.html", {"form": form, "result": result, "lists": lists})


@login_required
@require_GET
def base_members(request: HttpRequest) -> HttpResponse:
    domain = request.GET.get("domain") or None
    department = request.GET.get("department") or None
    q = request.GET.get("q", "").strip()
    qs = selectors.base_member_list(user=request.user, domain=domain, department=department, q=q)  # type: ignore[arg-type]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "linking/base.html",
        {
            "page": page,
            "domains": selectors.key_domains(),
            "departments": Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code"),
            "domain": domain,
            "department": department,
            "q": q,
        },
    )


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    if not services.can_review(request.user):
        return HttpResponseForbidden(_("只有大数据管理局和系统管理员可以审核"))
    status = request.GET.get("status", ReviewPair.Status.PENDING)
    qs = selectors.review_pair_list(user=request.user, status=status)  # type: ignore[arg-type]
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "linking/review.html", {"page": page, "status": status, "form": DecisionForm()})


@login_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    pair = get_object_or_404(ReviewPair, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论"))
        return redirect("linking:review")
    try:
        services.review_pair_decide(
            actor=request.user,  # type: ignore[arg-type]
            pair=pair,
            decision=form.cleaned_data["decision"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        if exc.status == 403:
            return HttpResponseForbidden(str(exc))
        messages.error(request, str(exc))
    else:
        messages.success(request, _("审核结论已保存"))
    return redirect("linking:review")


@login_required
@require_POST
def entity_split_view(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=pk)
    ids = [int(x) for x in request.POST.getlist("records") if x.isdigit()]
    try:
        new = services.entity_split(actor=request.user, entity=entity, record_ids=ids)  # type: ignore[arg-type]
    except DomainError as exc:
        if exc.status == 403:
            return HttpResponseForbidden(str(exc))
        messages.error(request, str(exc))
        return redirect("entity_detail", pk=pk)
    messages.success(request, _("已拆分为新主体"))
    return redirect("entity_detail", pk=new.pk)


@login_required
@require_GET
def entity_360(request: HttpRequest, pk: int) -> HttpResponse:
    """The 360 section alone (htmx, or for pages that include it lazily)."""
    entity = Entity.objects.filter(pk=pk).select_related("division").first()
    if entity is None:
        raise Http404
    ctx = selectors.entity_360_context(user=request.user, entity=entity)  # type: ignore[arg-type]
    return render(request, "linking/partials/entity_360.html", {"l360": ctx})
