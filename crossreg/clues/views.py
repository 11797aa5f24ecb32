"""Clue pages: the department's inbox, a bundle's timeline and evidence, devices, rules, watch
list, targeting report; the enterprise's proof upload (signed link, no account)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crossreg.clues import selectors, services, workflow
from crossreg.clues import targeting as targeting_calc
from crossreg.clues.lists import BUNDLES
from crossreg.clues.models import ClueBundle
from crossreg.core.errors import DomainError
from crossreg.core.labels import problem_text
from crossreg.orgs.permissions import Principal
from crossreg.orgs.services import data_export_record

PROOF_SALT = "crossreg.clues.proof"
PROOF_MAX_AGE = 60 * 60 * 24 * 30


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, problem_text(p))


def proof_token(bundle: ClueBundle) -> str:
    return signing.dumps({"b": bundle.pk, "e": bundle.entity_id}, salt=PROOF_SALT)


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    # filters, sort, pager and export: crossreg.core.lists (same filter names as before)
    bundles = selectors.bundle_list(principal=principal)
    if fmt := BUNDLES.wants_export(request):
        return BUNDLES.export(request, bundles, fmt=fmt, record=data_export_record)
    state = BUNDLES.page(request, bundles)
    return render(
        request,
        "clues/inbox.html",
        {
            "bundles": state.rows,
            "list": state,
            "queue": selectors.clue_queue(principal=principal)[:50],
        },
    )


@login_required
@require_GET
def bundle_page(request: HttpRequest, pk: int) -> HttpResponse:
    principal = Principal.of(request)
    try:
        bundle = selectors.bundle_get(principal=principal, pk=pk)
    except DomainError:
        raise Http404 from None
    codes = list(bundle.departments.values_list("code", flat=True))
    actions = [
        (t, workflow.LABELS[t])
        for t in workflow.available(principal=principal, bundle=bundle, department_codes=codes)
        if t != "upload_proof"
    ]
    link = ""
    if bundle.handling == ClueBundle.Handling.NOTIFIED and actions is not None:
        link = request.build_absolute_uri(reverse("clues:proof", args=[proof_token(bundle)]))
    return render(
        request,
        "clues/bundle.html",
        {
            "bundle": bundle,
            "clues": bundle.clues.select_related("domain", "device", "rule", "department").order_by(
                "observed_from", "id"
            ),
            "events": bundle.events.order_by("at", "id"),
            "proofs": bundle.proofs.all(),
            "snapshots": bundle.snapshots.all(),
            "departments": bundle.departments.order_by("code"),
            "actions": actions,
            "can_act": bool(actions),
            "proof_link": link,
        },
    )


@login_required
@require_POST
def bundle_act(request: HttpRequest, pk: int) -> HttpResponse:
    principal = Principal.of(request)
    try:
        bundle = selectors.bundle_get(principal=principal, pk=pk)
    except DomainError:
        raise Http404 from None
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    user: Any = request.user
    try:
        if action == "notify":
            services.bundle_notify(actor=user, bundle=bundle, note=note)
            messages.success(request, _("已通知企业整改,请将上传链接发送给企业"))
        elif action in ("accept", "reject_proof"):
            services.bundle_review(actor=user, bundle=bundle, accept=action == "accept", note=note)
            messages.success(request, _("审核结果已记录"))
        elif action == "dismiss":
            services._handling_move(services._lock(bundle), user, "dismiss", note)
            messages.success(request, _("已办结"))
        elif action == "escalate_task":
            services.bundle_escalate_task(actor=user, bundle=bundle, note=note)
            messages.success(request, _("已转现场检查"))
        elif action == "escalate_case":
            services.bundle_escalate_case(actor=user, bundle=bundle, note=note)
            messages.success(request, _("已转立案"))
        elif action == "freeze":
            snap = services.bundle_evidence_freeze(actor=user, bundle=bundle)
            messages.success(request, _("证据已固定,哈希 %(h)s") % {"h": snap.sha256[:16]})
        else:
            messages.error(request, _("未知操作"))
    except DomainError as exc:
        _errors(request, exc)
    return redirect("clues:bundle", pk=pk)


@require_http_methods(["GET", "POST"])
def proof_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The enterprise's page (from the link it was sent): upload correction proof."""
    try:
        data = signing.loads(token, salt=PROOF_SALT, max_age=PROOF_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    bundle = ClueBundle.objects.select_related("entity").filter(pk=data["b"], entity_id=data["e"]).first()
    if bundle is None:
        raise Http404
    done = False
    if request.method == "POST":
        f = request.FILES.get("file")
        try:
            services.bundle_proof_upload(
                actor=f"enterprise:{bundle.entity_id}",
                bundle=bundle,
                name=(f.name if f else "") or "proof",
                content=f.read() if f else b"",
                note=request.POST.get("note", ""),
            )
            done = True
        except DomainError as exc:
            _errors(request, exc)
        bundle.refresh_from_db()
    notice = bundle.events.filter(action="notify").order_by("-at").first()
    return render(request, "clues/proof.html", {"bundle": bundle, "notice": notice, "done": done})


@login_required
@require_GET
def devices(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    today = timezone.localdate()
    rows = [
        (d, selectors.device_usable(d, today))
        for d in selectors.device_list(principal=Principal.of(request))[:500]
    ]
    return render(request, "clues/devices.html", {"rows": rows})


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return render(request, "clues/rules.html", {"rules": selectors.rule_list()})


@login_required
@require_GET
def watch(request: HttpRequest) -> HttpResponse:
    principal = Principal.of(request)
    from crossreg.clues import conf

    return render(
        request,
        "clues/watch.html",
        {
            "bundles": selectors.watch_list(principal=principal)[:200],
            "ranking": selectors.risk_ranking(principal=principal),
            "days": conf.watch_days(),
        },
    )


@login_required
@require_GET
def targeting(request: HttpRequest) -> HttpResponse:
    rep = targeting_report(period=request.GET.get("period", ""))
    return render(request, "clues/targeting.html", {"r": rep, "chart": mark_safe(rep["chart"])})


def targeting_report(*, period: str) -> dict[str, Any]:
    return targeting_calc.report(period=period)


def entity_panel(request: HttpRequest, host_id: str) -> str | None:
    """The entity page's section: this entity's clue bundles the principal may see."""
    if not str(host_id).isdigit():
        return None
    principal = Principal.of(request)
    if not principal.is_authenticated:
        return None
    bundles = list(selectors.entity_bundles(principal=principal, entity_id=int(host_id))[:20])
    if not bundles:
        return None
    return render_to_string("clues/panel_entity.html", {"bundles": bundles}, request=request)
