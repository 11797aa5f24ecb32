"""Every write of complaints and reports: intake, routing, transitions, duplicates, splitting,
rewards and the 12345 feed. Each is atomic and recorded in the ledger in the same transaction.

The ledger never holds the person's name, phone or the text itself: entries carry the SHA-256 of
the text and of each attachment, the kind, channel, entity and department — enough to prove later
what was received, nothing that identifies who sent it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.complaints import clocks, conf, dedup, selectors, workflow
from crossreg.complaints.crypto import contact_encrypt
from crossreg.complaints.models import (
    Attachment,
    Channel,
    Kind,
    Outbound,
    ReporterType,
    Resolution,
    Reward,
    RewardEvent,
    RewardState,
    RoutingRule,
    RoutingRuleSet,
    State,
    Submission,
    SubmissionEvent,
)
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound, ProblemList
from crossreg.core.events import domain_event_publish
from crossreg.orgs.permissions import Principal

_RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
TEXT_MAX = 5000


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes
    content_type: str = ""


@dataclass
class IntakeResult:
    submission: Submission
    suggestions: list[selectors.Suggestion] = field(default_factory=list)


def _actor_of(actor: Any) -> tuple[Any, Principal | None, str]:
    """(user or system string for the ledger, the principal or None, the history label)."""
    if isinstance(actor, str):
        return actor, None, actor
    principal = Principal.of(actor)
    user = principal.user
    return (user if user is not None else principal.label), principal, principal.label


def _receipt_code() -> str:
    while True:
        code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(10))
        if not Submission.objects.filter(receipt_code=code).exists():
            return code


def _sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _clean_text(
    value: str, *, field: str, max_length: int, problems: ProblemList, required: bool = False
) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.add(_("必填。"), field=field, code="required")
    elif len(value) > max_length:
        problems.add(_("不能超过 %(n)d 个字。") % {"n": max_length}, field=field, code="too_long")
    elif _MARKUP.search(value):
        problems.add(_("不能包含网页标记（尖括号标签）。"), field=field, code="markup")
    return value


def attachments_check(files: Sequence[Upload], problems: ProblemList) -> None:
    """Size, count and type of attachments, each problem naming the file."""
    types: dict[str, str] = conf.get("COMPLAINT_ATTACHMENT_TYPES")
    limit = int(conf.get("COMPLAINT_ATTACHMENT_MAX_BYTES"))
    if len(files) > int(conf.get("COMPLAINT_ATTACHMENT_MAX_COUNT")):
        problems.add(
            _("最多上传 %(n)d 个附件。") % {"n": conf.get("COMPLAINT_ATTACHMENT_MAX_COUNT")},
            field="attachments",
        )
    for i, f in enumerate(files):
        ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
        where = f"attachments[{i}]"
        if ext not in types:
            problems.add(
                _("“%(name)s”的类型不允许；允许：%(types)s。")
                % {"name": f.name, "types": "、".join(sorted(types))},
                field=where,
                code="file_type",
            )
        elif len(f.content) > limit:
            problems.add(
                _("“%(name)s”超过 %(mb).1f MB 的大小限制。") % {"name": f.name, "mb": limit / 1048576},
                field=where,
                code="file_size",
            )
        elif not _content_matches(ext, f.content):
            problems.add(
                _("“%(name)s”的内容与文件类型不符。") % {"name": f.name}, field=where, code="file_type"
            )


_MAGIC = {"png": b"\x89PNG", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "pdf": b"%PDF"}


def _content_matches(ext: str, content: bytes) -> bool:
    magic = _MAGIC.get(ext)
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return content.startswith(magic)


def _route(sub: Submission) -> RoutingRule | None:
    industry = sub.entity.industry_id if sub.entity_id is not None and sub.entity is not None else None
    rule = selectors.route_find(matter_id=sub.matter_id, industry_code=industry)
    sub.routing_rule = rule
    sub.department = rule.department if rule is not None else None
    return rule


def _set_clock(sub: Submission, started_on: dt.date) -> None:
    step, deadline = clocks.step_deadline(sub.kind, sub.state, started_on)
    sub.deadline_step, sub.deadline, sub.step_started_on = step, deadline, started_on
    sub.overdue = False


def _refs(sub: Submission) -> list[tuple[str, str | int]]:
    return [("entity", sub.entity_id)] if sub.entity_id is not None else []


def _payload(sub: Submission, **extra: Any) -> dict[str, Any]:
    """What the ledger holds about a submission: never the person, never the text itself."""
    return {
        "receipt_code": sub.receipt_code,
        "kind": sub.kind,
        "channel": sub.channel,
        "state": sub.state,
        "department": sub.department_id,
        "matter": sub.matter_id,
        "entity": sub.entity_id,
        "text_sha256": sub.text_sha256,
        "has_contact": bool(sub.contact_cipher),
        **extra,
    }


def _event(
    sub: Submission,
    *,
    transition: str,
    from_state: str,
    label: str,
    user: Any,
    reason: str = "",
    public: bool = True,
) -> None:
    SubmissionEvent.objects.create(
        submission=sub,
        transition=transition,
        from_state=from_state,
        to_state=sub.state,
        actor=user if not isinstance(user, str) else None,
        actor_label=label,
        department=sub.department,
        reason=reason,
        public=public,
    )


# --- intake -----------------------------------------------------------------------------------


@transaction.atomic
def submission_intake(
    *,
    actor: Any,
    kind: str,
    channel: str,
    text: str,
    title: str = "",
    reporter_type: str = ReporterType.PERSON,
    contact_name: str = "",
    contact_phone: str = "",
    contact_id_number: str = "",
    contact_email: str = "",
    entity_uscc: str = "",
    entity_name: str = "",
    entity: Any = None,
    place: str = "",
    division_code: str = "",
    matter_code: str = "",
    attachments: Sequence[Upload] = (),
    work_order_no: str | None = None,
    received_at: dt.datetime | None = None,
) -> IntakeResult:
    """Register a submission, resolve its entity, route it, start its clock and suggest duplicates.

    Refused whole (nothing written) with every problem named by field: no entity and no place, a
    complaint without the person's phone, a bad phone number, an attachment too big or of a
    refused type, markup in free text.
    """
    from crossreg.orgs.models import Division, Domain

    user, _principal, label = _actor_of(actor)
    problems = ProblemList()
    if kind not in Kind.values:
        problems.add(_("类别必须是投诉、举报、咨询或建议之一。"), field="kind", code="choice")
    if channel not in Channel.values:
        problems.add(_("未知的渠道。"), field="channel", code="choice")
    if reporter_type not in ReporterType.values:
        problems.add(_("未知的提交人类型。"), field="reporter_type", code="choice")
    text = _clean_text(text, field="text", max_length=TEXT_MAX, problems=problems, required=True)
    title = _clean_text(title, field="title", max_length=120, problems=problems)
    place = _clean_text(place, field="place", max_length=200, problems=problems)
    entity_name = _clean_text(entity_name, field="entity_name", max_length=128, problems=problems)
    contact_name = _clean_text(contact_name, field="contact_name", max_length=32, problems=problems)
    contact_phone = (contact_phone or "").strip().replace(" ", "")
    entity_uscc = (entity_uscc or "").strip().upper()
    if contact_phone and not _PHONE.match(contact_phone):
        problems.add(
            _("电话号码格式不正确（手机号 11 位，或区号-号码）。"), field="contact_phone", code="phone"
        )
    anonymous = reporter_type == ReporterType.ANONYMOUS
    if kind == Kind.COMPLAINT and (anonymous or not contact_phone or not contact_name):
        problems.add(
            _("投诉是本人的消费争议，需要留下姓名和联系电话（举报可以匿名）。"),
            field="contact_phone",
            code="required",
        )
    if anonymous and (contact_name or contact_phone):
        contact_name = contact_phone = contact_id_number = contact_email = ""
    if entity is None and not entity_uscc and not entity_name and not place:
        problems.add(
            _("请填写被投诉举报的单位（名称或统一社会信用代码）或具体地点。"), field="entity", code="required"
        )
    division = None
    if division_code:
        division = Division.objects.filter(code=division_code.strip()).first()
        if division is None:
            problems.add(_("未知的行政区划代码。"), field="division_code", code="unknown")
    matter = None
    if matter_code:
        matter = Domain.objects.filter(code=matter_code.strip()).first()
        if matter is None:
            problems.add(_("未知的事项领域。"), field="matter", code="unknown")
    attachments_check(attachments, problems)
    problems.raise_if_any()

    if work_order_no is not None:
        existing = Submission.objects.filter(work_order_no=work_order_no).first()
        if existing is not None:
            return IntakeResult(existing, [])

    resolution = Resolution.NONE
    if entity is None and (entity_uscc or entity_name):
        found = selectors.entity_resolve(uscc=entity_uscc, name=entity_name)
        entity = found.entity
        resolution = Resolution.RESOLVED if entity is not None else Resolution.UNRESOLVED
    elif entity is not None:
        resolution = Resolution.RESOLVED
    now = received_at or timezone.now()
    today = timezone.localdate(now)
    sub = Submission(
        receipt_code=_receipt_code(),
        kind=kind,
        channel=channel,
        work_order_no=work_order_no or None,
        reporter_type=reporter_type,
        contact_cipher=contact_encrypt(
            {
                "name": contact_name,
                "phone": contact_phone,
                "id_number": contact_id_number,
                "email": contact_email,
            }
        ),
        entity=entity,
        entity_name=entity_name or (entity.name if entity is not None else ""),
        entity_uscc=entity_uscc,
        resolution=resolution,
        place=place or (entity.address if entity is not None else ""),
        division=division or (entity.division if entity is not None else None),
        matter=matter,
        title=title,
        text=text,
        text_tokens=dedup.tokens(f"{title} {text}"),
        text_sha256=_sha256(text),
        received_at=now,
        received_on=today,
        created_by=user if not isinstance(user, str) else None,
    )
    sub.place_key = dedup.place_key(sub.place)
    _route(sub)
    _set_clock(sub, today)
    sub.save()
    hashes = []
    for f in attachments:
        digest = _sha256(f.content)
        ext = f.name.rsplit(".", 1)[-1].lower()
        Attachment.objects.create(
            submission=sub,
            name=f.name[:200],
            content_type=conf.get("COMPLAINT_ATTACHMENT_TYPES")[ext],
            size=len(f.content),
            sha256=digest,
            content=f.content,
        )
        hashes.append(digest)
    _event(sub, transition="receive", from_state="", label=label, user=user)
    audit_record(
        actor=user,
        action="complaint.receive",
        subject_type="complaint",
        subject_id=sub.pk,
        payload=_payload(
            sub,
            work_order_no=sub.work_order_no,
            resolution=sub.resolution,
            routing_rule=sub.routing_rule_id,
            deadline=sub.deadline.isoformat() if sub.deadline else None,
            attachments=hashes,
        ),
        evidence=hashes,
        refs=_refs(sub),
    )
    suggestions = selectors.duplicate_suggestions(
        entity_id=sub.entity_id,
        place_key=sub.place_key,
        tokens=sub.text_tokens,
        exclude_id=sub.pk,
        today=today,
    )
    return IntakeResult(sub, suggestions)


# --- subject changes (re-run routing) ---------------------------------------------------------


def _locked(sub: Submission) -> Submission:
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("entity", "department")
        .get(pk=sub.pk)
    )
    if sub.updated_at is not None and locked.updated_at != sub.updated_at and locked.state != sub.state:
        raise Conflict(_("这件投诉举报已被他人处理，请刷新后再试。"), field="state", code="changed")
    return locked


@transaction.atomic
def submission_classify(
    *, actor: Any, submission: Submission, matter_code: str | None = None, entity: Any = None
) -> Submission:
    """Change the matter or the entity (an unresolved one resolved by a person) and route again."""
    from crossreg.orgs.models import Domain

    user, principal, label = _actor_of(actor)
    sub = _locked(submission)
    if sub.state != State.RECEIVED:
        raise Conflict(_("只有尚未受理的件可以改分类或主体。"), field="state")
    if principal is not None and not (
        workflow.is_intake_desk(principal) or workflow.contact_visible(principal, sub.department_id)
    ):
        raise Forbidden(_("您不能修改这件投诉举报。"))
    changed: dict[str, Any] = {}
    if matter_code is not None:
        matter = Domain.objects.filter(code=matter_code).first() if matter_code else None
        if matter_code and matter is None:
            raise Invalid(_("未知的事项领域。"), field="matter")
        changed["matter"] = [sub.matter_id, matter.pk if matter else None]
        sub.matter = matter
    if entity is not None:
        changed["entity"] = [sub.entity_id, entity.pk]
        sub.entity = entity
        sub.resolution = Resolution.RESOLVED
        if not sub.place:
            sub.place = entity.address
            sub.place_key = dedup.place_key(sub.place)
    before = sub.department_id
    _route(sub)
    sub.save()
    _event(sub, transition="classify", from_state=sub.state, label=label, user=user, public=False)
    audit_record(
        actor=user,
        action="complaint.classify",
        subject_type="complaint",
        subject_id=sub.pk,
        payload=_payload(sub, changed=changed, department_before=before, routing_rule=sub.routing_rule_id),
        refs=_refs(sub),
    )
    return sub


# --- transitions ------------------------------------------------------------------------------


def _clue_domain(sub: Submission) -> Any:
    """The clue's domain: the matter, else the handling department's (first) responsibility."""
    if sub.matter_id is not None:
        return sub.matter
    dept_domain = sub.department.domains.order_by("code").first() if sub.department is not None else None
    if dept_domain is None:
        raise Invalid(_("请先确定事项领域（线索需要领域）。"), field="matter", code="required")
    return dept_domain


_GRADE_SEVERITY = {1: "high", 2: "medium", 3: "low"}


def _clue_raise(*, actor: Any, sub: Submission) -> str:
    """A justified report is a clue about its entity (idempotent by source and receipt code)."""
    from crossreg.clues.services import clue_raise

    hint = None
    if sub.entity_id is None:
        hint = {"uscc": sub.entity_uscc, "name": sub.entity_name, "address": sub.place}
    clue = clue_raise(
        actor=actor,
        source="complaint",
        source_ref=sub.receipt_code,
        entity=sub.entity,
        entity_hint=hint,
        domain=_clue_domain(sub),
        risk_type="report",
        severity=_GRADE_SEVERITY.get(sub.reward_grade or 3, "low"),
        observed_from=sub.received_at,
        observed_to=max(timezone.now(), sub.received_at),
        summary=(sub.title or sub.text[:60]),
        evidence=[
            {"sha256": digest, "kind": "attachment", "origin": "complaint"}
            for digest in sub.attachments.values_list("sha256", flat=True)
        ],
        department_hint=sub.department,
    )
    return str(getattr(clue, "pk", clue))


def _case_source(*, actor: Any, sub: Submission) -> str:
    from crossreg.cases.services import case_source_register

    if sub.entity is None:
        raise Invalid(_("立案需要先关联被举报主体。"), field="entity")
    if sub.department is None:
        raise Invalid(_("请选择承办部门。"), field="department", code="required")
    source = case_source_register(
        actor=actor,
        department=sub.department,
        entity=sub.entity,
        kind="complaint",
        ref=sub.receipt_code,
        summary=(sub.title or sub.text[:60]),
        discovered_on=sub.received_on,
        evidence=tuple(sub.attachments.values_list("sha256", flat=True)),
    )
    return str(getattr(source, "pk", source))


def _reply_push(*, sub: Submission, text: str) -> None:
    """For a 12345 work order: the outbound record and ``complaint.reply.sent`` (the exchange's
    outbox delivers it back to the hotline)."""
    if not sub.work_order_no:
        return
    event = domain_event_publish(
        type="complaint.reply.sent",
        subject=f"complaint/{sub.pk}",
        data={
            "work_order_no": sub.work_order_no,
            "receipt_code": sub.receipt_code,
            "kind": sub.kind,
            "state": sub.state,
            "department_id": sub.department_id,
            "reply": text,
            "replied_at": (sub.replied_at or timezone.now()).isoformat(),
        },
        department_id=sub.department_id,
        entity_id=sub.entity_id,
    )
    Outbound.objects.create(
        submission=sub, work_order_no=sub.work_order_no, payload=dict(event.data), event_id=event.id
    )


@transaction.atomic
def submission_transition(
    *,
    actor: Any,
    submission: Submission,
    transition: str,
    reason: str = "",
    department: Any = None,
    original: Submission | None = None,
    parts: Sequence[dict[str, Any]] = (),
    reward_grade: int | None = None,
    satisfaction: str = "",
    today: dt.date | None = None,
) -> Submission:
    """Make ``transition``: lock the row, check the table, write history and ledger, publish."""
    user, principal, label = _actor_of(actor)
    sub = _locked(submission)
    before = sub.state
    who: Principal | str = principal if principal is not None else str(actor)
    step = workflow.submission_step(
        kind=sub.kind, state=sub.state, transition=transition, actor=who, department_id=sub.department_id
    )
    if step is None:
        if (sub.state, transition) not in workflow.TRANSITIONS.get(sub.kind, {}):
            raise Conflict(
                _("“%(state)s”状态下不能“%(t)s”。") % {"state": State(sub.state).label, "t": transition},
                field="transition",
                code="not_allowed",
            )
        raise Forbidden(_("您没有办理这一步的权限。"), field="transition")
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    extra: dict[str, Any] = {}
    needs_reason = {"refuse", "return", "agree", "end_mediation", "justify", "unjustify", "extend", "reply"}
    if transition in needs_reason and not reason:
        field = {"reply": "reply_text", "justify": "verification", "unjustify": "verification"}.get(
            transition, "reason"
        )
        raise Invalid(_("请填写理由或内容。"), field=field, code="required")
    if reason and _MARKUP.search(reason):
        raise Invalid(_("不能包含网页标记（尖括号标签）。"), field="reason", code="markup")

    if transition == "route":
        if department is None:
            raise Invalid(_("请选择承办部门。"), field="department", code="required")
        extra["department_before"] = sub.department_id
        sub.department = department
        sub.routing_rule = None
    elif transition == "return":
        extra["returned_by"] = sub.department_id
        sub.department = None
        sub.routing_rule = None
    elif transition == "mark_duplicate":
        if original is None:
            raise Invalid(_("请选择原件。"), field="original", code="required")
        root = selectors.root_of(original)
        if root.pk == sub.pk or not root.is_open or root.state == State.SPLIT:
            raise Conflict(_("原件必须是另一件仍在办理中的投诉举报。"), field="original")
        sub.duplicate_of = root
        extra["original"] = root.receipt_code
        reason = reason or _("与 %(code)s 反映同一问题，并入原件办理。") % {"code": root.receipt_code}
    elif transition == "split":
        _split(sub=sub, parts=parts, user=user, label=label)
        extra["children"] = list(sub.children.values_list("receipt_code", flat=True))
    elif transition == "extend":
        if sub.extended:
            raise Conflict(_("核查期限只能延长一次。"), field="transition", code="already_extended")
        sub.extended = True
        sub.deadline = clocks.extended_deadline(sub.deadline or clocks.verify_deadline(sub.received_on))
        sub.overdue = False
        extra["deadline"] = sub.deadline.isoformat()
    elif transition in {"agree", "end_mediation"}:
        sub.mediation = reason
    elif transition in {"justify", "unjustify"}:
        sub.verification = reason
        if transition == "justify":
            grade = reward_grade or 3
            if grade not in (1, 2, 3):
                raise Invalid(_("奖励等级必须是一、二或三级。"), field="reward_grade")
            sub.reward_grade = grade
    elif transition == "reply":
        sub.reply_text = reason
        sub.replied_at = timezone.now()
    elif transition == "close":
        if satisfaction and satisfaction not in {"satisfied", "basic", "unsatisfied", "unreachable"}:
            raise Invalid(_("未知的满意度。"), field="satisfaction")
        sub.satisfaction = satisfaction
        sub.closed_at = timezone.now()

    if transition != "split":
        sub.state = step.to
    if transition == "reply":
        sub.replied_on_time = sub.deadline is None or today <= sub.deadline
    # A new step starts a new clock, except the report's verification: its 15 working days run
    # from receipt (the deadline set at intake stays).
    if sub.state != before and not (sub.kind == Kind.REPORT and sub.state == State.VERIFYING):
        _set_clock(sub, today)
    if transition == "justify":
        sub.clue_ref = _clue_raise(actor=user, sub=sub)
        extra["clue"] = sub.clue_ref
        domain_event_publish(
            type="complaint.report.justified",
            subject=f"complaint/{sub.pk}",
            data={
                "receipt_code": sub.receipt_code,
                "entity_id": sub.entity_id,
                "department_id": sub.department_id,
                "matter": sub.matter_id,
                "received_on": sub.received_on.isoformat(),
                "clue": sub.clue_ref,
            },
            department_id=sub.department_id,
            entity_id=sub.entity_id,
        )
    if transition == "open_case":
        sub.case_source_ref = _case_source(actor=user, sub=sub)
        extra["case_source"] = sub.case_source_ref
    sub.save()
    _event(sub, transition=transition, from_state=before, label=label, user=user, reason=reason)
    audit_record(
        actor=user,
        action=f"complaint.{transition}",
        subject_type="complaint",
        subject_id=sub.pk,
        payload=_payload(sub, from_state=before, reason_sha256=_sha256(reason) if reason else None, **extra),
        refs=_refs(sub),
    )
    if transition == "reply":
        _reply_push(sub=sub, text=reason)
        _follow_original(sub=sub, user=user, label=label)
    if transition == "close":
        for dup in sub.duplicates.filter(state=State.REPLIED):
            dup.state = State.CLOSED
            dup.closed_at = sub.closed_at
            dup.save(update_fields=["state", "closed_at", "updated_at"])
            _event(dup, transition="close", from_state=State.REPLIED, label=label, user=user)
    return sub


def _follow_original(*, sub: Submission, user: Any, label: str) -> None:
    """The duplicates' submitters follow the original: they get its reply (hotline ones pushed)."""
    for dup in Submission.objects.select_for_update().filter(duplicate_of=sub, state=State.DUPLICATE):
        dup.state = State.REPLIED
        dup.reply_text = sub.reply_text
        dup.replied_at = sub.replied_at
        dup.save(update_fields=["state", "reply_text", "replied_at", "updated_at"])
        _event(
            dup, transition="reply", from_state=State.DUPLICATE, label=label, user=user, reason=sub.reply_text
        )
        audit_record(
            actor=user,
            action="complaint.reply",
            subject_type="complaint",
            subject_id=dup.pk,
            payload=_payload(dup, from_state=State.DUPLICATE, original=sub.receipt_code),
            refs=_refs(dup),
        )
        _reply_push(sub=dup, text=sub.reply_text)


