"""Case pages (server-rendered, phone-usable): list/search, case page with one form per allowed
transition, the deadline page, the legal reviewer's queue, the leader's view, the officer's
simplified procedure, sources; and the public pages: published decisions, open data and a
document's proof page (behind its QR code). Views only parse input and call services/selectors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crossreg.cases import clocks, selectors, services, workflow
from crossreg.cases import render as docs
from crossreg.cases.lists import CASES
from crossreg.cases.models import Case, CaseSource, CaseState, Evidence, PenaltyKind
from crossreg.core.errors import DomainError, NotFound
from crossreg.core.labels import problem_text
from crossreg.orgs.permissions import Capability, Principal
from crossreg.orgs.services import data_export_record


def _errors(request: HttpRequest, exc: DomainError) -> None:
    for p in exc.problems:
        messages.error(request, problem_text(p))


def _clock_rows(case: Case, today: dt.date) -> list[dict[str, Any]]:
    return [
        {"c": c, "status": c.status(today), "label": clocks.STATUS_LABELS[c.status(today)]}
        for c in clocks.case_clocks(case, today)
    ]


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    p = Principal.of(request)
    today = timezone.localdate()
    # filters, sort, pager and export: crossreg.core.lists
    qs = selectors.case_search(principal=p, today=today)
    if fmt := CASES.wants_export(request):
        return CASES.export(request, qs, fmt=fmt, record=data_export_record, fields=["party_name"])
    state = CASES.page(request, qs)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": state.rows,
            "list": state,
            "states": CaseState.choices,
            "today": today,
            "sources": selectors.sources_pending(principal=p)[:50],
            "can_file": p.has(Capability.DECIDE_CASES),
        },
    )


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    p = Principal.of(request)
    try:
        case = selectors.case_get(principal=p, pk=pk)
    except NotFound:
        raise Http404 from None
    today = timezone.localdate()
    from crossreg.ledger.selectors import subject_entries

    allowed = workflow.allowed(p, state=case.state, department_id=case.department_id)
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "today": today,
            "clocks": _clock_rows(case, today),
            "officers": case.officers.select_related("officer"),
            "evidence": case.evidence.all(),
            "documents": case.documents.all(),
            "events": case.events.all(),
            "reviews": case.legal_reviews.all(),
            "measures": case.measures.all(),
            "timeline": list(subject_entries(subject_type="case", subject_id=case.number)),
            "allowed": [(t, workflow.LABELS[t]) for t in allowed],
            "can": {a: workflow.may_act(p, a, case.department_id) for a in workflow.ACTIONS},
            "kinds": PenaltyKind.choices,
            "evidence_kinds": Evidence.Kind.choices,
            "entries": selectors.entries_for(case.department_id),
            "hearing_right": services.gates.hearing_right(case),
            "legal_triggers": services.gates.legal_review_triggers(case),
            "stage_open": services.gates.stage_open(case),
        },
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Every form of the case page posts here: ``action`` is a transition of the table or an action."""
    p = Principal.of(request)
    try:
        case = selectors.case_get(principal=p, pk=pk)
    except NotFound:
        raise Http404 from None
    user: Any = request.user
    post = request.POST
    action = post.get("action", "")
    version = int(post["version"]) if post.get("version", "").isdigit() else None
    note = post.get("note", "")
    try:
        if action in workflow.TRANSITION_NAMES:
            data: dict[str, Any] = {}
            if action == "decide":
                data = {
                    "kinds": post.getlist("kinds"),
                    "fine": post.get("fine") or 0,
                    "confiscation": post.get("confiscation") or 0,
                    "deviation_reason": post.get("deviation_reason", ""),
                }
            elif action == "serve_decision":
                data = {
                    "served_on": post.get("served_on") or None,
                    "method": post.get("method", "direct"),
                    "consent": post.get("consent") == "on",
                }
            elif action == "transfer":
                data = {"to_department": post.get("to_department", "")}
            services.case_transition(
                case=case, transition=action, actor=user, expected_version=version, note=note, data=data
            )
            messages.success(request, _("已完成：%(a)s") % {"a": workflow.LABELS[action]})
        elif action == "propose_penalty":
            entry = selectors.entries_for(case.department_id).filter(pk=post.get("entry") or 0).first()
            services.case_penalty_propose(
                actor=user,
                case=case,
                kinds=post.getlist("kinds"),
                fine=post.get("fine") or 0,
                confiscation=post.get("confiscation") or 0,
                entry=entry,
                deviation_reason=post.get("deviation_reason", ""),
                expected_version=version,
            )
            messages.success(request, _("拟处罚意见已保存"))
        elif action == "add_evidence":
            f = request.FILES.get("file")
            services.case_evidence_add(
                actor=user,
                case=case,
                kind=post.get("kind", "other"),
                title=post.get("title", ""),
                content=f.read() if f else b"",
                filename=(f.name or "") if f else "",
                expected_version=version,
            )
            messages.success(request, _("证据已附卷，SHA-256 已写入全程记录"))
        elif action == "serve_notice":
            services.case_notice_serve(
                actor=user,
                case=case,
                served_on=_date(post.get("served_on")) or timezone.localdate(),
                expected_version=version,
            )
            messages.success(request, _("告知书送达已记录"))
        elif action == "waive_defence":
            services.case_defence_waive(actor=user, case=case, note=note, expected_version=version)
            messages.success(request, _("当事人放弃陈述申辩已记录"))
        elif action == "schedule_hearing":
            services.case_hearing_schedule(
                actor=user,
                case=case,
                hearing_on=_date(post.get("hearing_on")) or timezone.localdate(),
                notified_on=_date(post.get("notified_on")) or timezone.localdate(),
                expected_version=version,
            )
            messages.success(request, _("听证已安排"))
        elif action == "record_hearing":
            services.case_hearing_record(actor=user, case=case, note=note, expected_version=version)
        elif action == "record_discussion":
            services.case_discussion_record(
                actor=user,
                case=case,
                participants=post.get("participants", ""),
                conclusion=post.get("conclusion", ""),
                expected_version=version,
            )
        elif action == "extend_decision":
            services.case_decision_extend(actor=user, case=case, reason=note, expected_version=version)
        elif action == "record_payment":
            services.case_payment_record(
                actor=user,
                case=case,
                paid_on=_date(post.get("paid_on")) or timezone.localdate(),
                expected_version=version,
            )
        elif action == "publish":
            services.case_publish(actor=user, case=case, expected_version=version)
            messages.success(request, _("处罚决定已公示"))
        elif action == "withdraw_publication":
            services.case_publication_withdraw(actor=user, case=case, reason=note, expected_version=version)
            messages.success(request, _("公示已撤回，撤回信息已公开"))
        else:
            messages.error(request, _("未知操作"))
    except DomainError as exc:
        _errors(request, exc)
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def source_action(request: HttpRequest, pk: int) -> HttpResponse:
    p = Principal.of(request)
    source = selectors.sources_pending(principal=p).filter(pk=pk).first()
    if source is None:
        raise Http404
    user: Any = request.user
    try:
        if request.POST.get("action") == "file":
            officers = [int(x) for x in request.POST.getlist("officers") if x.isdigit()]
            case = services.case_file(
                actor=user,
                source=source,
                officers=officers,
                title=request.POST.get("title", ""),
                facts=request.POST.get("facts", ""),
                late_reason=request.POST.get("late_reason", ""),
                major_case=request.POST.get("major_case") == "on",
                complex_case=request.POST.get("complex_case") == "on",
                major_public_interest=request.POST.get("major_public_interest") == "on",
            )
            messages.success(request, _("已立案：%(n)s") % {"n": case.number})
            return redirect("cases:detail", pk=case.pk)
        if request.POST.get("action") == "decline":
            services.case_source_decline(actor=user, source=source, reason=request.POST.get("reason", ""))
        elif request.POST.get("action") == "extend":
            services.case_source_extend(actor=user, source=source, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        _errors(request, exc)
        return redirect("cases:source", pk=pk)
    return redirect("cases:list")


@login_required
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from crossreg.orgs.models import Officer

    p = Principal.of(request)
    source = selectors.sources_pending(principal=p).filter(pk=pk).first()
    if source is None:
        raise Http404
    officers = Officer.objects.filter(department_id=source.department_id, status="active").order_by("name")[
        :200
    ]
    return render(
        request,
        "cases/source_detail.html",
        {
            "source": source,
            "officers": officers,
            "clocks": [
                {"c": c, "label": clocks.STATUS_LABELS[c.status(timezone.localdate())]}
                for c in clocks.source_clocks(source)
            ],
            "can_file": p.can(Capability.DECIDE_CASES, source.department_id),
        },
    )


@login_required
@require_GET
def deadlines(request: HttpRequest) -> HttpResponse:
    p = Principal.of(request)
    today = timezone.localdate()
    qs = selectors.deadline_list(principal=p, department=request.GET.get("department", ""), today=today)
    page = Paginator(qs, selectors.page_size()).get_page(request.GET.get("page"))
    near = today + dt.timedelta(days=int(services.conf.get("CASE_NEAR_DUE_DAYS")))
    overdue_sources = selectors.sources_pending(principal=p).filter(filing_due__lt=today)[:100]
    return render(
        request,
        "cases/deadlines.html",
        {"page": page, "today": today, "near": near, "overdue_sources": overdue_sources},
    )


@login_required
@require_GET
def legal_queue(request: HttpRequest) -> HttpResponse:
    p = Principal.of(request)
    return render(request, "cases/legal_queue.html", {"cases": selectors.legal_queue(principal=p)[:200]})


@login_required
@require_GET
def leader(request: HttpRequest) -> HttpResponse:
    p = Principal.of(request)
    return render(
        request,
        "cases/leader.html",
        {
            "stats": selectors.leader_stats(principal=p),
            "consistency": selectors.consistency_report(principal=p)[:200],
        },
    )


@login_required
def simplified(request: HttpRequest) -> HttpResponse:
    """The officer's phone: an on-the-spot decision (Art. 51–52) with a colleague."""
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Officer

    user: Any = request.user
    officer = getattr(user, "officer", None)
    colleagues = (
        Officer.objects.filter(department_id=officer.department_id, status="active").exclude(pk=officer.pk)[
            :100
        ]
        if officer
        else []
    )
    if request.method == "POST":
        entity = (
            Entity.objects.filter(uscc=request.POST.get("uscc", "").strip()).first()
            or Entity.objects.filter(
                pk=int(request.POST.get("entity", "")) if request.POST.get("entity", "").isdigit() else 0
            ).first()
        )
        if entity is None:
            messages.error(request, _("未找到当事人（请填写统一社会信用代码）"))
        else:
            try:
                case = services.case_simplified_decide(
                    actor=user,
                    entity=entity,
                    co_officer=int(request.POST.get("co_officer") or 0),
                    title=request.POST.get("title", ""),
                    facts=request.POST.get("facts", ""),
                    kinds=request.POST.getlist("kinds"),
                    fine=request.POST.get("fine") or 0,
                )
                messages.success(request, _("当场处罚决定已作出：%(n)s") % {"n": case.number})
                return redirect("cases:detail", pk=case.pk)
            except DomainError as exc:
                _errors(request, exc)
    return render(request, "cases/simplified.html", {"officer": officer, "colleagues": colleagues})


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    from crossreg.cases.models import Document

    p = Principal.of(request)
    doc = (
        Document.objects.select_related("template", "case")
        .filter(pk=pk, case__in=Case.objects.visible_to(p))
        .first()
    )
    if doc is None:
        raise Http404
    if fmt == "pdf":
        resp = HttpResponse(docs.document_pdf(doc), content_type="application/pdf")
    elif fmt == "docx":
        resp = HttpResponse(
            docs.document_docx(doc),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    else:
        raise Http404
    resp["Content-Disposition"] = f'inline; filename="document-{doc.pk}.{fmt}"'
    return resp


# --- public ------------------------------------------------------------------------------------


@require_GET
def public_decisions(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.public_decisions(), 50).get_page(request.GET.get("page"))
    rows = [selectors.public_row(c) for c in page]
    return render(request, "cases/public_decisions.html", {"page": page, "rows": rows})


@require_GET
def public_open_data(request: HttpRequest) -> HttpResponse:
    qs = selectors.public_decisions()[:5000]
    return JsonResponse(
        {"decisions": [selectors.public_row(c) for c in qs]}, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def document_proof(request: HttpRequest, short: str) -> HttpResponse:
    """Anyone holding the paper: is this document, with this hash, fixed in the signed ledger?"""
    doc = selectors.document_by_short(short)
    if doc is None:
        raise Http404
    proof = selectors.document_proof(doc)
    return render(
        request,
        "cases/document_proof.html",
        {"doc": doc, "proof": proof, "proof_json": json.dumps(proof.proof_hex)},
    )


# --- panels ------------------------------------------------------------------------------------


def entity_panel(request: HttpRequest, host_id: str) -> str | None:
    p = Principal.of(request)
    if p.is_anonymous or not str(host_id).isdigit():
        return None
    qs = Case.objects.visible_to(p).filter(entity_id=int(host_id)).select_related("department")[:50]
    rows = list(qs)
    if not rows:
        return None
    return render_to_string(
        "cases/panel_cases.html", {"cases": rows, "title": _("执法案件")}, request=request
    )


def task_panel(request: HttpRequest, host_id: str) -> str | None:
    p = Principal.of(request)
    if p.is_anonymous:
        return None
    rows = list(Case.objects.visible_to(p).filter(task_code=host_id).select_related("department"))
    sources = CaseSource.objects.filter(ref__startswith=f"{host_id}:", status=CaseSource.Status.REGISTERED)
    if not p.sees_all:
        sources = sources.filter(department_id=p.department_id)
    if not rows and not sources.exists():
        return None
    return render_to_string(
        "cases/panel_cases.html",
        {"cases": rows, "sources": list(sources), "title": _("本次检查发现所立案件")},
        request=request,
    )
