"""Pages: the public submission page and receipt tracking (no account, phone-first), the
department inbox with deadlines, desk entry, the submission page, the reward queue and the
leaders' statistics; panels for the entity page and the dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from crossreg.complaints import charts, public, selectors, services, workflow
from crossreg.complaints.crypto import contact_decrypt
from crossreg.complaints.forms import DeskForm, PublicForm
from crossreg.complaints.lists import INBOX
from crossreg.complaints.models import Kind, ReporterType, Reward, State, Submission
from crossreg.core.errors import DomainError
from crossreg.core.labels import problem_text
from crossreg.core.masking import mask_name, mask_phone
from crossreg.orgs.permissions import Capability, Principal
from crossreg.orgs.services import data_export_record

TRANSITION_LABELS = {
    "route": gettext_lazy("分办"),
    "return": gettext_lazy("退回（分办错误）"),
    "mark_duplicate": gettext_lazy("并入原件（重复件）"),
    "split": gettext_lazy("拆分"),
    "accept": gettext_lazy("受理"),
    "refuse": gettext_lazy("不予受理"),
    "mediate": gettext_lazy("开始调解"),
    "agree": gettext_lazy("调解达成协议"),
    "end_mediation": gettext_lazy("终止调解"),
    "extend": gettext_lazy("延长核查期限"),
    "justify": gettext_lazy("核查属实"),
    "unjustify": gettext_lazy("核查不实"),
    "open_case": gettext_lazy("立案"),
    "reply": gettext_lazy("答复"),
    "close": gettext_lazy("办结（回访）"),
    "receive": gettext_lazy("登记"),
    "classify": gettext_lazy("修改分类"),
    "approve": gettext_lazy("部门审核通过"),
    "finance_approve": gettext_lazy("财务审批通过"),
    "finance_refuse": gettext_lazy("财务不予批准"),
    "pay": gettext_lazy("登记发放"),
    "compute": gettext_lazy("计算奖励"),
}


def _errors(request: HttpRequest, exc: DomainError) -> list[dict[str, Any]]:
    out = []
    for p in exc.problems:
        messages.error(request, problem_text(p))
        out.append(p.as_dict())
    return out


def _uploads(request: HttpRequest) -> list[services.Upload]:
    return [
        services.Upload(name=f.name or "file", content=f.read(), content_type=f.content_type or "")
        for f in request.FILES.getlist("attachments")
    ]


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


# --- public -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def public_submit(request: HttpRequest) -> HttpResponse:
    form = PublicForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                public.throttle_check(_address(request))
                public.challenge_check(d["challenge_token"], d["challenge_answer"])
                result = services.submission_intake(
                    actor="public:web",
                    kind=d["kind"],
                    channel="web",
                    text=d["text"],
                    reporter_type=ReporterType.ANONYMOUS if d["anonymous"] else ReporterType.PERSON,
                    contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"],
                    entity_name=d["entity_name"],
                    entity_uscc=d["entity_uscc"],
                    place=d["place"],
                    attachments=_uploads(request),
                )
                public.throttle_hit(_address(request))
            except DomainError as exc:
                _errors(request, exc)
                status = 400 if exc.problems[0].code != "rate_limited" else 429
            else:
                request.session["complaints_receipt"] = result.submission.receipt_code
                return redirect("complaints:track_code", code=result.submission.receipt_code)
        else:
            status = 400
            for name, errs in form.errors.items():
                for e in errs:
                    messages.error(request, f"{name}: {e}")
    challenge = public.challenge_issue()
    data = request.POST.copy() if form.is_bound else None
    if data is not None:
        data["challenge_token"] = challenge.token
        data["challenge_answer"] = ""
        form = PublicForm(data)
        form.is_bound = True
    return render(
        request,
        "complaints/public_submit.html",
        {"form": form, "challenge": challenge, "kinds": Kind.choices},
        status=status,
    )


def public_track(request: HttpRequest, code: str = "") -> HttpResponse:
    code = (code or request.GET.get("code", "")).strip().upper()
    sub = selectors.submission_public(receipt_code=code) if code else None
    if code and sub is None:
        messages.error(request, _("没有找到这个查询码，请核对后再试。"))
    follows = selectors.root_of(sub) if sub is not None and sub.duplicate_of_id else None
    shown = follows or sub
    events = list(shown.events.filter(public=True).order_by("at", "id")) if shown is not None else []
    return render(
        request,
        "complaints/public_track.html",
        {
            "code": code,
            "sub": sub,
            "shown": shown,
            "follows": follows,
            "events": [
                (e, TRANSITION_LABELS.get(e.transition, e.transition), State(e.to_state).label)
                for e in events
            ],
            "just_submitted": request.session.get("complaints_receipt") == code,
        },
        status=200 if sub is not None or not code else 404,
    )


# --- staff ------------------------------------------------------------------------------------


def _principal(request: HttpRequest) -> Principal:
    return Principal.of(request)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not (
        principal.has(Capability.HANDLE_COMPLAINTS)
        or principal.sees_all
        or principal.has(Capability.VIEW_DEPARTMENT_DATA)
    ):
        raise Http404
    department = request.GET.get("department", "").strip() or None
    overdue = request.GET.get("overdue") == "1"
    # filters, sort, pager and export: crossreg.core.lists (department and overdue among the filters)
    qs = selectors.inbox(principal=principal)
    if fmt := INBOX.wants_export(request):
        return INBOX.export(request, qs, fmt=fmt, record=data_export_record)
    state = INBOX.page(request, qs)
    return render(
        request,
        "complaints/inbox.html",
        {
            "page": state.rows,
            "list": state,
            "today": timezone.localdate(),
            "overdue": overdue,
            "department": department or "",
            "unrouted": selectors.unrouted(principal=principal).count(),
            "can_enter": principal.has(Capability.HANDLE_COMPLAINTS),
        },
    )


@login_required
def unrouted(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    qs = selectors.unrouted(principal=principal)
    return render(request, "complaints/unrouted.html", {"subs": qs[:200]})


@login_required
@require_http_methods(["GET", "POST"])
def desk_new(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not principal.has(Capability.HANDLE_COMPLAINTS):
        raise Http404
    form = DeskForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = services.submission_intake(
                actor=request.user,
                kind=d["kind"],
                channel=d["channel"],
                text=d["text"],
                title=d["title"],
                reporter_type=ReporterType.ANONYMOUS if d["anonymous"] else ReporterType.PERSON,
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                entity_name=d["entity_name"],
                entity_uscc=d["entity_uscc"],
                place=d["place"],
                matter_code=d["matter"],
                attachments=_uploads(request),
            )
        except DomainError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request, _("已登记，查询码 %(code)s。") % {"code": result.submission.receipt_code}
            )
            return redirect("complaints:detail", code=result.submission.receipt_code)
    return render(request, "complaints/desk_new.html", {"form": form}, status=400 if form.is_bound else 200)


def _detail_context(request: HttpRequest, sub: Submission) -> dict[str, Any]:
    from crossreg.orgs.models import Department, Domain

    principal = _principal(request)
    actions = workflow.submission_actions(
        kind=sub.kind, state=sub.state, principal=principal, department_id=sub.department_id
    )
    contact = (
        contact_decrypt(sub.contact_cipher)
        if workflow.contact_visible(principal, sub.department_id)
        else None
    )
    suggestions = (
        selectors.duplicate_suggestions(
            entity_id=sub.entity_id, place_key=sub.place_key, tokens=sub.text_tokens, exclude_id=sub.pk
        )
        if sub.state == State.RECEIVED and sub.duplicate_of_id is None
        else []
    )
    return {
        "sub": sub,
        "actions": [
            (a, TRANSITION_LABELS.get(a, a)) for a in actions if a not in {"route", "mark_duplicate", "split"}
        ],
        "can_route": "route" in actions,
        "can_duplicate": "mark_duplicate" in actions,
        "can_split": "split" in actions,
        "contact": contact,
        "masked": {"name": "", "phone": ""},
        "events": [
            (e, TRANSITION_LABELS.get(e.transition, e.transition), State(e.to_state).label)
            for e in sub.events.all()
        ],
        "attachments": list(sub.attachments.only("id", "name", "size", "sha256", "content_type")),
        "suggestions": suggestions,
        "departments": Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code"),
        "domains": Domain.objects.order_by("code"),
        "children": list(sub.children.all()),
        "duplicates": list(sub.duplicates.all()),
        "rewards": list(sub.rewards.all()),
        "can_classify": sub.state == State.RECEIVED
        and (workflow.is_intake_desk(principal) or workflow.contact_visible(principal, sub.department_id)),
        "today": timezone.localdate(),
    }


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    sub = selectors.submission_get(principal=_principal(request), receipt_code=code)
    if sub is None:
        raise Http404
    return render(request, "complaints/detail.html", _detail_context(request, sub))


@login_required
@require_POST
def action(request: HttpRequest, code: str) -> HttpResponse:
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Department

    principal = _principal(request)
    sub = selectors.submission_get(principal=principal, receipt_code=code)
    if sub is None:
        raise Http404
    t = request.POST.get("transition", "")
    try:
        if t == "classify":
            entity = None
            if request.POST.get("entity_id", "").strip().isdigit():
                entity = Entity.objects.filter(pk=int(request.POST["entity_id"])).first()
                if entity is None:
                    raise services.Invalid(_("没有这个主体。"), field="entity_id")
            elif request.POST.get("entity_uscc", "").strip():
                entity = selectors.entity_resolve(uscc=request.POST["entity_uscc"]).entity
                if entity is None:
                    raise services.Invalid(_("没有这个统一社会信用代码的主体。"), field="entity_uscc")
            services.submission_classify(
                actor=request.user, submission=sub, matter_code=request.POST.get("matter"), entity=entity
            )
        else:
            department = None
            if request.POST.get("department"):
                department = Department.objects.filter(code=request.POST["department"]).first()
            original = None
            if request.POST.get("original"):
                original = Submission.objects.filter(
                    receipt_code=request.POST["original"].strip().upper()
                ).first()
                if original is None:
                    raise services.Invalid(_("没有这个原件查询码。"), field="original")
            parts = []
            for i in range(4):
                dep, text = request.POST.get(f"part{i}_department", ""), request.POST.get(f"part{i}_text", "")
                if dep or text:
                    parts.append({"department": dep, "text": text})
            grade = request.POST.get("reward_grade", "")
            services.submission_transition(
                actor=request.user,
                submission=sub,
                transition=t,
                reason=request.POST.get("reason", ""),
                department=department,
                original=original,
                parts=parts,
                reward_grade=int(grade) if grade.isdigit() else None,
                satisfaction=request.POST.get("satisfaction", ""),
            )
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已办理：%(t)s。") % {"t": TRANSITION_LABELS.get(t, t)})
        if t == "mark_duplicate":
            return redirect("complaints:detail", code=sub.receipt_code)
    refreshed = selectors.submission_get(principal=principal, receipt_code=code)
    if refreshed is None:  # routed away or returned: no longer ours
        return redirect("complaints:inbox")
    return redirect("complaints:detail", code=code)


@login_required
def rewards(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    rows = []
    for r in selectors.reward_visible_list(principal=principal).order_by("state", "-created_at")[:200]:
        who = None
        if workflow.reporter_visible_for_reward(principal, r.department_id):
            who = contact_decrypt(r.submission.contact_cipher)
        rows.append(
            {
                "r": r,
                "who": who,
                "actions": [
                    (a, TRANSITION_LABELS.get(a, a))
                    for a in workflow.reward_actions(
                        state=r.state, principal=principal, department_id=r.department_id
                    )
                ],
            }
        )
    return render(request, "complaints/rewards.html", {"rows": rows})


@login_required
@require_POST
def reward_action(request: HttpRequest, pk: int) -> HttpResponse:
    reward = selectors.reward_visible_list(principal=_principal(request)).filter(pk=pk).first()
    if reward is None:
        raise Http404
    try:
        services.reward_transition(
            actor=request.user,
            reward=reward,
            transition=request.POST.get("transition", ""),
            reason=request.POST.get("reason", ""),
            payment_ref=request.POST.get("payment_ref", ""),
        )
    except DomainError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已办理。"))
    return redirect("complaints:rewards")


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        since = dt.date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = today - dt.timedelta(days=365)
    try:
        until = dt.date.fromisoformat(request.GET.get("until", ""))
    except ValueError:
        until = today
    return since, until


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    principal = _principal(request)
    if not (
        principal.sees_all
        or principal.has(Capability.VIEW_DEPARTMENT_DATA)
        or principal.has(Capability.HANDLE_COMPLAINTS)
    ):
        raise Http404
    since, until = _period(request)
    s = selectors.statistics(principal=principal, since=since, until=until)
    return render(
        request,
        "complaints/stats.html",
        {
            "s": s,
            "since": since,
            "until": until,
            "matter_chart": charts.bar_chart_svg(
                [(r["matter__name"] or _("未分类"), r["n"]) for r in s["by_matter"]], title=_("按事项领域")
            ),
            "department_chart": charts.bar_chart_svg(
                [(r["department__short_name"] or _("待分办"), r["n"]) for r in s["by_department"]],
                title=_("按承办部门"),
            ),
        },
    )


# --- panels -----------------------------------------------------------------------------------


def entity_panel(request: HttpRequest, host_id: str) -> str | None:
    principal = Principal.of(request)
    if principal.is_anonymous or not str(host_id).isdigit():
        return None
    subs = list(
        selectors.submission_visible_list(principal=principal)
        .filter(entity_id=int(host_id))
        .order_by("-received_at")[:20]
    )
    if not subs:
        return None
    return render_to_string("complaints/panel_entity.html", {"subs": subs}, request=request)


def dashboard_panel(request: HttpRequest, host_id: str) -> str | None:
    principal = Principal.of(request)
    if not (principal.sees_all or principal.has(Capability.HANDLE_COMPLAINTS)):
        return None
    today = timezone.localdate()
    s = selectors.statistics(principal=principal, since=today - dt.timedelta(days=30), until=today)
    return render_to_string("complaints/panel_dashboard.html", {"s": s}, request=request)


def mask_contact(contact: dict[str, Any]) -> dict[str, str]:
    """The one masking rule (core.masking) for contact details outside the handling department."""
    return {"name": mask_name(contact.get("name", "")), "phone": mask_phone(contact.get("phone", ""))}


__all__ = ["Reward"]