def _split(*, sub: Submission, parts: Sequence[dict[str, Any]], user: Any, label: str) -> None:
    """Several departments' matters: linked children, each routed to its own department."""
    from crossreg.orgs.models import Department, Domain

    if len(parts) < 2:
        raise Invalid(_("拆分至少需要两个部分。"), field="parts", code="required")
    problems = ProblemList()
    rows = []
    for i, part in enumerate(parts):
        dept = (
            Department.objects.filter(code=part.get("department", "")).first()
            if part.get("department")
            else None
        )
        matter = Domain.objects.filter(code=part.get("matter", "")).first() if part.get("matter") else None
        text = (part.get("text") or "").strip()
        if dept is None and matter is None:
            problems.add(
                _("每个部分需要承办部门或事项领域。"), field=f"parts[{i}].department", code="required"
            )
        if not text:
            problems.add(_("必填。"), field=f"parts[{i}].text", code="required")
        rows.append((dept, matter, text))
    problems.raise_if_any()
    for dept, matter, text in rows:
        child = Submission(
            receipt_code=_receipt_code(),
            kind=sub.kind,
            channel=sub.channel,
            parent=sub,
            reporter_type=sub.reporter_type,
            contact_cipher=sub.contact_cipher,
            entity=sub.entity,
            entity_name=sub.entity_name,
            entity_uscc=sub.entity_uscc,
            resolution=sub.resolution,
            place=sub.place,
            place_key=sub.place_key,
            division=sub.division,
            matter=matter,
            title=sub.title,
            text=text,
            text_tokens=dedup.tokens(text),
            text_sha256=_sha256(text),
            received_at=sub.received_at,
            received_on=sub.received_on,
        )
        if dept is not None:
            child.department = dept
        else:
            _route(child)
        _set_clock(child, sub.received_on)
        child.save()
        _event(child, transition="receive", from_state="", label=label, user=user, reason=sub.receipt_code)
        audit_record(
            actor=user,
            action="complaint.receive",
            subject_type="complaint",
            subject_id=child.pk,
            payload=_payload(child, parent=sub.receipt_code),
            refs=_refs(child),
        )
    sub.state = State.SPLIT


