"""Credit pages: the explained credit page (public, the enterprise by its code, staff), repair
applications and their review, the models with their diffs, departments' push subscriptions,
and the panels on the entity page and the leader's dashboard."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crossreg.core.errors import DomainError
from crossreg.core.labels import problem_text
from crossreg.credit import explain, selectors, services, workflow
from crossreg.credit.models import CreditEvent, Grade, ModelVersion, PushSubscription, RepairApplication
from crossreg.entities.models import Entity
from crossreg.orgs.models import Department
from crossreg.orgs.permissions import Capability, Principal

SESSION_KEY = "credit_entity"


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, problem_text(p))


def _detail_for(request: HttpRequest, entity_id: int) -> tuple[str, Principal]:
    """How much of the record this viewer reads: the enterprise itself (by its code) and the credit
    role / leaders read all; other staff their department's view; everyone else the public view."""
    principal = Principal.of(request)
    if request.session.get(SESSION_KEY) == entity_id:
        return "full", principal
    if principal.sees_all or principal.has(Capability.CREDIT_REVIEW):
        return "full", principal
    if principal.is_authenticated and principal.has(Capability.VIEW_REGISTRY):
        return "department", principal
    return "public", principal


@require_GET
def entity_credit(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=entity_id)
    detail, principal = _detail_for(request, entity_id)
    expl = explain.explanation_for(entity_id=entity_id, detail=detail, department_id=principal.department_id)
    history = list(
        Grade.objects.filter(entity_id=entity_id)
        .select_related("model_version")
        .order_by("-as_of", "-id")[:20]
    )
    is_self = detail == "full" and request.session.get(SESSION_KEY) == entity_id
    repairable: list[CreditEvent] = []
    if is_self or principal.has(Capability.HANDLE_CASES):
        base = CreditEvent.objects.all()
        if not is_self and not (principal.sees_all or principal.has(Capability.CREDIT_REVIEW)):
            base = base.filter(department_id=principal.department_id)  # staff file for their own records
        repairable = list(
            base.filter(entity_id=entity_id, repaired_on__isnull=True, withdrawn_on__isnull=True)
            .exclude(kind__in=["inspection_clean", "commitment_kept", "provisional_class"])
            .order_by("-occurred_on")[:20]
        )
    repairs = list(RepairApplication.objects.filter(event__entity_id=entity_id).select_related("event")[:20])
    if detail == "public":
        repairs = [r for r in repairs if r.status == RepairApplication.Status.APPROVED]
    return render(
        request,
        "credit/entity_credit.html",
        {
            "entity": entity,
            "masked": explain.masked_entity(entity),
            "expl": expl,
            "detail": detail,
            "history": history,
            "is_self": is_self,
            "repairable": repairable,
            "repairs": repairs,
        },
    )


@require_http_methods(["GET", "POST"])
def self_access(request: HttpRequest) -> HttpResponse:
    """The enterprise enters its USCC and the code it was given, and reads its own record."""
    if request.method == "POST":
        entity = services.access_code_entity(
            uscc=request.POST.get("uscc", ""), code=request.POST.get("code", "")
        )
        if entity is None:
            messages.error(request, _("统一社会信用代码或查询码不正确"))
        else:
            request.session[SESSION_KEY] = entity.pk
            return redirect("credit:entity", entity_id=entity.pk)
    return render(request, "credit/self_access.html", {})


@require_POST
def repair_apply(request: HttpRequest, entity_id: int) -> HttpResponse:
    event = get_object_or_404(CreditEvent, pk=request.POST.get("event"), entity_id=entity_id)
    principal = Principal.of(request)
    if request.session.get(SESSION_KEY) == entity_id:
        actor: Any = f"enterprise:{event.entity.uscc or event.entity_id}"
    elif principal.user is not None:
        actor = principal.user
    else:
        raise Http404
    try:
        app = services.repair_apply(
            actor=actor,
            event=event,
            correction=request.POST.get("correction", ""),
            commitment_text=request.POST.get("commitment_text", ""),
            training_certificate=request.POST.get("training_certificate", ""),
        )
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("修复申请已提交，审核期限：%(d)s") % {"d": app.due_on.isoformat()})
    return redirect("credit:entity", entity_id=entity_id)


