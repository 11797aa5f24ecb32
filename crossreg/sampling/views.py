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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crossreg.catalog.models import ItemVersion
from crossreg.core.errors import DomainError, Invalid
from crossreg.entities.models import Entity, Industry
from crossreg.orgs.models import Department, Division, Domain
from crossreg.orgs.services import data_export_record
from crossreg.sampling import burden, conf, selectors, services
from crossreg.sampling.lists import PLANS, SELECTIONS
from crossreg.sampling.models import DrawAttempt, PoolingRun, SamplingPlan


def _field_labels() -> dict[str, str]:
    labels = {
        "name": _("计划名称"),
        "item_versions": _("检查事项"),
        "period": _("抽查周期"),
        "period_end": _("周期结束"),
        "source": _("对象来源"),
        "source_reason": _("选择对象来源的理由"),
        "seed_source": _("随机种子来源"),
        "seed_due": _("种子产生日期"),
        "seed": _("随机种子"),
        "seed_reference": _("种子核对出处"),
        "directed_reason": _("定向说明"),
        "pool": _("对象池"),
    }
    for c in conf.CREDIT_CLASSES:
        labels[f"rules.{c}.ratio"] = _("%(cls)s 类比例") % {"cls": c}
        labels[f"rules.{c}.minimum"] = _("%(cls)s 类最低数量") % {"cls": c}
    return labels


def _errors(request: HttpRequest, exc: DomainError) -> dict[str, list[str]]:
    """Flash each problem, named by the form's label for its field; return them by field too, so a
    form can show each next to its input."""
    labels = _field_labels()
    by_field: dict[str, list[str]] = {}
    for p in exc.problems:
        label = labels.get(p.field or "", p.field or "")
        messages.error(request, f"{label}：{p.message}" if label and label not in p.message else p.message)
        by_field.setdefault(p.field or "", []).append(p.message)
    return by_field


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plan_visible_list(user=request.user)
    if fmt := PLANS.wants_export(request):
        return PLANS.export(request, plans, fmt=fmt, record=data_export_record)
    state = PLANS.page(request, plans)
    return render(
        request,
        "sampling/plan_list.html",
        {"plans": state.rows, "list": state, "periods": selectors.periods_list()},
    )


PLAN_NAME_MAX = 100


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
        "industries": Industry.objects.order_by("code"),
        "rules": [(c, rules[c]) for c in conf.CREDIT_CLASSES],
        "chosen": {},
        "name_max": PLAN_NAME_MAX,
        "form": {
            "period": period,
            "period_start": start,
            "period_end": end,
            "seed_due": dt.date.today() + dt.timedelta(days=1),
            "seed_due_time": "21:30",
            "source": SamplingPlan.Source.DEPARTMENT_LIST,
        },
        "sources": SamplingPlan.Source.choices,
        "key_domains": Domain.objects.filter(key=True).order_by("code"),
        "department": dept,
        "errors": {},
    }
    if request.method == "POST":
        f = request.POST
        # What the user typed and chose is shown again after an error (items, areas, ratios…).
        ctx["form"] = f
        ctx["chosen"] = {
            k: f.getlist(k)
            for k in ("item_versions", "divisions", "entity_types", "industries", "key_domains")
        }
        ctx["rules"] = [
            (c, {**rules[c], "ratio": f.get(f"ratio_{c}", ""), "minimum": f.get(f"minimum_{c}", "")})
            for c in conf.CREDIT_CLASSES
        ]
        try:
            if len(f.get("name", "").strip()) > PLAN_NAME_MAX:
                raise Invalid(
                    _("计划名称不能超过 %(n)s 个字") % {"n": PLAN_NAME_MAX}, field="name", code="too_long"
                )
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
                seed_due_time=dt.time.fromisoformat(f["seed_due_time"]) if f.get("seed_due_time") else None,
                source=f.get("source") or SamplingPlan.Source.DEPARTMENT_LIST,
                source_reason=f.get("source_reason", ""),
                key_domains=[d for d in f.getlist("key_domains") if d],
                rules={
                    c: {"ratio": f.get(f"ratio_{c}", ""), "minimum": f.get(f"minimum_{c}", "0")}
                    for c in conf.CREDIT_CLASSES
                },
                divisions=[d for d in f.getlist("divisions") if d],
                entity_types=[t for t in f.getlist("entity_types") if t],
                industries=[x.strip() for v in f.getlist("industries") for x in v.split(",") if x.strip()],
                directed=bool(f.get("directed")),
                directed_reason=f.get("directed_reason", ""),
                triggered=bool(f.get("triggered")),
            )
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD，时间格式应为 HH:MM"))
        except DomainError as exc:
            ctx["errors"] = errors = _errors(request, exc)
            errors["rules"] = [m for k, ms in errors.items() if k.startswith("rules.") for m in ms]
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
    selections = plan.selections.select_related("entity", "entity__division", "task_source__task")
    if fmt := SELECTIONS.wants_export(request):
        return SELECTIONS.export(request, selections, fmt=fmt, record=data_export_record)
    state = SELECTIONS.page(request, selections)
    # Why the pool has its size: frozen at publication; for a draft, as it stands now.
    basis = plan.pool_basis or (
        selectors.pool_basis(plan, selectors.pool_rows_explained(plan))
        if plan.status == SamplingPlan.Status.DRAFT
        else {}
    )
    return render(
        request,
        "sampling/plan_detail.html",
        {
            "plan": plan,
            "versions": plan.item_versions.select_related("item"),
            "participants": plan.participants.all(),
            "selections": state.rows,
            "list": state,
            "attempts": DrawAttempt.objects.filter(plan=plan),
            "can_act": services.can_plan(request.user, plan.department),
            "can_audit": selectors.can_audit_draws(request.user),
            "basis": _basis_view(basis),
            "seed_open": plan.seed_due_at is None or plan.seed_due_at <= timezone.now(),
            "today": dt.date.today(),
        },
    )


