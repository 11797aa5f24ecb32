"""Sampling pages: plans (create, publish, draw), the period page with the burden dashboard, and the
public pages and open data (no login: published plans, draw lists, bundles)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crossreg.catalog.models import ItemVersion
from crossreg.core.errors import DomainError
from crossreg.core.labels import field_errors, problem_text
from crossreg.entities.models import Entity
from crossreg.orgs.models import Division
from crossreg.orgs.services import data_export_record
from crossreg.sampling import burden, conf, selectors, services
from crossreg.sampling.models import DrawAttempt, PoolingRun, SamplingPlan


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, problem_text(p))


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_visible_list(user=request.user).order_by("-created_at")[:200]
    return render(request, "sampling/plan_list.html", {"plans": plans, "periods": selectors.periods_list()})


@login_required
def plan_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    dept = user.department
    if dept is None or not services.can_plan(user, dept):
        raise PermissionDenied
    versions = ItemVersion.objects.filter(status=ItemVersion.Status.PUBLISHED).select_related(
        "item", "item__department"
    )
    period, start, end = conf.quarter(dt.date.today())
    rules = conf.credit_rules()
    ctx: dict[str, Any] = {
        "versions": versions,
        "divisions": Division.objects.filter(level__in=["city", "county", "zone"]).order_by("code"),
        "entity_types": Entity.Type.choices,
        "rules": [(c, rules[c]) for c in conf.CREDIT_CLASSES],
        "form": {"period": period, "period_start": start, "period_end": end, "seed_due": dt.date.today()},
        "department": dept,
    }
    if request.method == "POST":
        f = request.POST
        ctx["form"] = f
        try:
            plan = services.plan_create(
                actor=user,
                department=dept,
                name=f.get("name", ""),
                item_versions=list(
                    versions.filter(pk__in=[int(x) for x in f.getlist("item_versions") if x.isdigit()])
                ),
                period=f.get("period", ""),
                period_start=dt.date.fromisoformat(f.get("period_start", "")),
                period_end=dt.date.fromisoformat(f.get("period_end", "")),
                seed_source=f.get("seed_source", ""),
                seed_due=dt.date.fromisoformat(f.get("seed_due", "")),
                rules={
                    c: {"ratio": f.get(f"ratio_{c}", ""), "minimum": f.get(f"minimum_{c}", "0")}
                    for c in conf.CREDIT_CLASSES
                },
                divisions=[d for d in f.getlist("divisions") if d],
                entity_types=[t for t in f.getlist("entity_types") if t],
                industries=[x.strip() for x in f.get("industries", "").split(",") if x.strip()],
                directed=bool(f.get("directed")),
                directed_reason=f.get("directed_reason", ""),
                triggered=bool(f.get("triggered")),
            )
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD"))
        except DomainError as exc:
            # each problem next to its field; those of no field on the form at the top
            ctx["errors"] = field_errors(exc)
            on_form = {"name", "period", "period_start", "period_end", "seed_source", "seed_due"} | {
                f"rules.{c}.{k}" for c in conf.CREDIT_CLASSES for k in ("ratio", "minimum")
            }
            messages.error(request, _("请按提示修改标出的项目。"))
            for p in exc.problems:
                if p.field not in on_form:
                    messages.error(request, problem_text(p))
        else:
            messages.success(request, _("已创建抽查计划 %(code)s") % {"code": plan.code})
            return redirect("sampling:plan_detail", code=plan.code)
    return render(request, "sampling/plan_new.html", ctx)


def _plan_for(request: HttpRequest, code: str) -> SamplingPlan:
    plan = selectors.plan_visible_list(user=request.user).filter(code=code).first()
    if plan is None:
        raise Http404
    return plan


@login_required
@require_GET
def plan_detail(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan_for(request, code)
    return render(
        request,
        "sampling/plan_detail.html",
        {
            "plan": plan,
            "versions": plan.item_versions.select_related("item"),
            "participants": plan.participants.all(),
            "selections": plan.selections.select_related("entity", "entity__division")[:500],
            "attempts": DrawAttempt.objects.filter(plan=plan),
            "can_act": services.can_plan(request.user, plan.department),
            "today": dt.date.today(),
        },
    )


@login_required
@require_POST
def plan_publish(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan_for(request, code)
    try:
        services.plan_publish(actor=request.user, plan=plan)  # type: ignore[arg-type]
        messages.success(request, _("计划已公示，对象池已固定"))
    except DomainError as exc:
        _errors(request, exc)
    return redirect("sampling:plan_detail", code=code)


@login_required
@require_POST
def plan_draw(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan_for(request, code)
    try:
        plan = services.plan_draw(actor=request.user, plan=plan, seed=request.POST.get("seed", ""))  # type: ignore[arg-type]
        messages.success(request, _("摇号完成，抽中 %(n)s 户") % {"n": plan.selected_count})
    except DomainError as exc:
        _errors(request, exc)
    return redirect("sampling:plan_detail", code=code)


@login_required
@require_GET
def period_detail(request: HttpRequest, period: str) -> HttpResponse:
    user: Any = request.user
    report = services.period_report(period=period)
    return render(
        request,
        "sampling/period.html",
        {
            "period": period,
            "report": report,
            "burden": burden.period_burden(period=period, user=user),
            "plans": selectors.plan_visible_list(user=user).filter(period=period),
            "runs": PoolingRun.objects.filter(period=period)[:10],
            "can_pool": services.can_pool(user, period),
        },
    )


@login_required
@require_POST
def period_pool(request: HttpRequest, period: str) -> HttpResponse:
    try:
        run = services.period_pool(actor=request.user, period=period)  # type: ignore[arg-type]
        r = run.report
        messages.success(
            request,
            _("汇总比对完成：%(visits)s 次检查，其中联合检查 %(joint)s 次，减少 %(saved)s 次")
            % {"visits": r["visits"], "joint": r["joint_tasks"], "saved": r["visits_saved"]},
        )
    except DomainError as exc:
        _errors(request, exc)
    return redirect("sampling:period", period=period)


# --- public (一公开) --------------------------------------------------------------------------------


@require_GET
def public_plans(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_public_list().order_by("-published_at")[:300]
    return render(request, "sampling/public_plans.html", {"plans": plans})


def _public_plan(code: str) -> SamplingPlan:
    plan = selectors.plan_public_list().filter(code=code).first()
    if plan is None:
        raise Http404
    return plan


@require_GET
def public_plan(request: HttpRequest, code: str) -> HttpResponse:
    plan = _public_plan(code)
    sels = plan.selections.select_related("entity", "entity__division")
    return render(
        request,
        "sampling/public_plan.html",
        {
            "plan": plan,
            "selections": sels,
            "versions": plan.item_versions.select_related("item"),
            "participants": plan.participants.all(),
        },
    )


@require_GET
def public_bundle(request: HttpRequest, code: str) -> HttpResponse:
    plan = _public_plan(code)
    resp = HttpResponse(
        services.bundle_bytes(services.plan_bundle(plan)), content_type="application/json; charset=utf-8"
    )
    resp["Content-Disposition"] = f'attachment; filename="{plan.code}.bundle.json"'
    return resp


@require_GET
def open_plans(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [selectors.plan_summary(p) for p in selectors.plan_public_list().order_by("code")]
    if fmt == "json":
        return JsonResponse({"plans": rows}, json_dumps_params={"ensure_ascii": False})
    buf = io.StringIO()
    cols = [
        "code",
        "name",
        "department",
        "kind",
        "period",
        "status",
        "pool_root",
        "pool_size",
        "seed_source",
        "seed_due",
        "seed",
        "algorithm",
        "published_at",
        "drawn_at",
        "selected",
    ]
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    data_export_record(who=request, what="sampling.open_plans.csv", rows=len(rows))
    return HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")


@require_GET
def open_selections(request: HttpRequest, code: str) -> HttpResponse:
    plan = _public_plan(code)
    rows = [
        {"plan": plan.code, "stratum": s.stratum, "position": s.position, "key": s.key, "name": s.entity.name}
        for s in plan.selections.select_related("entity")
    ]
    return JsonResponse({"plan": plan.code, "selections": rows}, json_dumps_params={"ensure_ascii": False})
