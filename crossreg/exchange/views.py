"""Pages: targets and their health, a target (subscriptions, deliveries, its errors), the error queue
with replay, a delivery (envelope and attempts), reconciliation reports. zh-hans first, English too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crossreg.core.errors import DomainError
from crossreg.exchange import selectors
from crossreg.exchange.adapters.registry import FIELD_SETS
from crossreg.exchange.models import ReconciliationReport
from crossreg.orgs.permissions import Principal
from crossreg.outbox import permissions as outbox_permissions
from crossreg.outbox import services as outbox_services
from crossreg.outbox.models import Delivery, Subscription, Target
from crossreg.outbox.selectors import deliveries_visible_to, target_health, targets_visible_to

if TYPE_CHECKING:
    from crossreg.orgs.models import User


def _principal(request: HttpRequest) -> Principal:
    p = Principal.of(request)
    if not p.is_authenticated:
        raise PermissionDenied
    return p


def _actor(request: HttpRequest) -> User:
    return cast("User", request.user)


def _target(request: HttpRequest, code: str) -> Target:
    target = targets_visible_to(_principal(request)).filter(code=code).first()
    if target is None:
        raise Http404
    return target


@login_required
def index(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    targets = list(targets_visible_to(p).order_by("department_id", "code"))
    if not targets and not outbox_permissions.may_manage(p, p.department_id):
        raise PermissionDenied
    return render(
        request,
        "exchange/index.html",
        {
            "health": target_health(targets),
            "may_create": outbox_permissions.may_manage(p, p.department_id),
            "errors": deliveries_visible_to(p).filter(state=Delivery.State.FAILED).count(),
        },
    )


@login_required
def target_new(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    if not outbox_permissions.may_manage(p, p.department_id):
        raise PermissionDenied
    values: dict[str, Any] = {
        "code": "",
        "name": "",
        "url": "",
        "event_type": "credit.grade.changed",
        "scope": "listed",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        department = _actor(request).department
        try:
            target = outbox_services.target_create(
                actor=_actor(request),
                principal=p,
                code=values["code"],
                name=values["name"],
                kind=Target.Kind.WEBHOOK,
                department=department,
                url=values["url"],
            )
            outbox_services.subscription_create(
                actor=_actor(request),
                principal=p,
                target=target,
                event_type=values["event_type"],
                scope=values["scope"],
            )
        except DomainError as exc:
            errors = {pr.field or "__all__": pr.message for pr in exc.problems}
        else:
            messages.success(request, _("已创建接收端，请把签名密钥配置到贵部门系统。"))
            return redirect("exchange:target", code=target.code)
    return render(
        request,
        "exchange/target_new.html",
        {"values": values, "errors": errors, "scopes": Subscription.Scope.choices},
    )


@login_required
def target_detail(request: HttpRequest, code: str) -> HttpResponse:
    p = _principal(request)
    target = _target(request, code)
    deliveries = Delivery.objects.filter(target=target).select_related("event").order_by("-event_id")
    state = request.GET.get("state", "")
    if state in Delivery.State.values:
        deliveries = deliveries.filter(state=state)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    module = FIELD_SETS.get(target.kind)
    return render(
        request,
        "exchange/target_detail.html",
        {
            "target": target,
            "health": target_health([target])[0],
            "subscriptions": target.subscriptions.filter(active=True).order_by("event_type"),
            "page": page,
            "state": state,
            "states": Delivery.State.choices,
            "may_manage": outbox_permissions.may_manage(p, target.department_id),
            "scopes": [
                (v, label)
                for v, label in Subscription.Scope.choices
                if outbox_permissions.may_use_scope(target.department_id, v)
            ],
            "fields": getattr(module, "FIELDS", ()),
            "field_source": getattr(module, "FIELD_SOURCE", ""),
        },
    )


@login_required
@require_POST
def subscription_add(request: HttpRequest, code: str) -> HttpResponse:
    target = _target(request, code)
    try:
        outbox_services.subscription_create(
            actor=_actor(request),
            principal=_principal(request),
            target=target,
            event_type=request.POST.get("event_type", ""),
            scope=request.POST.get("scope", ""),
        )
        messages.success(request, _("订阅已添加。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("exchange:target", code=code)


@login_required
@require_POST
def subscription_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    target = _target(request, code)
    sub = get_object_or_404(Subscription, pk=pk, target=target)
    try:
        outbox_services.subscription_remove(
            actor=_actor(request), principal=_principal(request), subscription=sub
        )
        messages.success(request, _("订阅已取消。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("exchange:target", code=code)


@login_required
@require_POST
def target_toggle(request: HttpRequest, code: str) -> HttpResponse:
    target = _target(request, code)
    try:
        outbox_services.target_update(
            actor=_actor(request),
            principal=_principal(request),
            target=target,
            active=request.POST.get("active") == "1",
            url=request.POST.get("url") or None,
            rotate_secret=request.POST.get("rotate") == "1",
        )
        messages.success(request, _("已保存。"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("exchange:target", code=code)


@login_required
def errors(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    failed = deliveries_visible_to(p).filter(state=Delivery.State.FAILED).order_by("target__code", "event_id")
    page = Paginator(failed, 50).get_page(request.GET.get("page"))
    return render(request, "exchange/errors.html", {"page": page})


@login_required
@require_POST
def replay(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    ids = [int(i) for i in request.POST.getlist("delivery") if i.isdigit()]
    visible = list(deliveries_visible_to(p).filter(pk__in=ids).values_list("pk", flat=True))
    if not visible:
        messages.error(request, _("请选择要处理的投递。"))
        return redirect(request.POST.get("next") or "exchange:errors")
    try:
        if request.POST.get("action") == "cancel":
            n = outbox_services.delivery_cancel(
                actor=_actor(request),
                principal=p,
                deliveries=visible,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已取消 %(n)s 条投递。") % {"n": n})
        else:
            n = outbox_services.delivery_replay(
                actor=_actor(request),
                principal=p,
                deliveries=visible,
                note=request.POST.get("reason", ""),
            )
            messages.success(request, _("已重新排队 %(n)s 条投递，将按原幂等键重新发送。") % {"n": n})
    except DomainError as exc:
        messages.error(request, str(exc))
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "exchange:errors")


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = _principal(request)
    d = deliveries_visible_to(p).filter(pk=pk).first()
    if d is None:
        raise Http404
    import json

    return render(
        request,
        "exchange/delivery_detail.html",
        {
            "d": d,
            "envelope": json.dumps(d.event.envelope(), ensure_ascii=False, indent=2),
            "attempts": d.attempt_log.order_by("number"),
            "may_manage": outbox_permissions.may_manage(p, d.target.department_id),
        },
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    p = _principal(request)
    page = Paginator(selectors.reports_visible_to(p).order_by("-day", "target__code"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "exchange/reports.html", {"page": page})


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = _principal(request)
    report: ReconciliationReport | None = selectors.reports_visible_to(p).filter(pk=pk).first()
    if report is None:
        raise Http404
    return render(request, "exchange/report_detail.html", {"r": report})


def dashboard_panel(request: HttpRequest, host_id: str) -> str | None:
    """The dashboard's exchange section: for those who manage targets, their health at a glance."""
    p = Principal.of(request)
    if not p.is_authenticated:
        return None
    targets = list(targets_visible_to(p).filter(active=True))
    if not targets:
        return None
    return render_to_string("exchange/panel.html", {"health": target_health(targets)}, request=request)
