"""What credit does when other apps tell it something (core.events subscribers, run on commit).

Each handler turns a published record into credit events through ``credit_event_record`` (which is
idempotent by source, so an event delivered twice records once) and thereby re-evaluates the
entity at once. The event shapes are the ones promised in TEAM.md; keys are read tolerantly
(``number`` or ``case_number`` …) because the publishers are documented in their own apps.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from crossreg.core.events import DomainEvent, domain_event_subscribe

log = logging.getLogger(__name__)
SYSTEM = "system:credit"


def _get(data: Any, *keys: str, default: Any = None) -> Any:
    for k in keys:
        if isinstance(data, dict) and data.get(k) not in (None, ""):
            return data[k]
    return default


def _date(value: Any, fallback: dt.date | None = None) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        return dt.date.fromisoformat(value[:10])
    return fallback or dt.date.today()


def _amount(value: Any) -> float:
    try:
        return float(str(value or 0))
    except ValueError:
        return 0.0


def _subject_url(subject_type: str, subject_id: str) -> str:
    """The source's own page, from the subject registry (the owning app's rule)."""
    from crossreg.core.subjects import subject_type_get

    try:
        return subject_type_get(subject_type).url(subject_id) or ""
    except Exception:  # an app that is not installed, or no page
        return ""


def _entity(event: DomainEvent) -> int | None:
    eid = event.entity_id or _get(event.data, "entity_id", "entity")
    return int(eid) if eid else None


def on_case_decision_made(event: DomainEvent) -> None:
    from crossreg.credit.services import credit_event_record

    data = event.data
    eid = _entity(event)
    if eid is None:
        return
    number = str(_get(data, "case_number", "number", "case", default=event.subject))
    severity = str(_get(data, "credit_severity", "severity", default="ordinary"))
    if severity not in ("minor", "ordinary", "serious"):
        severity = "ordinary"
    kinds = _get(data, "penalty_kinds", "kinds", default=[]) or []
    fine = _amount(_get(data, "fine_yuan", "fine", default=0))
    if not kinds and not fine:  # 不予处罚: no penalty, no credit event
        return
    pub_end = _get(data, "publicity_end", "publicity_until")
    credit_event_record(
        actor=SYSTEM,
        entity=eid,
        kind="penalty",
        occurred_on=_date(_get(data, "decided_on", "decided_at")),
        source_type="case",
        source_id=number,
        severity=severity,
        reason=f"行政处罚决定 {number}" + (f"（罚款 {fine:,.0f} 元）" if fine else ""),
        department_id=str(_get(data, "department_id", default=event.department_id) or "") or None,
        data={
            "penalty_kinds": list(kinds),
            "fine_yuan": str(_get(data, "fine_yuan", "fine", default="0")),
            "confiscation_yuan": str(_get(data, "confiscation_yuan", "confiscation", default="0")),
            "source": [_get(data, "source_kind"), _get(data, "source_ref")],
        },
        source_url=str(_get(data, "url", default="")) or _subject_url("case", number),
        publicity_end=_date(pub_end) if pub_end else None,
    )


def on_case_measure_imposed(event: DomainEvent) -> None:
    from crossreg.credit.services import credit_event_record

    data = event.data
    eid = _entity(event)
    if eid is None:
        return
    number = str(_get(data, "case_number", "number", "case", default=event.subject))
    ref = str(_get(data, "measure_id", "measure", "id", default=event.id))
    credit_event_record(
        actor=SYSTEM,
        entity=eid,
        kind="compulsory_measure",
        occurred_on=_date(_get(data, "imposed_on", "decided_on", "starts_on")),
        source_type="case.measure",
        source_id=f"{number}#{ref}",
        severity="ordinary",
        reason=f"行政强制措施（{_get(data, 'measure_kind', 'kind', default='查封扣押')}） {number}",
        department_id=str(_get(data, "department_id", default=event.department_id) or "") or None,
        data={"measure_kind": _get(data, "measure_kind", "kind")},
    )


def on_case_decision_withdrawn(event: DomainEvent) -> None:
    from crossreg.credit.services import credit_event_withdraw

    data = event.data
    number = str(_get(data, "case_number", "number", "case", default=event.subject))
    credit_event_withdraw(
        actor=SYSTEM,
        source_type="case",
        source_id=number,
        withdrawn_on=_date(_get(data, "revoked_on", "withdrawn_on", "decided_on")),
        reason=str(_get(data, "reason", default="处罚决定撤销")),
    )


def _rows(data: Any) -> list[dict[str, Any]]:
    """The per-check-point results, whichever key the publisher uses (``results``, ``points``,
    or ``findings`` when it is a list rather than a count)."""
    for key in ("results", "points", "findings"):
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, list):
            return [r for r in value if isinstance(r, dict)]
    return []


def _row_departments(row: dict[str, Any]) -> list[str]:
    many = row.get("departments")
    if isinstance(many, list) and many:
        return [str(d) for d in many]
    one = _get(row, "department", "department_id")
    return [str(one)] if one else []


def _item_codes(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Catalog item codes of the item versions the rows name (for commitment verification)."""
    ids = {int(v) for r in rows for v in (r.get("item_versions") or []) if str(v).isdigit()}
    if not ids:
        return {}
    from crossreg.catalog.models import ItemVersion

    return dict(ItemVersion.objects.filter(pk__in=ids).values_list("pk", "item__code"))