def _basis_view(basis: dict[str, Any]) -> dict[str, Any]:
    """The pool basis with labels for the page: names of departments, divisions, types, domains."""
    if not basis:
        return {}
    dept_names = dict(Department.objects.values_list("code", "short_name"))
    div_names = dict(
        Division.objects.filter(level__in=["city", "county", "zone"]).values_list("code", "name")
    )
    dom_names = dict(Domain.objects.values_list("code", "name"))
    types = dict(Entity.Type.choices)
    sources = dict(SamplingPlan.Source.choices)
    statuses = dict(Entity.Status.choices)
    steps = []
    for f in basis.get("funnel", []):
        step = dict(f)
        if f["step"] == "source":
            step["label"] = str(sources.get(f["source"], f["source"]))
            step["detail"] = "、".join(dept_names.get(d, d) for d in f.get("departments", []))
        elif f["step"] == "items":
            parts = []
            for it in f["items"]:
                bits = []
                if it["industries"]:
                    bits.append(_("行业 %(codes)s") % {"codes": "、".join(it["industries"])})
                if it["entity_types"]:
                    bits.append("、".join(str(types.get(t, t)) for t in it["entity_types"]))
                if it["key_domains"]:
                    bits.append(
                        _("重点领域 %(d)s") % {"d": "、".join(dom_names.get(d, d) for d in it["key_domains"])}
                    )
                parts.append(f"{it['item']}：{'；'.join(bits) or _('不限')}")
            step["label"] = _("检查事项适用范围")
            step["detail"] = " / ".join(parts)
        elif f["step"] == "filters":
            bits = []
            if f.get("divisions"):
                bits.append("、".join(div_names.get(d, d) for d in f["divisions"]))
            if f.get("entity_types"):
                bits.append("、".join(str(types.get(t, t)) for t in f["entity_types"]))
            if f.get("industries"):
                bits.append(_("行业 %(codes)s") % {"codes": "、".join(f["industries"])})
            if f.get("key_domains"):
                bits.append("、".join(dom_names.get(d, d) for d in f["key_domains"]))
            step["label"] = _("计划筛选条件")
            step["detail"] = "；".join(bits)
        else:
            step["label"] = _("登记状态")
            step["detail"] = "、".join(str(statuses.get(x, x)) for x in f.get("statuses", []))
        steps.append(step)
    return {**basis, "steps": steps}


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
        plan = services.plan_draw(
            actor=request.user,  # type: ignore[arg-type]
            plan=plan,
            seed=request.POST.get("seed", ""),
            seed_reference=request.POST.get("seed_reference", ""),
        )
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


@login_required
@require_GET
def auditor_bundle(request: HttpRequest, code: str) -> HttpResponse:
    """The full assignment of a draw, for discipline inspection and audit only (recorded)."""
    plan = selectors.plan_for_auditor(user=request.user, code=code)
    if plan is None:
        if selectors.can_audit_draws(request.user):
            raise Http404
        raise PermissionDenied
    resp = HttpResponse(
        services.bundle_bytes(services.plan_auditor_bundle_read(actor=request, plan=plan)),
        content_type="application/json; charset=utf-8",
    )
    resp["Content-Disposition"] = f'attachment; filename="{plan.code}.auditor.json"'
    return resp


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
    sels = sorted(
        plan.selections.select_related("entity", "entity__division"), key=lambda s: (s.rank_hex, s.key)
    )
    return render(
        request,
        "sampling/public_plan.html",
        {
            "plan": plan,
            "selections": sels,
            "versions": plan.item_versions.select_related("item"),
            "participants": plan.participants.all(),
            "can_audit": selectors.can_audit_draws(request.user),
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
    # No stratum: an entity's credit class is not public (the order is by rank, as in the bundle).
    rows = [
        {"plan": plan.code, "rank": s.rank_hex, "key": s.key, "name": s.entity.name}
        for s in sorted(plan.selections.select_related("entity"), key=lambda s: (s.rank_hex, s.key))
    ]
    return JsonResponse({"plan": plan.code, "selections": rows}, json_dumps_params={"ensure_ascii": False})