# --- clocks -----------------------------------------------------------------------------------


@transaction.atomic
def deadlines_flag(*, today: dt.date | None = None) -> int:
    """Flag open submissions whose step is past its deadline (one ledger entry per newly overdue)."""
    from crossreg.ledger.services import LedgerRecord, ledger_append_many

    today = today or timezone.localdate()
    late = list(
        Submission.objects.select_for_update()
        .filter(overdue=False, deadline__lt=today, state__in=list(clocks.STEP_STATES))
        .only("id", "receipt_code", "deadline", "deadline_step", "entity_id", "department_id", "state")
    )
    if not late:
        return 0
    Submission.objects.filter(pk__in=[s.pk for s in late]).update(overdue=True)
    ledger_append_many(
        records=[
            LedgerRecord(
                actor="system:complaints",
                action="complaint.overdue",
                subject_type="complaint",
                subject_id=str(s.pk),
                payload={
                    "receipt_code": s.receipt_code,
                    "step": s.deadline_step,
                    "deadline": s.deadline.isoformat() if s.deadline else None,
                    "department": s.department_id,
                    **({"refs": [{"type": "entity", "id": str(s.entity_id)}]} if s.entity_id else {}),
                },
            )
            for s in late
        ]
    )
    return len(late)


# --- routing rules ----------------------------------------------------------------------------


