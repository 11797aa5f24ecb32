"""Writes for enforcement cases. Every function is keyword-only, atomic and audited.

A transition locks the case row (``select_for_update``), checks the caller's expected version
(the second of two people acting at once is told the case changed), checks the workflow table
(:mod:`crossreg.cases.workflow`) and the legal gates (:mod:`crossreg.cases.gates`), writes the
change, its append-only :class:`CaseEvent` and its ledger entry, recomputes the clocks, and
publishes domain events and notices on commit. A refused step writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.cases import clocks, conf, gates, workflow
from crossreg.cases.models import (
    Case,
    CaseEvent,
    CaseOfficer,
    CaseSource,
    CaseState,
    CompulsoryMeasure,
    DiscretionBenchmark,
    DiscretionEntry,
    Discussion,
    Document,
    DocumentCounter,
    DocumentKind,
    DocumentTemplate,
    Evidence,
    LegalReview,
    PartyKind,
    PenaltyKind,
    Procedure,
    SourceKind,
)
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from crossreg.core.events import domain_event_publish
from crossreg.orgs.models import Department, Officer, User
from crossreg.orgs.permissions import Capability, Principal

Actor = User | str

# --- helpers ---------------------------------------------------------------------------------


def _label(actor: Actor) -> str:
    return actor if isinstance(actor, str) else f"user:{actor.get_username()}"


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _is_system(actor: Actor) -> bool:
    return isinstance(actor, str) and actor.startswith("system:")


def _require(actor: Actor, capability: Capability, department_id: str, what: str) -> None:
    """System actors (``system:…``: other apps' automation, the demo) act for any department."""
    if _is_system(actor):
        return
    if not Principal.of(actor).can(capability, department_id):
        raise Forbidden(_("无权%(what)s（须本部门的相应权限）") % {"what": what}, code="forbidden")


def _act(actor: Actor, action: str, department_id: str) -> None:
    _require(actor, workflow.ACTIONS[action], department_id, str(workflow.ACTION_LABELS[action]))


def _text(value: str, field: str, *, required: bool = True, max_len: int = 4000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(_("请填写此项"), field=field, code="required")
    if len(value) > max_len:
        raise Invalid(_("不得超过 %(n)s 个字符") % {"n": max_len}, field=field, code="too_long")
    if "<" in value and ">" in value:
        raise Invalid(_("不得包含标记（< >）"), field=field, code="markup")
    return value


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("不是有效的金额"), field=field, code="invalid") from None
    if amount < 0:
        raise Invalid(_("金额不得为负"), field=field, code="invalid")
    return amount


def _kinds(values: Iterable[str], field: str = "kinds") -> list[str]:
    valid = {k.value for k in PenaltyKind}
    out = []
    for v in values:
        if v not in valid:
            raise Invalid(_("未知的处罚种类：%(k)s") % {"k": v}, field=field, code="invalid")
        if v not in out:
            out.append(v)
    return out


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _lock(case: Case, expected_version: int | None) -> Case:
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("department", "entity", "source", "discretion_entry")
        .get(pk=case.pk)
    )
    if expected_version is not None and locked.version != int(expected_version):
        raise Conflict(
            _("案件 %(n)s 已被他人更改（%(who)s），请刷新后重试")
            % {
                "n": locked.number,
                "who": locked.events.order_by("-at", "-id").values_list("actor_label", flat=True).first()
                or "",
            },
            field="version",
            code="changed",
        )
    return locked


def _refs(case: Case) -> list[tuple[str, str | int]]:
    return [("entity", case.entity_id), ("department", case.department_id)]


def _event(case: Case, *, transition: str, actor: Actor, from_state: str, note: str = "") -> None:
    CaseEvent.objects.create(
        case=case,
        transition=transition,
        from_state=from_state,
        to_state=case.state,
        actor=_user(actor),
        actor_label=_label(actor),
        note=note[:4000],
    )


def _save(case: Case, today: dt.date) -> None:
    """Recompute the case's nearest open clock (for the deadline page) and bump its version."""
    nxt = clocks.next_open(clocks.case_clocks(case, today))
    case.next_due = nxt.due if nxt else None
    case.next_due_label = nxt.key if nxt else ""
    case.version += 1  # the row is locked (select_for_update) by every caller
    case.save()


def _audit(
    case: Case, actor: Actor, action: str, payload: Mapping[str, Any], evidence: Sequence[str] = ()
) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type="case",
        subject_id=case.number,
        payload={"state": case.state, **payload},
        evidence=list(evidence),
        refs=_refs(case),
    )


def _publish(type_: str, case: Case, data: Mapping[str, Any]) -> None:
    domain_event_publish(
        type=type_,
        subject=f"case/{case.number}",
        department_id=case.department_id,
        entity_id=case.entity_id,
        data={
            "case_number": case.number,
            "department_id": case.department_id,
            "entity_id": case.entity_id,
            **data,
        },
    )


def _notify(case: Case, verb: str, subject: str, users: Iterable[User] = ()) -> None:
    from crossreg.notices.services import notice_send

    notice_send(
        verb=verb, subject=subject, link=f"/cases/{case.pk}/", users=users, departments=[case.department]
    )


# --- numbering -------------------------------------------------------------------------------


def _allocate(department: Department, year: int, word: str) -> tuple[str, int]:
    """The next number of ``word`` for the department and year, allocated under a row lock inside
    the caller's transaction: a rollback undoes it together with the document it numbered, so
    numbers have no gaps, and an issued number is never issued again."""
    for _attempt in range(3):
        row = (
            DocumentCounter.objects.select_for_update()
            .filter(department=department, year=year, word=word)
            .first()
        )
        if row is not None:
            break
        try:
            with transaction.atomic():
                DocumentCounter.objects.create(department=department, year=year, word=word, last=0)
        except IntegrityError:
            continue
    else:  # pragma: no cover - three races in a row
        raise Conflict(_("文书编号分配冲突，请重试"), code="numbering")
    assert row is not None
    row.last += 1
    row.save(update_fields=["last"])
    prefix = conf.doc_prefix(department.code, department.short_name)
    return f"{prefix}{word}〔{year}〕{row.last}号", row.last


# --- sources and filing ----------------------------------------------------------------------