def on_inspection_task_published(event: DomainEvent) -> None:
    """One credit event per department of a published inspection: findings (by check point) or a
    clean visit; commitments covering the checked items are verified."""
    from crossreg.credit.services import commitments_check_inspection, credit_event_record

    data = event.data
    eid = _entity(event)
    if eid is None:
        return
    code = str(_get(data, "code", "task_code", "task", default=event.subject))
    on = _date(_get(data, "inspected_on", "published_on", "published_at"))
    rows = _rows(data)
    versions = _item_codes(rows)
    by_dept: dict[str, list[dict[str, Any]]] = {}
    checked: list[dict[str, Any]] = []
    for r in rows:
        items = [str(r[k]) for k in ("item_code", "item") if r.get(k)]
        items += [
            versions[int(v)]
            for v in (r.get("item_versions") or [])
            if str(v).isdigit() and int(v) in versions
        ]
        for dept in _row_departments(r) or [
            str(_get(data, "lead_department", default=event.department_id) or "")
        ]:
            by_dept.setdefault(dept, []).append(r)
        for item in items or [""]:
            checked.append({"item": item, "result": r.get("result")})
    for dept in _get(data, "departments", default=[]) or []:  # departments with no rows: clean
        by_dept.setdefault(str(dept), [])
    if not by_dept:
        by_dept[str(_get(data, "lead_department", default=event.department_id) or "")] = []
    trigger = str(_get(data, "trigger", default=""))
    for dept, dept_rows in sorted(by_dept.items()):
        bad = [r for r in dept_rows if _get(r, "result") == "finding"]
        credit_event_record(
            actor=SYSTEM,
            entity=eid,
            kind="inspection_finding" if bad else "inspection_clean",
            occurred_on=on,
            source_type="inspection.task",
            source_id=f"{code}#{dept}",
            severity="none",  # a supervision result (published with the result), not a dishonesty record
            category=trigger[:16],
            reason=(f"检查任务 {code} 发现问题 {len(bad)} 项" if bad else f"检查任务 {code} 未发现问题"),
            department_id=dept or None,
            data={"task": code, "findings": len(bad), "trigger": trigger},
            source_url=f"/inspections/tasks/{code}/",
        )
    if checked:
        commitments_check_inspection(actor=SYSTEM, entity_id=eid, findings=checked, on=on, source_id=code)


def on_complaint_report_justified(event: DomainEvent) -> None:
    from crossreg.credit.services import credit_event_record

    data = event.data
    eid = _entity(event)
    if eid is None:
        return
    ref = str(event.subject or _get(data, "receipt_code", "number"))
    credit_event_record(
        actor=SYSTEM,
        entity=eid,
        kind="complaint_justified",
        occurred_on=_date(_get(data, "justified_on", "decided_on"), fallback=event.time.date()),
        source_type="complaint",
        source_id=ref,
        severity="minor",
        reason=f"投诉举报查实（受理码 {_get(data, 'receipt_code', default=ref)}）",
        department_id=str(_get(data, "department_id", default=event.department_id) or "") or None,
    )


HANDLERS = {
    "case.decision.made": on_case_decision_made,
    "case.measure.imposed": on_case_measure_imposed,
    "case.decision.withdrawn": on_case_decision_withdrawn,
    "inspection.task.published": on_inspection_task_published,
    "complaint.report.justified": on_complaint_report_justified,
}


def handlers_register() -> None:
    for event_type, fn in HANDLERS.items():
        domain_event_subscribe(event_type, fn)