@transaction.atomic
def routing_rules_derive(*, actor: Any, note: str = "") -> RoutingRuleSet:
    """A new version of the routing rules from the published catalog and departments' domains.

    Order (first match wins): each published supervision item's domains × its industries → its
    department; then each supervising department's domains → the department; then everything
    else → ``COMPLAINT_FALLBACK_DEPARTMENT``. A version identical to the current one is not
    written again (the current one is returned).
    """
    from crossreg.catalog.selectors import catalog_export_versions
    from crossreg.orgs.models import Department

    user, _principal, _label = _actor_of(actor)
    rows: list[tuple[str | None, str, str, str, str]] = []
    seen: set[tuple[str | None, str]] = set()
    for v in catalog_export_versions():
        industries = [
            c.strip() for c in (v.industry_codes or "").replace("，", ",").split(",") if c.strip()
        ] or [""]
        for d in v.domains.all():
            for ind in industries:
                key = (d.pk, ind[:4])
                if key in seen:
                    continue
                seen.add(key)
                rows.append((d.pk, ind[:4], v.item.department_id, v.item.code, "item"))
    for dept in (
        Department.objects.filter(role=Department.Role.SUPERVISING)
        .prefetch_related("domains")
        .order_by("code")
    ):
        for d in dept.domains.all():
            if (d.pk, "") in seen:
                continue
            seen.add((d.pk, ""))
            rows.append((d.pk, "", dept.pk, "", "responsibility"))
    fallback = Department.objects.filter(code=conf.get("COMPLAINT_FALLBACK_DEPARTMENT")).first()
    if fallback is not None:
        rows.append((None, "", fallback.pk, "", "fallback"))
    digest = _sha256(repr(rows))
    current = selectors.ruleset_current()
    if current is not None and current.source_hash == digest:
        return current
    version = (RoutingRuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0) + 1
    RoutingRuleSet.objects.filter(active=True).update(active=False)
    rs = RoutingRuleSet.objects.create(version=version, note=note, source_hash=digest, created_by=_label)
    RoutingRule.objects.bulk_create(
        RoutingRule(
            ruleset=rs,
            seq=i,
            matter_id=m,
            industry_prefix=ind,
            department_id=dep,
            item_code=code,
            basis=basis,
        )
        for i, (m, ind, dep, code, basis) in enumerate(rows, start=1)
    )
    audit_record(
        actor=user,
        action="complaint_routing.publish",
        subject_type="complaint_routing",
        subject_id=rs.pk,
        payload={"version": version, "rules": len(rows), "source_sha256": digest},
    )
    return rs