def _evidence_items(evidence: Iterable[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, e in enumerate(evidence):
        item = {"sha256": e} if isinstance(e, str) else dict(e)
        sha = str(item.get("sha256", ""))
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise Invalid(
                Problem(_("第 %(n)s 项证据的 SHA-256 无效") % {"n": i + 1}, field="evidence", row=i + 1)
            )
        out.append(
            {
                "sha256": sha,
                "title": str(item.get("title") or _("来源证据")),
                "kind": str(item.get("kind") or "other"),
                "origin": str(item.get("origin") or ""),
                "size": int(item.get("size") or 0),
            }
        )
    return out


@transaction.atomic
def case_source_register(
    *,
    actor: Actor,
    department: Department,
    entity: Any,
    kind: str,
    ref: str,
    summary: str,
    discovered_on: dt.date,
    evidence: Sequence[Any] = (),
) -> CaseSource:
    """案件来源登记. Idempotent by (department, kind, ref): a second call returns the first source.

    ``evidence``: SHA-256 digests, or dicts ``{sha256, title, kind, origin}``; fixed in the ledger
    entry of the registration. The filing deadline starts at ``discovered_on``.
    """
    if kind not in SourceKind.values:
        raise Invalid(_("未知的案件来源类型：%(k)s") % {"k": kind}, field="kind")
    ref = _text(ref, "ref", max_len=100)
    existing = CaseSource.objects.filter(department=department, kind=kind, ref=ref).first()
    if existing is not None:
        return existing
    _act(actor, "register_source", department.pk)
    items = _evidence_items(evidence)
    try:
        with transaction.atomic():
            source = CaseSource.objects.create(
                department=department,
                entity=entity,
                kind=kind,
                ref=ref,
                summary=_text(summary, "summary"),
                discovered_on=discovered_on,
                evidence=items,
                filing_due=clocks.filing_due(discovered_on),
                registered_by=_label(actor),
            )
    except IntegrityError:  # registered concurrently by another caller
        return CaseSource.objects.get(department=department, kind=kind, ref=ref)
    audit_record(
        actor=actor,
        action="case.source.registered",
        subject_type="case.source",
        subject_id=source.pk,
        payload={
            "department": department.pk,
            "kind": kind,
            "ref": ref,
            "discovered_on": discovered_on.isoformat(),
            "filing_due": source.filing_due.isoformat(),
        },
        evidence=[e["sha256"] for e in items],
        refs=[("entity", entity.pk)],
    )
    return source


def _lock_source(source: CaseSource) -> CaseSource:
    return (
        CaseSource.objects.select_for_update(of=("self",))
        .select_related("department", "entity")
        .get(pk=source.pk)
    )


@transaction.atomic
def case_source_extend(*, actor: Actor, source: CaseSource, reason: str) -> CaseSource:
    """Extend the filing deadline once by 15 working days (SAMR rule Art. 18)."""
    source = _lock_source(source)
    _act(actor, "extend_filing", source.department_id)
    if source.status != CaseSource.Status.REGISTERED:
        raise Conflict(_("该来源已作出立案决定"), field="status", code="bad_state")
    if source.filing_extended:
        raise Conflict(_("立案期限只能延长一次（程序规定第18条）"), field="filing_due", code="extended")
    source.filing_extended = True
    source.filing_due = clocks.filing_due(source.discovered_on, extended=True)
    source.save(update_fields=["filing_extended", "filing_due"])
    audit_record(
        actor=actor,
        action="case.source.extended",
        subject_type="case.source",
        subject_id=source.pk,
        payload={"filing_due": source.filing_due.isoformat(), "reason": _text(reason, "reason")},
        refs=[("entity", source.entity_id)],
    )
    return source


@transaction.atomic
def case_source_decline(*, actor: Actor, source: CaseSource, reason: str) -> CaseSource:
    """A recorded decision not to file (不予立案), with its reasons."""
    source = _lock_source(source)
    _act(actor, "decline_source", source.department_id)
    if source.status != CaseSource.Status.REGISTERED:
        raise Conflict(_("该来源已作出立案决定"), field="status", code="bad_state")
    source.status = CaseSource.Status.NOT_FILED
    source.decision_reason = _text(reason, "reason")
    source.decided_at = timezone.now()
    source.save(update_fields=["status", "decision_reason", "decided_at"])
    audit_record(
        actor=actor,
        action="case.source.declined",
        subject_type="case.source",
        subject_id=source.pk,
        payload={"reason": source.decision_reason},
        refs=[("entity", source.entity_id)],
    )
    return source


def _officers(ids: Sequence[int | Officer]) -> list[Officer]:
    pks = [o.pk if isinstance(o, Officer) else int(o) for o in ids]
    found = {o.pk: o for o in Officer.objects.filter(pk__in=pks)}
    missing = [p for p in pks if p not in found]
    if missing:
        raise Invalid(_("未找到执法人员：%(ids)s") % {"ids": missing}, field="officers")
    return [found[p] for p in dict.fromkeys(pks)]


@transaction.atomic
def case_file(
    *,
    actor: Actor,
    source: CaseSource,
    officers: Sequence[int | Officer],
    title: str,
    facts: str = "",
    party_kind: str | None = None,
    major_public_interest: bool = False,
    complex_case: bool = False,
    major_case: bool = False,
    late_reason: str = "",
    today: dt.date | None = None,
) -> Case:
    """立案: the department head approves filing; the case starts with two certified officers.

    Refused (naming the rule) without two certified, non-recused officers of the department
    (Art. 42/43); a filing after the deadline needs a written reason and is marked late.
    """
    today = _today(today)
    source = _lock_source(source)
    _act(actor, "file", source.department_id)
    if source.status != CaseSource.Status.REGISTERED:
        raise Conflict(_("该来源已作出立案决定"), field="status", code="bad_state")
    team = _officers(officers)
    problems = gates.officers_problems(
        team, entity_id=source.entity_id, department_id=source.department_id, on=today
    )
    late = today > source.filing_due
    if late and not late_reason.strip():
        problems.append(
            Problem(
                _("立案期限已于 %(d)s 届满（程序规定第18条），逾期立案须说明理由") % {"d": source.filing_due},
                field="late_reason",
                code="filing_late",
            )
        )
    if problems:
        raise Invalid(*problems)
    entity = source.entity
    if party_kind is None:
        party_kind = PartyKind.ORGANISATION if entity.entity_type == "enterprise" else PartyKind.NATURAL
    number, _seq = _allocate(source.department, today.year, "立")
    case = Case.objects.create(
        number=number,
        department=source.department,
        entity=entity,
        source=source,
        task_code=source.ref.split(":")[0] if source.kind == SourceKind.INSPECTION else "",
        title=_text(title, "title", max_len=200),
        facts=_text(facts, "facts", required=False),
        party_kind=party_kind,
        party_name=entity.name,
        party_representative=entity.legal_rep or "",
        major_public_interest=major_public_interest,
        complex_case=complex_case,
        major_case=major_case,
        discovered_on=source.discovered_on,
        filed_on=today,
        filed_late=late,
    )
    CaseOfficer.objects.bulk_create(
        [CaseOfficer(case=case, officer=o, lead=i == 0) for i, o in enumerate(team)]
    )
    Evidence.objects.bulk_create(
        [
            Evidence(
                case=case,
                kind=e["kind"] if e["kind"] in Evidence.Kind.values else "other",
                title=e["title"],
                sha256=e["sha256"],
                size=e.get("size", 0),
                origin=e.get("origin", "") or f"source:{source.pk}",
                added_by=_label(actor),
            )
            for e in source.evidence
        ],
        ignore_conflicts=True,
    )
    source.status = CaseSource.Status.FILED
    source.decided_at = timezone.now()
    source.save(update_fields=["status", "decided_at"])
    _event(case, transition="file", actor=actor, from_state="", note=late_reason)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.case.filed",
        {
            "source": {"kind": source.kind, "ref": source.ref},
            "officers": [o.certificate_no for o in team],
            "filed_on": today.isoformat(),
            "filing_due": source.filing_due.isoformat(),
            "late": late,
            "late_reason": late_reason,
        },
        evidence=[e["sha256"] for e in source.evidence],
    )
    document_issue(actor=actor, case=case, kind=DocumentKind.FILING, today=today)
    _publish(
        "case.case.filed",
        case,
        {
            "filed_on": today.isoformat(),
            "source_kind": source.kind,
            "source_ref": source.ref,
            "title": case.title,
        },
    )
    _notify(
        case,
        "case.filed",
        _("已立案：%(n)s %(t)s") % {"n": case.number, "t": case.title},
        users=[o.user for o in team if o.user is not None],
    )
    return case


# --- opening from an inspection ----------------------------------------------------------------


def task_findings(task_code: str) -> tuple[Any, dict[str, list[Any]], list[Any]]:
    """The task, its findings grouped by the responsible department, and its photos."""
    from crossreg.inspections.models import InspectionTask

    task = InspectionTask.objects.select_related("entity").filter(code=task_code).first()
    if task is None:
        raise NotFound(_("没有检查任务 %(c)s") % {"c": task_code}, field="task")
    by_dept: dict[str, list[Any]] = {}
    for p in task.points.filter(result="finding").order_by("seq"):
        for d in p.departments or [task.lead_department_id]:
            by_dept.setdefault(str(d), []).append(p)
    return task, by_dept, list(task.photos.all())


@transaction.atomic
def case_sources_from_task(*, actor: Actor, task_code: str) -> list[CaseSource]:
    """Register one case source per department responsible for a finding of the task (a joint
    inspection with violations in several domains gives one per department), each carrying the
    task's photos and the findings' records as shared evidence. Idempotent."""
    task, by_dept, photos = task_findings(task_code)
    discovered = task.inspected_on or (
        task.submitted_at.date() if task.submitted_at else timezone.localdate()
    )
    shared = [
        {
            "sha256": ph.sha256,
            "title": _("检查照片"),
            "kind": "photo",
            "origin": f"task:{task.code}",
            "size": ph.size,
        }
        for ph in photos
    ]
    out = []
    for dept_code, points in sorted(by_dept.items()):
        dept = Department.objects.filter(pk=dept_code).first()
        if dept is None:
            continue
        record = "\n".join(f"{p.seq}. {p.content}：{p.note}" for p in points)
        onsite = {
            "sha256": hashlib.sha256(record.encode()).hexdigest(),
            "title": _("现场检查记录（检查发现）"),
            "kind": "onsite",
            "origin": f"task:{task.code}",
        }
        out.append(
            case_source_register(
                actor=actor,
                department=dept,
                entity=task.entity,
                kind=SourceKind.INSPECTION,
                ref=f"{task.code}:{dept_code}",
                summary=record,
                discovered_on=discovered,
                evidence=[*shared, onsite],
            )
        )
    return out


# --- officers and evidence -----------------------------------------------------------------------


@transaction.atomic
def case_officers_assign(
    *,
    actor: Actor,
    case: Case,
    officers: Sequence[int | Officer],
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    today = _today(today)
    case = _lock(case, expected_version)
    _act(actor, "assign_officers", case.department_id)
    if case.state not in (CaseState.FILED, CaseState.INVESTIGATION, CaseState.REVIEW):
        raise Conflict(_("此阶段不能更换执法人员"), field="state", code="bad_state")
    team = _officers(officers)
    problems = gates.officers_problems(
        team, entity_id=case.entity_id, department_id=case.department_id, on=today
    )
    if problems:
        raise Invalid(*problems)
    case.officers.all().delete()
    CaseOfficer.objects.bulk_create(
        [CaseOfficer(case=case, officer=o, lead=i == 0) for i, o in enumerate(team)]
    )
    _event(case, transition="assign_officers", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(case, actor, "case.officers.assigned", {"officers": [o.certificate_no for o in team]})
    return case


MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


@transaction.atomic
def case_evidence_add(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    title: str,
    content: bytes = b"",
    filename: str = "",
    sha256: str = "",
    origin: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Evidence:
    """Attach evidence; its SHA-256 is fixed in the ledger entry (固证) in the same transaction."""
    today = _today(today)
    case = _lock(case, expected_version)
    _act(actor, "add_evidence", case.department_id)
    if case.state not in (CaseState.FILED, CaseState.INVESTIGATION, CaseState.REVIEW, CaseState.HEARING):
        raise Conflict(
            _("此阶段不能补充证据（行政处罚法第54条：调查终结前收集证据）"), field="state", code="bad_state"
        )
    if kind not in Evidence.Kind.values:
        raise Invalid(_("未知的证据种类"), field="kind")
    if content:
        if len(content) > MAX_EVIDENCE_BYTES:
            raise Invalid(
                _("文件大于 %(n)s 字节") % {"n": MAX_EVIDENCE_BYTES}, field="file", code="too_large"
            )
        sha256 = hashlib.sha256(content).hexdigest()
    elif not sha256:
        raise Invalid(_("请上传证据文件"), field="file", code="required")
    items = _evidence_items([{"sha256": sha256}])
    if case.evidence.filter(sha256=items[0]["sha256"]).exists():
        raise Conflict(_("该证据已附卷"), field="file", code="duplicate")
    ev = Evidence(
        case=case,
        kind=kind,
        title=_text(title, "title", max_len=200),
        sha256=items[0]["sha256"],
        size=len(content),
        origin=origin,
        added_by=_label(actor),
    )
    if content:
        ev.file.save(filename or "evidence.bin", ContentFile(content), save=False)
    ev.save()
    _event(case, transition="add_evidence", actor=actor, from_state=case.state, note=ev.title)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.evidence.added",
        {"kind": kind, "title": ev.title, "size": ev.size},
        evidence=[ev.sha256],
    )
    return ev


# --- penalty proposal (with the discretion benchmark) ----------------------------------------


@transaction.atomic
def case_penalty_propose(
    *,
    actor: Actor,
    case: Case,
    kinds: Sequence[str],
    fine: Any = 0,
    confiscation: Any = 0,
    entry: DiscretionEntry | None = None,
    deviation_reason: str = "",
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    """The proposed penalty of the notice: the benchmark's clause and range apply; an amount out of
    range is refused, a deviation from the suggested band needs a written reason."""
    today = _today(today)
    case = _lock(case, expected_version)
    _act(actor, "propose_penalty", case.department_id)
    if not gates.stage_open(case):
        raise Conflict(_("处罚告知后不能更改拟处罚内容（须退回补充调查）"), field="state", code="bad_state")
    ks = _kinds(kinds)
    amount, conf_amount = _money(fine, "fine"), _money(confiscation, "confiscation")
    if not ks:
        raise Invalid(_("请选择处罚种类"), field="kinds", code="required")
    if entry is not None:
        entry = DiscretionEntry.objects.select_related("benchmark").get(pk=entry.pk)
    if entry is not None and entry.benchmark.status != DiscretionBenchmark.Status.PUBLISHED:
        raise Invalid(_("裁量基准未发布或已被替代"), field="entry", code="benchmark_unpublished")
    if entry is not None and entry.benchmark.department_id != case.department_id:
        raise Invalid(_("不是本部门的裁量基准"), field="entry")
    problems = gates.discretion_problems(entry, kinds=ks, fine=amount, reason=deviation_reason)
    if PenaltyKind.FINE in ks and not amount:
        problems.append(Problem(_("请填写罚款金额"), field="fine", code="required"))
    if problems:
        raise Invalid(*problems)
    case.proposed_kinds, case.proposed_fine, case.proposed_confiscation = ks, amount, conf_amount
    case.discretion_entry, case.deviation_reason = entry, deviation_reason.strip()
    _event(case, transition="propose_penalty", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.penalty.proposed",
        {
            "kinds": ks,
            "fine": str(amount),
            "confiscation": str(conf_amount),
            "entry": entry.code if entry else None,
            "deviation_reason": case.deviation_reason,
        },
    )
    return case


# --- the transitions ---------------------------------------------------------------------------


@transaction.atomic
def case_transition(
    *,
    case: Case,
    transition: str,
    actor: Actor,
    expected_version: int | None = None,
    note: str = "",
    today: dt.date | None = None,
    data: Mapping[str, Any] | None = None,
) -> Case:
    """Make one transition of the table, if the actor may and the law allows it now."""
    today = _today(today)
    data = dict(data or {})
    case = _lock(case, expected_version)
    to = workflow.target(case.state, transition, case.suspended_from)
    if to is None:
        label = workflow.LABELS.get(transition, transition)
        raise Conflict(
            _("案件处于「%(s)s」阶段，不能「%(t)s」") % {"s": case.get_state_display(), "t": label},
            field="transition",
            code="bad_transition",
        )
    cap = workflow.capability_for(case.state, transition)
    assert cap is not None
    _require(actor, cap, case.department_id, str(workflow.LABELS.get(transition, transition)))
    from_state = case.state
    payload: dict[str, Any] = {"transition": transition, "from": from_state, "to": to}
    handler = _HANDLERS.get(transition)
    if handler is not None:
        payload.update(handler(case, actor, today, note, data) or {})
    case.state = to
    if transition == "suspend":
        case.suspended_from, case.suspended_on = from_state, today
    elif transition == "resume":
        case.suspended_days += max(0, (today - (case.suspended_on or today)).days)
        case.suspended_from, case.suspended_on = "", None
    _event(case, transition=transition, actor=actor, from_state=from_state, note=note)
    _save(case, today)
    _audit(case, actor, f"case.{transition}", {**payload, "note": note})
    _after(case, transition, today)
    return case


def _officers_gate(case: Case, today: dt.date) -> None:
    team = [co.officer for co in case.officers.select_related("officer")]
    problems = gates.officers_problems(
        team, entity_id=case.entity_id, department_id=case.department_id, on=today
    )
    if problems:
        raise Invalid(*problems)


def _h_start(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    _officers_gate(case, today)
    return {}


def _h_submit_review(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    _officers_gate(case, today)
    if not case.evidence.exists():
        raise Invalid(
            _("行政处罚法第40条：违法事实须有证据证明，未附任何证据"), field="evidence", code="art40"
        )
    if not case.proposed_kinds:
        raise Invalid(_("请先提出拟处罚意见"), field="kinds", code="required")
    return {}


def _h_issue_notice(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    _officers_gate(case, today)
    problems = gates.discretion_problems(
        case.discretion_entry,
        kinds=case.proposed_kinds,
        fine=case.proposed_fine,
        reason=case.deviation_reason,
    )
    problems += gates.decision_deadline_problems(case, today)
    if problems:
        raise Invalid(*problems)
    case.notice_issued_on = today
    case.notice_served_on, case.defence_waived = None, False
    case.hearing_requested_on = case.hearing_notified_on = case.hearing_on = None
    case.hearing_held = False
    return {
        "kinds": case.proposed_kinds,
        "fine": str(case.proposed_fine),
        "hearing_right": gates.hearing_right(case),
    }


def _h_request_hearing(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    if case.notice_served_on is None:
        raise Invalid(_("告知书尚未送达"), field="notice_served_on", code="art64")
    ends = clocks.hearing_request_ends(case)
    if ends is not None and today > ends:
        raise Invalid(
            _("行政处罚法第64条：听证应在告知后5日内提出，申请期已于 %(d)s 届满") % {"d": ends},
            field="hearing",
            code="art64",
        )
    if not gates.hearing_right(case):
        raise Invalid(
            _("行政处罚法第63条：拟作出的处罚不属于应当告知听证权利的情形"), field="hearing", code="art63"
        )
    case.hearing_requested_on = today
    return {"requested_on": today.isoformat()}


def _h_submit_legal_review(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    problems = gates.defence_problems(case, today)
    if problems:
        raise Invalid(*problems)
    return {"triggers": gates.legal_review_triggers(case)}


def _review_row(case: Case, actor: Actor, opinion: str, note: str) -> None:
    user = _user(actor)
    if user is None:
        raise Forbidden(_("法制审核须由本部门法制审核人员作出"), code="forbidden")
    if case.officers.filter(officer__user_id=user.pk).exists():
        raise Forbidden(
            _("行政处罚法第58条：法制审核人员不得审核本人承办的案件"), field="reviewer", code="art58"
        )
    LegalReview.objects.create(
        case=case, reviewer=user, opinion=opinion, text=_text(note, "note"), case_version=case.version
    )


def _h_pass_review(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    _review_row(case, actor, LegalReview.Opinion.PASSED, note)
    return {"opinion": "passed"}


def _h_return_review(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    _review_row(case, actor, LegalReview.Opinion.RETURNED, note)
    return {"opinion": "returned"}


def _h_convene(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    problems = gates.defence_problems(case, today) + gates.legal_review_problems(case)
    if problems:
        raise Invalid(*problems)
    return {}


def _h_decide(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    kinds = _kinds(data.get("kinds", case.proposed_kinds))
    fine = _money(data.get("fine", case.proposed_fine), "fine")
    confiscation = _money(data.get("confiscation", case.proposed_confiscation), "confiscation")
    reason = str(data.get("deviation_reason", case.deviation_reason) or "")
    problems = (
        gates.defence_problems(case, today)
        + gates.legal_review_problems(case)
        + gates.discussion_problems(case)
        + gates.heavier_problems(case, kinds=kinds, fine=fine, confiscation=confiscation)
        + gates.discretion_problems(case.discretion_entry, kinds=kinds, fine=fine, reason=reason)
        + gates.decision_deadline_problems(case, today)
    )
    if not kinds:
        problems.append(Problem(_("请选择处罚种类"), field="kinds", code="required"))
    if problems:
        raise Invalid(*problems)
    _apply_decision(case, kinds=kinds, fine=fine, confiscation=confiscation, today=today)
    return {
        "kinds": kinds,
        "fine": str(fine),
        "confiscation": str(confiscation),
        "severity": case.credit_severity,
    }


def _severity(kinds: Sequence[str], fine: Decimal, confiscation: Decimal) -> str:
    if set(kinds) & {
        PenaltyKind.LICENCE_REVOKE.value,
        PenaltyKind.CLOSE.value,
        PenaltyKind.RESTRICT_PRACTICE.value,
    } or (fine + confiscation >= Decimal(str(conf.get("CASE_SERIOUS_FINE")))):
        return "serious"
    if fine or confiscation or set(kinds) - {PenaltyKind.WARNING.value, PenaltyKind.CRITICISM.value}:
        return "ordinary"
    return "minor"


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _apply_decision(
    case: Case, *, kinds: list[str], fine: Decimal, confiscation: Decimal, today: dt.date
) -> None:
    case.decided_kinds, case.decided_fine, case.decided_confiscation = kinds, fine, confiscation
    case.decided_on = today
    case.credit_severity = _severity(kinds, fine, confiscation)
    case.publish_due = clocks.publish_due(today)
    months = int(conf.get("CASE_PUBLICITY_MONTHS")[case.credit_severity])
    case.publicity_ends_on = _add_months(today, months)


def _h_no_penalty(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    _text(note, "note")
    case.decided_on = today
    case.closed_on = None
    return {"reason": note}


def _h_serve_decision(
    case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]
) -> dict[str, Any]:
    served = data.get("served_on") or today
    if isinstance(served, str):
        served = dt.date.fromisoformat(served)
    if case.decided_on and served < case.decided_on:
        raise Invalid(_("送达日期早于决定日期"), field="served_on")
    method = str(data.get("method") or "direct")
    if method == "electronic" and not data.get("consent"):
        raise Invalid(
            _("行政处罚法第61条：电子送达须经当事人同意并签订确认书"), field="consent", code="art61"
        )
    case.served_on = served
    return {"served_on": served.isoformat(), "method": method}


def _h_close(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    if (
        case.state == CaseState.ENFORCEMENT
        and (case.decided_fine or case.decided_confiscation)
        and case.paid_on is None
    ) and not note.strip():
        raise Invalid(
            _("罚没款尚未缴纳：结案须说明执行情况（如申请法院强制执行）"), field="note", code="unpaid"
        )
    case.closed_on = today
    return {}


def _h_reason(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    _text(note, "note")
    return {"reason": note}


def _h_ends(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    _text(note, "note")
    case.closed_on = today
    out: dict[str, Any] = {"reason": note}
    if data.get("to_department"):
        out["to_department"] = str(data["to_department"])
    return out


def _h_revoke(case: Case, actor: Actor, today: dt.date, note: str, data: dict[str, Any]) -> dict[str, Any]:
    _text(note, "note")
    case.revoked_on = today
    if case.published_at is not None and case.publication_withdrawn_at is None:
        case.withdraw_due = clocks.withdraw_due(today)
    return {"reason": note}


_HANDLERS = {
    "start_investigation": _h_start,
    "submit_review": _h_submit_review,
    "issue_notice": _h_issue_notice,
    "request_hearing": _h_request_hearing,
    "submit_legal_review": _h_submit_legal_review,
    "pass_legal_review": _h_pass_review,
    "return_legal_review": _h_return_review,
    "convene_discussion": _h_convene,
    "decide": _h_decide,
    "decide_no_penalty": _h_no_penalty,
    "serve_decision": _h_serve_decision,
    "close": _h_close,
    "withdraw_case": _h_ends,
    "transfer": _h_ends,
    "suspend": _h_reason,
    "resume": _h_reason,
    "revoke_decision": _h_revoke,
}


def _decision_data(case: Case) -> dict[str, Any]:
    return {
        "penalty_kinds": list(case.decided_kinds),
        "fine_yuan": str(case.decided_fine),
        "confiscation_yuan": str(case.decided_confiscation),
        "credit_severity": case.credit_severity,
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
        "publicity_end": case.publicity_ends_on.isoformat() if case.publicity_ends_on else None,
        "procedure": case.procedure,
        "source_kind": case.source.kind if case.source else "manual",
        "source_ref": case.source.ref if case.source else "",
    }


def _after(case: Case, transition: str, today: dt.date) -> None:
    """Documents, events and notices of a transition (events and notices go out on commit)."""
    if transition == "issue_notice":
        document_issue(actor="system:cases", case=case, kind=DocumentKind.NOTICE, today=today)
        _notify(case, "case.notice", _("处罚告知书已制发，请送达：%(n)s") % {"n": case.number})
    elif transition == "submit_legal_review":
        from crossreg.orgs.models import User as U

        reviewers = U.objects.filter(department_id=case.department_id, role=U.Role.LEGAL, is_active=True)
        _notify(case, "case.legal_review", _("待法制审核：%(n)s") % {"n": case.number}, users=reviewers)
    elif transition in ("pass_legal_review", "return_legal_review"):
        document_issue(actor="system:cases", case=case, kind=DocumentKind.LEGAL_REVIEW, today=today)
    elif transition == "decide":
        document_issue(actor="system:cases", case=case, kind=DocumentKind.DECISION, today=today)
        _publish("case.decision.made", case, _decision_data(case))
    elif transition == "serve_decision":
        document_issue(actor="system:cases", case=case, kind=DocumentKind.SERVICE, today=today)
    elif transition == "revoke_decision":
        _publish("case.decision.withdrawn", case, {**_decision_data(case), "revoked_on": today.isoformat()})
        if case.withdraw_due:
            _notify(
                case,
                "case.withdraw",
                _("处罚决定已撤销，须于 %(d)s 前撤回公示：%(n)s")
                % {"d": case.withdraw_due, "n": case.number},
            )
    if (
        case.state in (CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.TRANSFERRED)
        and transition != "archive"
    ):
        if transition == "close":
            document_issue(actor="system:cases", case=case, kind=DocumentKind.CLOSING, today=today)
        _publish("case.case.closed", case, {"state": case.state, "closed_on": today.isoformat()})


# --- actions within a stage --------------------------------------------------------------------


def _stage_action(
    case: Case, actor: Actor, action: str, states: Sequence[str], expected_version: int | None
) -> Case:
    case = _lock(case, expected_version)
    _act(actor, action, case.department_id)
    if case.state not in states:
        raise Conflict(
            _("案件处于「%(s)s」阶段，不能进行此操作") % {"s": case.get_state_display()},
            field="state",
            code="bad_state",
        )
    return case


@transaction.atomic
def case_notice_serve(
    *,
    actor: Actor,
    case: Case,
    served_on: dt.date,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    """The notice was served: the defence period (and hearing request window) start."""
    today = _today(today)
    case = _stage_action(case, actor, "serve_notice", [CaseState.NOTICE], expected_version)
    if case.notice_issued_on and served_on < case.notice_issued_on:
        raise Invalid(_("送达日期早于告知书制发日期"), field="served_on")
    if served_on > today:
        raise Invalid(_("送达日期不能晚于今天"), field="served_on")
    case.notice_served_on = served_on
    _event(case, transition="serve_notice", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.notice.served",
        {"served_on": served_on.isoformat(), "defence_ends": str(clocks.defence_ends(case))},
    )
    return case


@transaction.atomic
def case_defence_waive(
    *, actor: Actor, case: Case, note: str, expected_version: int | None = None, today: dt.date | None = None
) -> Case:
    """The party waived statement, defence (and hearing) in writing."""
    today = _today(today)
    case = _stage_action(case, actor, "waive_defence", [CaseState.NOTICE], expected_version)
    if case.notice_served_on is None:
        raise Invalid(_("告知书尚未送达"), field="notice_served_on", code="art62")
    case.defence_waived = True
    _event(case, transition="waive_defence", actor=actor, from_state=case.state, note=_text(note, "note"))
    _save(case, today)
    _audit(case, actor, "case.defence.waived", {"note": note})
    return case


@transaction.atomic
def case_hearing_schedule(
    *,
    actor: Actor,
    case: Case,
    hearing_on: dt.date,
    notified_on: dt.date,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    """Art. 64: the party is notified at least 7 days before the hearing."""
    today = _today(today)
    case = _stage_action(case, actor, "schedule_hearing", [CaseState.HEARING], expected_version)
    earliest = clocks.earliest_hearing(notified_on)
    if hearing_on < earliest:
        raise Invalid(
            _("行政处罚法第64条：应当在举行听证的7日前通知当事人，最早可于 %(d)s 举行") % {"d": earliest},
            field="hearing_on",
            code="art64",
        )
    case.hearing_on, case.hearing_notified_on = hearing_on, notified_on
    _event(case, transition="schedule_hearing", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.hearing.scheduled",
        {"hearing_on": hearing_on.isoformat(), "notified_on": notified_on.isoformat()},
    )
    document_issue(actor=actor, case=case, kind=DocumentKind.HEARING, today=today)
    return case


@transaction.atomic
def case_hearing_record(
    *, actor: Actor, case: Case, note: str, expected_version: int | None = None, today: dt.date | None = None
) -> Case:
    today = _today(today)
    case = _stage_action(case, actor, "record_hearing", [CaseState.HEARING], expected_version)
    if case.hearing_on is None or today < case.hearing_on:
        raise Invalid(_("听证尚未到期举行"), field="hearing_on", code="art64")
    case.hearing_held = True
    _event(case, transition="record_hearing", actor=actor, from_state=case.state, note=_text(note, "note"))
    _save(case, today)
    _audit(case, actor, "case.hearing.held", {"note": note})
    return case


@transaction.atomic
def case_discussion_record(
    *,
    actor: Actor,
    case: Case,
    participants: str,
    conclusion: str,
    held_on: dt.date | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Discussion:
    today = _today(today)
    case = _stage_action(case, actor, "record_discussion", [CaseState.DISCUSSION], expected_version)
    d = Discussion.objects.create(
        case=case,
        held_on=held_on or today,
        participants=_text(participants, "participants"),
        conclusion=_text(conclusion, "conclusion"),
        recorded_by=_label(actor),
    )
    _event(case, transition="record_discussion", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.discussion.recorded",
        {"held_on": d.held_on.isoformat(), "participants": d.participants, "conclusion": d.conclusion},
    )
    document_issue(actor=actor, case=case, kind=DocumentKind.DISCUSSION, today=today)
    return d


@transaction.atomic
def case_decision_extend(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    """Art. 60: the 90 days are extended (by 30, with the head's approval; at most as configured)."""
    today = _today(today)
    case = _stage_action(case, actor, "extend_decision", [s for s in workflow._SUSPENDABLE], expected_version)
    if case.decision_extensions >= int(conf.get("CASE_DECISION_MAX_EXTENSIONS")):
        raise Conflict(_("行政处罚法第60条：延长次数已达上限"), field="decision_due", code="art60")
    case.decision_extensions += 1
    case.decision_extension_days += int(conf.get("CASE_DECISION_EXTENSION_DAYS"))
    _event(
        case, transition="extend_decision", actor=actor, from_state=case.state, note=_text(reason, "reason")
    )
    _save(case, today)
    _audit(
        case,
        actor,
        "case.decision.extended",
        {"decision_due": clocks.decision_due(case, today).isoformat(), "reason": reason},
    )
    return case


@transaction.atomic
def case_payment_record(
    *,
    actor: Actor,
    case: Case,
    paid_on: dt.date,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    today = _today(today)
    case = _stage_action(case, actor, "record_payment", [CaseState.ENFORCEMENT], expected_version)
    case.paid_on = paid_on
    _event(case, transition="record_payment", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(case, actor, "case.payment.recorded", {"paid_on": paid_on.isoformat()})
    return case


# --- publicity ---------------------------------------------------------------------------------

PUBLISHABLE = (CaseState.DECIDED, CaseState.ENFORCEMENT, CaseState.CLOSED, CaseState.ARCHIVED)


@transaction.atomic
def case_publish(
    *, actor: Actor, case: Case, expected_version: int | None = None, today: dt.date | None = None
) -> Case:
    """执法公示: the decision on the public pages and open data (personal data masked there)."""
    today = _today(today)
    case = _stage_action(case, actor, "publish", PUBLISHABLE, expected_version)
    if case.published_at is not None:
        raise Conflict(_("已公示"), field="published_at", code="published")
    case.published_at = timezone.now()
    _event(case, transition="publish", actor=actor, from_state=case.state)
    _save(case, today)
    _audit(
        case,
        actor,
        "case.decision.published",
        {"publish_due": str(case.publish_due), "late": bool(case.publish_due and today > case.publish_due)},
    )
    return case


@transaction.atomic
def case_publication_withdraw(
    *,
    actor: Actor,
    case: Case,
    reason: str,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Case:
    """Art. 48: withdraw the publication of a changed or revoked decision; the withdrawal is public."""
    today = _today(today)
    case = _lock(case, expected_version)
    _act(actor, "withdraw_publication", case.department_id)
    if case.published_at is None or case.publication_withdrawn_at is not None:
        raise Conflict(_("没有可撤回的公示"), field="published_at", code="not_published")
    case.publication_withdrawn_at = timezone.now()
    case.withdrawal_reason = _text(reason, "reason")
    if case.withdraw_due is None:
        case.withdraw_due = clocks.withdraw_due(today)
    _event(
        case,
        transition="withdraw_publication",
        actor=actor,
        from_state=case.state,
        note=case.withdrawal_reason,
    )
    _save(case, today)
    _audit(case, actor, "case.publication.withdrawn", {"reason": case.withdrawal_reason})
    return case


# --- simplified procedure (Art. 51–52) ----------------------------------------------------------


@transaction.atomic
def case_simplified_decide(
    *,
    actor: Actor,
    entity: Any,
    co_officer: int | Officer,
    title: str,
    facts: str,
    kinds: Sequence[str],
    fine: Any = 0,
    party_kind: str | None = None,
    party_name: str = "",
    entry: DiscretionEntry | None = None,
    deviation_reason: str = "",
    today: dt.date | None = None,
) -> Case:
    """当场处罚 by two officers (the acting officer and a colleague): a warning or a small fine,
    decided and served on the spot, filed and ledgered as every case is."""
    today = _today(today)
    user = _user(actor)
    officer = getattr(user, "officer", None) if user else None
    if officer is None:
        raise Forbidden(_("简易程序须由持证执法人员当场作出"), code="forbidden")
    _act(actor, "simplified_decide", officer.department_id)
    team = _officers([officer.pk, co_officer])
    ks, amount = _kinds(kinds), _money(fine, "fine")
    if party_kind is None:
        party_kind = PartyKind.ORGANISATION if entity.entity_type == "enterprise" else PartyKind.NATURAL
    problems = gates.officers_problems(
        team, entity_id=entity.pk, department_id=officer.department_id, on=today
    )
    problems += gates.simplified_problems(party_kind=party_kind, kinds=ks, fine=amount)
    problems += gates.discretion_problems(entry, kinds=ks, fine=amount, reason=deviation_reason)
    if problems:
        raise Invalid(*problems)
    dept = officer.department
    number, _seq = _allocate(dept, today.year, "简")
    case = Case.objects.create(
        number=number,
        department=dept,
        entity=entity,
        procedure=Procedure.SIMPLIFIED,
        state=CaseState.ENFORCEMENT,
        title=_text(title, "title", max_len=200),
        facts=_text(facts, "facts"),
        party_kind=party_kind,
        party_name=_text(party_name, "party_name", required=False) or entity.name,
        party_representative=entity.legal_rep or "",
        discretion_entry=entry,
        deviation_reason=deviation_reason,
        proposed_kinds=ks,
        proposed_fine=amount,
        discovered_on=today,
        filed_on=today,
        served_on=today,
    )
    _apply_decision(case, kinds=ks, fine=amount, confiscation=Decimal(0), today=today)
    CaseOfficer.objects.bulk_create(
        [CaseOfficer(case=case, officer=o, lead=i == 0) for i, o in enumerate(team)]
    )
    _event(case, transition="simplified_decide", actor=actor, from_state="")
    _save(case, today)
    _audit(
        case,
        actor,
        "case.simplified.decided",
        {"kinds": ks, "fine": str(amount), "officers": [o.certificate_no for o in team]},
    )
    document_issue(actor=actor, case=case, kind=DocumentKind.DECISION, today=today)
    _publish(
        "case.case.filed",
        case,
        {"filed_on": today.isoformat(), "source_kind": "manual", "source_ref": "", "title": case.title},
    )
    _publish("case.decision.made", case, _decision_data(case))
    return case


# --- compulsory measures (行政强制法) -------------------------------------------------------------


def _items(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        raise Invalid(_("行政强制法第24条：查封、扣押须列明财物清单"), field="items", code="items")
    out = []
    for i, it in enumerate(items, start=1):
        name = str(it.get("name") or "").strip()
        if not name:
            raise Invalid(Problem(_("第 %(n)s 项财物没有名称") % {"n": i}, field="items", row=i))
        out.append(
            {
                "name": name[:100],
                "quantity": str(it.get("quantity") or "1"),
                "unit": str(it.get("unit") or ""),
                "location": str(it.get("location") or "")[:200],
            }
        )
    return out


def _lock_measure(measure: CompulsoryMeasure) -> CompulsoryMeasure:
    return (
        CompulsoryMeasure.objects.select_for_update(of=("self",))
        .select_related("case", "case__department")
        .get(pk=measure.pk)
    )


def _measure_audit(m: CompulsoryMeasure, actor: Actor, action: str, payload: Mapping[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type="case",
        subject_id=m.case.number,
        payload={"measure": m.pk, "kind": m.kind, "state": m.state, **payload},
        refs=_refs(m.case),
    )


@transaction.atomic
def measure_propose(
    *, actor: Actor, case: Case, kind: str, items: Sequence[Mapping[str, Any]], reason: str
) -> CompulsoryMeasure:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _act(actor, "measure_propose", case.department_id)
    if case.state not in OPEN_FOR_MEASURES:
        raise Conflict(_("此阶段不能采取行政强制措施"), field="state", code="bad_state")
    if kind not in CompulsoryMeasure.Kind.values:
        raise Invalid(_("未知的强制措施种类"), field="kind")
    m = CompulsoryMeasure.objects.create(
        case=case, kind=kind, items=_items(items), reason=_text(reason, "reason"), created_by=_label(actor)
    )
    _measure_audit(m, actor, "case.measure.proposed", {"items": m.items})
    return m


OPEN_FOR_MEASURES = (
    CaseState.FILED,
    CaseState.INVESTIGATION,
    CaseState.REVIEW,
    CaseState.NOTICE,
    CaseState.HEARING,
)


@transaction.atomic
def measure_emergency(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    items: Sequence[Mapping[str, Any]],
    reason: str,
    now: dt.datetime | None = None,
) -> CompulsoryMeasure:
    """行政强制法 Art. 19: on-site in an emergency; reported to the head within 24 hours."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _act(actor, "measure_emergency", case.department_id)
    if case.state not in OPEN_FOR_MEASURES:
        raise Conflict(_("此阶段不能采取行政强制措施"), field="state", code="bad_state")
    now = now or timezone.now()
    if kind not in CompulsoryMeasure.Kind.values:
        raise Invalid(_("未知的强制措施种类"), field="kind")
    m = CompulsoryMeasure.objects.create(
        case=case,
        kind=kind,
        items=_items(items),
        reason=_text(reason, "reason"),
        emergency=True,
        emergency_started_at=now,
        report_due_at=now + dt.timedelta(hours=int(conf.get("CASE_EMERGENCY_REPORT_HOURS"))),
        state=CompulsoryMeasure.State.IN_FORCE,
        starts_on=timezone.localdate(now),
        ends_on=clocks.measure_end(timezone.localdate(now)),
        created_by=_label(actor),
    )
    _measure_audit(
        m, actor, "case.measure.emergency", {"items": m.items, "report_due_at": str(m.report_due_at)}
    )
    document_issue(actor=actor, case=case, kind=DocumentKind.MEASURE, today=m.starts_on, measure=m)
    _publish(
        "case.measure.imposed",
        case,
        {
            "measure_id": m.pk,
            "kind": kind,
            "emergency": True,
            "starts_on": str(m.starts_on),
            "ends_on": str(m.ends_on),
        },
    )
    return m


@transaction.atomic
def measure_report(
    *, actor: Actor, measure: CompulsoryMeasure, approve: bool, note: str
) -> CompulsoryMeasure:
    """The head's after-the-fact approval of an emergency measure; refused → released at once."""
    m = _lock_measure(measure)
    _act(actor, "measure_report", m.case.department_id)
    if not m.emergency or m.reported_at is not None:
        raise Conflict(_("不是待报告的当场强制措施"), field="measure", code="bad_state")
    m.reported_at = timezone.now()
    m.approved_by = _label(actor)
    if not approve:
        m.state, m.released_on, m.release_reason = (
            CompulsoryMeasure.State.RELEASED,
            timezone.localdate(),
            _text(note, "note"),
        )
    m.save()
    _measure_audit(
        m,
        actor,
        "case.measure.reported",
        {"approve": approve, "note": note, "late": m.reported_at > (m.report_due_at or m.reported_at)},
    )
    return m


@transaction.atomic
def measure_approve(
    *,
    actor: Actor,
    measure: CompulsoryMeasure,
    approve: bool = True,
    starts_on: dt.date | None = None,
    note: str = "",
) -> CompulsoryMeasure:
    m = _lock_measure(measure)
    _act(actor, "measure_approve", m.case.department_id)
    if m.state != CompulsoryMeasure.State.PROPOSED:
        raise Conflict(_("该措施不在待审批状态"), field="state", code="bad_state")
    m.approved_by = _label(actor)
    if not approve:
        m.state = CompulsoryMeasure.State.REFUSED
        m.save()
        _measure_audit(m, actor, "case.measure.refused", {"note": note})
        return m
    m.state = CompulsoryMeasure.State.IN_FORCE
    m.starts_on = starts_on or timezone.localdate()
    m.ends_on = clocks.measure_end(m.starts_on)
    m.save()
    _measure_audit(
        m, actor, "case.measure.imposed", {"starts_on": str(m.starts_on), "ends_on": str(m.ends_on)}
    )
    document_issue(actor=actor, case=m.case, kind=DocumentKind.MEASURE, today=m.starts_on, measure=m)
    _publish(
        "case.measure.imposed",
        m.case,
        {
            "measure_id": m.pk,
            "kind": m.kind,
            "emergency": False,
            "starts_on": str(m.starts_on),
            "ends_on": str(m.ends_on),
        },
    )
    return m


@transaction.atomic
def measure_extend(
    *, actor: Actor, measure: CompulsoryMeasure, reason: str, today: dt.date | None = None
) -> CompulsoryMeasure:
    """Art. 25: extended once by 30 days, before the first 30 end."""
    today = _today(today)
    m = _lock_measure(measure)
    _act(actor, "measure_extend", m.case.department_id)
    if m.state != CompulsoryMeasure.State.IN_FORCE or m.starts_on is None:
        raise Conflict(_("该措施未在实施中"), field="state", code="bad_state")
    if m.extended:
        raise Conflict(_("行政强制法第25条：查封、扣押期限只能延长一次"), field="ends_on", code="art25")
    if m.ends_on and today > m.ends_on:
        raise Conflict(_("行政强制法第25条：期限已届满，不能再延长，应当解除"), field="ends_on", code="art25")
    m.extended, m.extension_reason = True, _text(reason, "reason")
    m.ends_on = clocks.measure_end(m.starts_on, extended=True)
    m.save()
    _measure_audit(m, actor, "case.measure.extended", {"ends_on": str(m.ends_on), "reason": reason})
    return m


@transaction.atomic
def measure_release(
    *, actor: Actor, measure: CompulsoryMeasure, reason: str, today: dt.date | None = None
) -> CompulsoryMeasure:
    today = _today(today)
    m = _lock_measure(measure)
    _act(actor, "measure_release", m.case.department_id)
    if m.state != CompulsoryMeasure.State.IN_FORCE:
        raise Conflict(_("该措施未在实施中"), field="state", code="bad_state")
    m.state, m.released_on, m.release_reason = (
        CompulsoryMeasure.State.RELEASED,
        today,
        _text(reason, "reason"),
    )
    m.save()
    _measure_audit(m, actor, "case.measure.released", {"released_on": today.isoformat(), "reason": reason})
    return m


# --- discretion benchmarks ---------------------------------------------------------------------


@transaction.atomic
def benchmark_create(
    *, actor: Actor, power_item: Any, entries: Sequence[Mapping[str, Any]]
) -> DiscretionBenchmark:
    """A new draft version of the benchmark of a penalty power item of the catalog."""
    from crossreg.catalog.models import PowerItem

    if power_item.kind != PowerItem.Kind.PENALTY:
        raise Invalid(_("裁量基准只适用于行政处罚类权力事项"), field="power_item")
    _act(actor, "benchmark_edit", power_item.department_id)
    last = DiscretionBenchmark.objects.filter(power_item=power_item).order_by("-version").first()
    bm = DiscretionBenchmark.objects.create(
        power_item=power_item,
        department_id=power_item.department_id,
        version=(last.version + 1) if last else 1,
        created_by=_label(actor),
    )
    rows = []
    for i, e in enumerate(entries, start=1):
        lo, hi = _money(e.get("fine_min"), "fine_min"), _money(e.get("fine_max"), "fine_max")
        slo, shi = (
            _money(e.get("suggested_min", lo), "suggested_min"),
            _money(e.get("suggested_max", hi), "suggested_max"),
        )
        if not (lo <= slo <= shi <= hi):
            raise Invalid(
                Problem(
                    _("第 %(n)s 行：须满足 最低 ≤ 建议下限 ≤ 建议上限 ≤ 最高") % {"n": i},
                    field="fine_min",
                    row=i,
                )
            )
        rows.append(
            DiscretionEntry(
                benchmark=bm,
                code=_text(str(e.get("code", "")), "code", max_len=40),
                violation=_text(str(e.get("violation", "")), "violation", max_len=200),
                legal_clause=_text(str(e.get("legal_clause", "")), "legal_clause", max_len=200),
                kinds=_kinds(e.get("kinds") or ["fine"]),
                fine_min=lo,
                fine_max=hi,
                suggested_min=slo,
                suggested_max=shi,
                factors=str(e.get("factors", "")),
                no_penalty=str(e.get("no_penalty", "")),
            )
        )
    DiscretionEntry.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="case.benchmark.drafted",
        subject_type="case.benchmark",
        subject_id=f"{power_item.code}/v{bm.version}",
        payload={"entries": len(rows)},
    )
    return bm


@transaction.atomic
def benchmark_publish(*, actor: Actor, benchmark: DiscretionBenchmark) -> DiscretionBenchmark:
    bm = (
        DiscretionBenchmark.objects.select_for_update(of=("self",))
        .select_related("power_item")
        .get(pk=benchmark.pk)
    )
    _act(actor, "benchmark_publish", bm.department_id)
    if bm.status != DiscretionBenchmark.Status.DRAFT:
        raise Conflict(_("只能发布草稿"), field="status", code="bad_state")
    DiscretionBenchmark.objects.filter(
        power_item=bm.power_item, status=DiscretionBenchmark.Status.PUBLISHED
    ).update(status=DiscretionBenchmark.Status.SUPERSEDED)
    bm.status, bm.published_at = DiscretionBenchmark.Status.PUBLISHED, timezone.now()
    bm.save(update_fields=["status", "published_at"])
    entries = [
        {
            "code": e.code,
            "clause": e.legal_clause,
            "min": str(e.fine_min),
            "max": str(e.fine_max),
            "no_penalty": e.no_penalty,
        }
        for e in bm.entries.all()
    ]
    audit_record(
        actor=actor,
        action="case.benchmark.published",
        subject_type="case.benchmark",
        subject_id=f"{bm.power_item.code}/v{bm.version}",
        payload={"entries": entries},
    )
    return bm


# --- documents -----------------------------------------------------------------------------------


def _doc_context(case: Case, kind: str, today: dt.date, measure: CompulsoryMeasure | None) -> dict[str, Any]:
    from crossreg.cases.models import PenaltyKind as PK

    officers = [co.officer for co in case.officers.select_related("officer")]
    kinds = case.decided_kinds or case.proposed_kinds
    review = case.legal_reviews.order_by("-at", "-id").first()
    discussion = case.discussions.order_by("-at").first()
    ctx: dict[str, Any] = {
        "department": case.department.name,
        "case_number": case.number,
        "title": case.title,
        "party": case.party_name,
        "representative": case.party_representative,
        "uscc": case.entity.uscc or "",
        "address": case.entity.address or "",
        "facts": case.facts or case.title,
        "officers": "、".join(f"{o.name}（{o.certificate_no}）" for o in officers),
        "filed_on": case.filed_on.isoformat(),
        "date": today.isoformat(),
        "legal_clause": case.discretion_entry.legal_clause if case.discretion_entry else "",
        "penalty": "、".join(str(PK(k).label) for k in kinds),
        "fine": str(case.decided_fine if case.decided_on else case.proposed_fine),
        "confiscation": str(case.decided_confiscation if case.decided_on else case.proposed_confiscation),
        "defence_days": str(conf.get("CASE_DEFENCE_WORKDAYS")),
        "hearing_right": "；".join(gates.hearing_right(case)) or "—",
        "hearing_on": str(case.hearing_on or ""),
        "review_opinion": (review.get_opinion_display() + "：" + review.text) if review else "",
        "discussion": (discussion.conclusion if discussion else ""),
        "participants": (discussion.participants if discussion else ""),
        "served_on": str(case.served_on or today),
        "payment_days": str(conf.get("CASE_PAYMENT_DAYS")),
        "procedure": case.get_procedure_display(),
        "state": case.get_state_display(),
    }
    if measure is not None:
        ctx["measure_kind"] = measure.get_kind_display()
        ctx["items"] = "；".join(f"{i['name']} {i['quantity']}{i['unit']}" for i in measure.items)
        ctx["measure_until"] = str(measure.ends_on or "")
        ctx["reason"] = measure.reason
    return ctx


def template_render(template: DocumentTemplate, context: Mapping[str, Any]) -> str:
    """Render ``template`` with ``context``; a declared field missing or empty, or any placeholder
    without a value, refuses to render and names the field."""

    _env, compiled, used = _compiled(template.pk, template.body)
    for f in template.fields:
        if context.get(f) in (None, ""):
            raise Invalid(
                _("文书模板「%(t)s」第 %(v)s 版缺少字段：%(f)s")
                % {"t": template.title, "v": template.version, "f": f},
                field=f,
                code="template_field",
            )
    for f in sorted(used):
        if f not in context:
            raise Invalid(
                _("文书模板「%(t)s」第 %(v)s 版缺少字段：%(f)s")
                % {"t": template.title, "v": template.version, "f": f},
                field=f,
                code="template_field",
            )
    return compiled.render(**context)


@lru_cache(maxsize=64)
def _compiled(template_id: int, body: str) -> tuple[Any, Any, frozenset[str]]:
    """The Jinja environment, compiled template and placeholders of a template version (cached:
    a template version's body never changes)."""
    import jinja2
    from jinja2 import meta

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    return env, env.from_string(body), frozenset(meta.find_undeclared_variables(env.parse(body)))


def templates_ensure() -> None:
    from crossreg.cases.templates_data import TEMPLATES

    for t in TEMPLATES:
        DocumentTemplate.objects.get_or_create(
            kind=str(t["kind"]),
            version=1,
            defaults={
                "title": str(t["title"]),
                "number_word": str(t["word"]),
                "fields": t["fields"],
                "body": str(t["body"]),
            },
        )


def template_current(kind: str) -> DocumentTemplate:
    t = DocumentTemplate.objects.filter(kind=kind, published=True).order_by("-version").first()
    if t is None and not DocumentTemplate.objects.filter(kind=kind).exists():
        templates_ensure()  # version 1 (the data migration's), e.g. after a test database flush
        t = DocumentTemplate.objects.filter(kind=kind, published=True).order_by("-version").first()
    if t is None:
        raise NotFound(_("没有已发布的文书模板：%(k)s") % {"k": DocumentKind(kind).label}, field="template")
    return t


@transaction.atomic
def document_issue(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    today: dt.date | None = None,
    extra: Mapping[str, Any] | None = None,
    measure: CompulsoryMeasure | None = None,
) -> Document:
    """Render, number and issue one document; its SHA-256 is fixed in the ledger in this transaction.

    The number is allocated after the template has rendered (so a refused render takes none) and
    inside this transaction (so a rollback takes it back with the document: no gap, no reuse)."""
    today = _today(today)
    if not _is_system(actor):
        _act(actor, "issue_document", case.department_id)
    template = template_current(kind)
    context = {**_doc_context(case, kind, today, measure), **dict(extra or {})}
    context["number"] = "{{NUMBER}}"
    template_render(template, context)  # refuse before a number is taken
    number, seq = _allocate(case.department, today.year, template.number_word)
    context["number"] = number
    text = template_render(template, context)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    doc = Document.objects.create(
        case=case,
        measure=measure,
        department=case.department,
        kind=kind,
        number=number,
        year=today.year,
        seq=seq,
        template=template,
        context=context,
        text=text,
        sha256=sha,
        short=secrets.token_urlsafe(8)[:10],
        issued_by=_label(actor),
    )
    audit_record(
        actor=actor,
        action="case.document.issued",
        subject_type="case.document",
        subject_id=number,
        payload={
            "kind": kind,
            "case": case.number,
            "template": f"{template.kind}/v{template.version}",
            "sha256": sha,
        },
        evidence=[sha],
        refs=[("case", case.number), ("entity", case.entity_id)],
    )
    return doc
