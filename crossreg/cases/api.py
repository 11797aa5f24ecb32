"""``/api/v1/cases``: cases for department systems (scoped like the pages), and published decisions.

The schemas are the data standard of an enforcement case and of a published decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from crossreg.cases import clocks, selectors, services
from crossreg.cases.models import Case, SourceKind
from crossreg.core.errors import Forbidden, Invalid, NotFound
from crossreg.orgs.permissions import Principal

# Offsets past any real list (and negative ones, which a queryset slice refuses) answer 422.
OFFSET_MAX = 1_000_000_000

router = Router(tags=["cases"])


class ClockOut(Schema):
    key: str
    label: str
    basis: str
    unit: str
    due: dt.date | None
    done_on: dt.date | None
    status: str


class CaseOut(Schema):
    id: int
    number: str
    department_id: str
    entity_id: int
    title: str
    state: str
    state_label: str
    procedure: str
    party_name: str
    filed_on: dt.date
    decided_on: dt.date | None
    next_due: dt.date | None
    next_due_label: str
    version: int


class CaseDetailOut(CaseOut):
    proposed_kinds: list[str]
    proposed_fine: str
    decided_kinds: list[str]
    decided_fine: str
    decided_confiscation: str
    credit_severity: str
    task_code: str
    clocks: list[ClockOut]
    documents: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


class CasePage(Schema):
    count: int
    results: list[CaseOut]


class CaseTransitionIn(Schema):
    transition: str
    expected_version: int
    note: str = ""
    data: dict[str, Any] = {}


class SourceIn(Schema):
    department_id: str
    entity_id: int
    kind: SourceKind
    ref: str
    summary: str
    discovered_on: dt.date
    evidence: list[str] = []


class SourceOut(Schema):
    id: int
    department_id: str
    entity_id: int
    kind: str
    ref: str
    status: str
    filing_due: dt.date


class PublicDecisionOut(Schema):
    number: str
    department: str
    party: str
    representative: str
    uscc: str
    title: str
    legal_clause: str
    penalty_kinds: list[str]
    fine_yuan: str
    confiscation_yuan: str
    decided_on: str | None
    published_at: str | None
    withdrawn_at: str | None
    withdrawal_reason: str


def _out(c: Case) -> dict[str, Any]:
    return {
        "id": c.pk,
        "number": c.number,
        "department_id": c.department_id,
        "entity_id": c.entity_id,
        "title": c.title,
        "state": c.state,
        "state_label": str(c.get_state_display()),
        "procedure": c.procedure,
        "party_name": c.party_name,
        "filed_on": c.filed_on,
        "decided_on": c.decided_on,
        "next_due": c.next_due,
        "next_due_label": c.next_due_label,
        "version": c.version,
    }


def _principal(request: HttpRequest) -> Principal:
    p = Principal.of(request)
    if p.kind == "token" and "cases:read" not in (p.token.scopes if p.token else []):
        raise Forbidden("this token lacks the cases:read scope", code="scope")
    return p


@router.get("/", response=CasePage, summary="Search the department's cases")
def case_list(
    request: HttpRequest,
    q: str = "",
    state: str = "",
    overdue: bool = False,
    limit: int = 50,
    offset: int = Query(0, ge=0, le=OFFSET_MAX),
) -> dict[str, Any]:
    p = _principal(request)
    if not 1 <= limit <= 200:
        raise Invalid("limit must be 1–200", field="limit")
    qs = selectors.case_search(principal=p, q=q, state=state, overdue=overdue)
    rows = list(qs[offset : offset + limit])
    return {"count": qs.count(), "results": [_out(c) for c in rows]}


@router.get("/deadlines", response=list[CaseOut], summary="Cases by nearest deadline")
def deadlines(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    p = _principal(request)
    return [_out(c) for c in selectors.deadline_list(principal=p)[: max(1, min(limit, 200))]]


@router.get(
    "/public/decisions",
    response=list[PublicDecisionOut],
    auth=None,
    summary="Published decisions (open data)",
)
def public_decisions(
    request: HttpRequest, limit: int = 100, offset: int = Query(0, ge=0, le=OFFSET_MAX)
) -> list[dict[str, Any]]:
    limit = max(1, min(limit, 500))
    return [
        selectors.public_row(c)
        for c in selectors.public_decisions().select_related("discretion_entry")[offset : offset + limit]
    ]


@router.post("/sources", response={200: SourceOut}, summary="Register a case source (idempotent)")
def source_register(request: HttpRequest, body: SourceIn) -> dict[str, Any]:
    from crossreg.entities.models import Entity
    from crossreg.orgs.models import Department

    p = _principal(request)
    if p.user is None:
        raise Forbidden("sources are registered by people or by other apps' services", code="forbidden")
    dept = Department.objects.filter(pk=body.department_id).first()
    entity = Entity.objects.filter(pk=body.entity_id).first()
    if dept is None:
        raise NotFound("no such department", field="department_id")
    if entity is None:
        raise NotFound("no such entity", field="entity_id")
    s = services.case_source_register(
        actor=p.user,
        department=dept,
        entity=entity,
        kind=body.kind,
        ref=body.ref,
        summary=body.summary,
        discovered_on=body.discovered_on,
        evidence=body.evidence,
    )
    return {
        "id": s.pk,
        "department_id": s.department_id,
        "entity_id": s.entity_id,
        "kind": s.kind,
        "ref": s.ref,
        "status": s.status,
        "filing_due": s.filing_due,
    }


@router.get(
    "/{int:case_id}", response=CaseDetailOut, summary="One case with its clocks, documents and evidence"
)
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    p = _principal(request)
    c = selectors.case_get(principal=p, pk=case_id)
    today = timezone.localdate()
    return {
        **_out(c),
        "proposed_kinds": c.proposed_kinds,
        "proposed_fine": str(c.proposed_fine),
        "decided_kinds": c.decided_kinds,
        "decided_fine": str(c.decided_fine),
        "decided_confiscation": str(c.decided_confiscation),
        "credit_severity": c.credit_severity,
        "task_code": c.task_code,
        "clocks": [
            {
                "key": k.key,
                "label": str(k.label),
                "basis": str(k.basis),
                "unit": k.unit,
                "due": k.due,
                "done_on": k.done_on,
                "status": k.status(today),
            }
            for k in clocks.case_clocks(c, today)
        ],
        "documents": [
            {"number": d.number, "kind": d.kind, "sha256": d.sha256, "issued_at": d.issued_at.isoformat()}
            for d in c.documents.all()
        ],
        "evidence": [{"kind": e.kind, "title": e.title, "sha256": e.sha256} for e in c.evidence.all()],
    }


@router.post(
    "/{int:case_id}/transitions", response={200: CaseOut}, summary="Make a transition of the procedure"
)
def case_transition(request: HttpRequest, case_id: int, body: CaseTransitionIn) -> dict[str, Any]:
    p = _principal(request)
    if p.user is None:
        raise Forbidden("transitions are made by people (session login)", code="forbidden")
    c = selectors.case_get(principal=p, pk=case_id)
    c = services.case_transition(
        case=c,
        transition=body.transition,
        actor=p.user,
        expected_version=body.expected_version,
        note=body.note,
        data=body.data,
    )
    return _out(c)