# --- rewards ----------------------------------------------------------------------------------


def reward_amount(
    *, grade: int, fine: Decimal, confiscation: Decimal, rule: dict[str, Any]
) -> tuple[Decimal, Decimal, bool]:
    """(computed, awarded, capped): rate × (fine + confiscation), at least the grade's minimum,
    at most the cap per case. Rounded to the fen."""
    g = rule["grades"][str(grade)]
    base = (fine or Decimal(0)) + (confiscation or Decimal(0))
    computed = (base * Decimal(g["rate"])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    amount = max(computed, Decimal(g["minimum"]))
    cap = Decimal(rule["cap"])
    capped = amount > cap
    return computed, min(amount, cap).quantize(Decimal("0.01")), capped


def _find_reported(source: dict[str, Any]) -> Submission | None:
    kind, ref = str(source.get("kind") or ""), str(source.get("ref") or "")
    if not ref:
        return None
    if kind == "complaint":
        return Submission.objects.filter(receipt_code=ref, kind=Kind.REPORT).first()
    if kind == "clue":
        return Submission.objects.filter(clue_ref=ref, kind=Kind.REPORT).first()
    return None


def _decision_source(data: dict[str, Any]) -> dict[str, Any]:
    src = data.get("source")
    if isinstance(src, dict):
        return src
    return {"kind": data.get("source_kind", ""), "ref": data.get("source_ref", "")}


@transaction.atomic
def reward_from_decision(*, actor: Any, data: dict[str, Any], event_id: str = "") -> Reward | None:
    """``case.decision.made`` whose source is one of our reports → the reward, computed by the
    configured rule (idempotent by report and case number). None if the source is not ours."""
    sub = _find_reported(_decision_source(data))
    if sub is None:
        return None
    case_number = str(data.get("case_number") or "")
    if not case_number:
        raise Invalid("case.decision.made without case_number", field="case_number")
    existing = Reward.objects.filter(submission=sub, case_number=case_number).first()
    if existing is not None:
        return existing
    user, _principal, label = _actor_of(actor)
    rule = conf.get("REWARD_RULE")
    fine = Decimal(str(data.get("fine_yuan") or data.get("fine") or 0))
    confiscation = Decimal(str(data.get("confiscation_yuan") or data.get("confiscation") or 0))
    grade = sub.reward_grade or 3
    computed, amount, capped = reward_amount(grade=grade, fine=fine, confiscation=confiscation, rule=rule)
    state, reason = RewardState.COMPUTED, ""
    if rule.get("natural_persons_only", True) and sub.reporter_type != ReporterType.PERSON:
        state, reason = RewardState.NOT_ELIGIBLE, _("奖励只给予自然人举报人。")
    elif not sub.contact_cipher:
        state, reason = RewardState.NOT_ELIGIBLE, _("匿名举报且未留联系方式，无法确认举报人。")
    elif fine + confiscation <= 0:
        state, reason = RewardState.NOT_ELIGIBLE, _("处罚决定没有罚没款，按规定另行认定。")
    decided_on = data.get("decided_on")
    reward = Reward.objects.create(
        submission=sub,
        department_id=str(data.get("department_id") or sub.department_id),
        case_number=case_number,
        decided_on=dt.date.fromisoformat(decided_on) if isinstance(decided_on, str) and decided_on else None,
        fine=fine,
        confiscation=confiscation,
        grade=grade,
        computed_amount=computed,
        amount=amount if state == RewardState.COMPUTED else Decimal(0),
        capped=capped,
        rule=rule,
        state=state,
        reason=reason,
        event_id=event_id,
    )
    RewardEvent.objects.create(
        reward=reward, transition="compute", to_state=state, actor_label=label, reason=reason
    )
    audit_record(
        actor=user,
        action="report_reward.compute",
        subject_type="report_reward",
        subject_id=reward.pk,
        payload={
            "report": sub.receipt_code,
            "case_number": case_number,
            "grade": grade,
            "fine": str(fine),
            "confiscation": str(confiscation),
            "computed": str(computed),
            "amount": str(reward.amount),
            "capped": capped,
            "state": state,
            "rule": rule.get("basis", ""),
        },
        refs=_refs(sub),
    )
    return reward


@transaction.atomic
def reward_transition(
    *, actor: Any, reward: Reward, transition: str, reason: str = "", payment_ref: str = ""
) -> Reward:
    user, principal, label = _actor_of(actor)
    r = Reward.objects.select_for_update(of=("self",)).select_related("submission").get(pk=reward.pk)
    if principal is None:
        raise Forbidden(_("奖励须由人审批。"))
    step = workflow.reward_step(
        state=r.state, transition=transition, actor=principal, department_id=r.department_id
    )
    if step is None:
        if (r.state, transition) not in workflow.REWARD_TRANSITIONS:
            raise Conflict(_("当前状态下不能这样办理。"), field="transition", code="not_allowed")
        raise Forbidden(_("您没有办理这一步的权限。"), field="transition")
    to = step.to
    if transition == "approve" and r.amount > conf.decimal("REWARD_FINANCE_ABOVE"):
        to = RewardState.FINANCE_REVIEW
    if transition in {"refuse", "finance_refuse"} and not reason.strip():
        raise Invalid(_("请填写理由或内容。"), field="reason", code="required")
    if transition == "pay":
        if not payment_ref.strip():
            raise Invalid(_("请填写支付凭证号。"), field="payment_ref", code="required")
        r.payment_ref = payment_ref.strip()[:64]
        r.paid_at = timezone.now()
    before = r.state
    r.state = to
    r.reason = reason.strip() or r.reason
    r.save()
    RewardEvent.objects.create(
        reward=r, transition=transition, from_state=before, to_state=to, actor_label=label, reason=reason
    )
    audit_record(
        actor=user,
        action=f"report_reward.{transition}",
        subject_type="report_reward",
        subject_id=r.pk,
        payload={
            "from_state": before,
            "state": to,
            "amount": str(r.amount),
            "payment_ref_sha256": _sha256(r.payment_ref) if r.payment_ref else None,
        },
        refs=_refs(r.submission),
    )
    return r


def on_case_decision(event: Any) -> None:
    """Subscriber of ``case.decision.made`` (registered in ``ComplaintsConfig.ready``)."""
    reward_from_decision(actor="system:complaints", data=dict(event.data), event_id=str(event.id))


def reporter_identity(*, actor: Any, reward: Reward) -> dict[str, Any]:
    """The reporter's contact, for the reward workflow only (approval and payment)."""
    from crossreg.complaints.crypto import contact_decrypt

    principal = Principal.of(actor)
    if not workflow.reporter_visible_for_reward(principal, reward.department_id):
        raise Forbidden(_("只有奖励审批和发放人员可以查看举报人信息。"))
    return contact_decrypt(reward.submission.contact_cipher)


def submission_get_or_404(*, principal: Principal, receipt_code: str) -> Submission:
    sub = selectors.submission_get(principal=principal, receipt_code=receipt_code)
    if sub is None:
        raise NotFound(_("没有这件投诉举报。"), field="receipt_code")
    return sub