@login_required
@require_GET
def repair_list(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    apps = selectors.repair_visible_to(principal).order_by("status", "due_on")[:200]
    return render(request, "credit/repair_list.html", {"apps": apps})


@login_required
@require_http_methods(["GET", "POST"])
def repair_detail(request: HttpRequest, repair_id: int) -> HttpResponse:
    principal = Principal.of(request)
    app = get_object_or_404(selectors.repair_visible_to(principal), pk=repair_id)
    if request.method == "POST":
        try:
            services.repair_decide(
                actor=request.user,  # type: ignore[arg-type]
                application=app,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已处理"))
        return redirect("credit:repair", repair_id=app.pk)
    may = {
        a: workflow.repair_may(principal, app.status, a, app.event.department_id)
        for a in ("approve", "refuse")
    }
    return render(request, "credit/repair_detail.html", {"app": app, "may": may})


@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    versions = [
        v
        for v in ModelVersion.objects.select_related("model").order_by("model", "-number")
        if selectors.model_version_visible(principal, v.label)
    ]
    return render(
        request,
        "credit/model_list.html",
        {"versions": versions, "may_evaluate": workflow.evaluate_may_start(principal)},
    )


@login_required
@require_POST
def evaluate_start(request: HttpRequest) -> HttpResponse:
    try:
        job = services.credit_evaluate_submit(actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        _errors(request, exc)
        return redirect("credit:models")
    return redirect("jobs:detail", pk=job.pk)


@require_http_methods(["GET", "POST"])
def model_detail(request: HttpRequest, label: str) -> HttpResponse:
    label = label.replace("~", "/")
    principal = Principal.of(request)
    v = selectors.version_by_label(label)
    if v is None or not selectors.model_version_visible(principal, label):
        raise Http404
    if request.method == "POST" and principal.user is not None:
        try:
            services.model_version_transition(
                actor=principal.user,
                version=v,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            _errors(request, exc)
        return redirect("credit:model", label=v.label.replace("/", "~"))
    spec = explain.spec_validate(v.spec)
    allowed = [
        a
        for a in ("submit", "return", "publish")
        if workflow.model_may(principal, v.status, a, v.model.department_id)
    ]
    return render(
        request,
        "credit/model_detail.html",
        {
            "v": v,
            "spec": spec,
            "rules": [(r, explain.rule_text(spec, i, 1.0)) for i, r in enumerate(spec.rules)],
            "allowed": allowed,
            "transitions": v.transitions.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    dept = Department.objects.filter(pk=principal.department_id).first()
    if dept is None:
        raise Http404
    if request.method == "POST":
        try:
            services.subscription_set(
                actor=request.user,  # type: ignore[arg-type]
                department=dept,
                grade_changes=bool(request.POST.get("grade_changes")),
                serious_events=bool(request.POST.get("serious_events")),
            )
        except DomainError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("订阅已保存"))
        return redirect("credit:subscriptions")
    sub = PushSubscription.objects.filter(department=dept).first()
    return render(request, "credit/subscriptions.html", {"dept": dept, "sub": sub})


# --- panels -----------------------------------------------------------------------------------


def entity_panel(request: HttpRequest, host_id: str) -> str | None:
    try:
        eid = int(host_id)
    except (TypeError, ValueError):
        return None
    g = Grade.objects.filter(entity_id=eid, current=True).select_related("model_version").first()
    if g is None:
        return None
    return render_to_string("credit/panel_entity.html", {"g": g, "eid": eid}, request=request)


def dashboard_panel(request: HttpRequest, host_id: str) -> str | None:
    principal = Principal.of(request)
    if not (principal.sees_all or principal.has(Capability.CREDIT_REVIEW)):
        return None
    dist = selectors.grade_distribution()
    if not dist:
        return None
    total = sum(dist.values())
    rows = [(g, dist.get(g, 0), round(100 * dist.get(g, 0) / total, 1)) for g in ("A", "B", "C", "D")]
    version = selectors.public_model_version_at(timezone.localdate())
    return render_to_string(
        "credit/panel_dashboard.html", {"rows": rows, "total": total, "version": version}, request=request
    )
