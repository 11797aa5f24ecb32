"""Credit API (``/api/v1/credit``): grades for department systems, the explained score, manual
credit events and model drafts. The pydantic schemas are the published data standard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from crossreg.core.errors import Forbidden, NotFound
from crossreg.credit import explain, selectors, services
from crossreg.credit.models import EvaluationModel, Grade
from crossreg.entities.models import Entity
from crossreg.orgs.models import User
from crossreg.orgs.permissions import Capability, Principal

router = Router(tags=["credit"])


class GradeOut(Schema):
    entity_id: int
    uscc: str | None
    grade: str = Field(description="信用等级 A/B/C/D (combined public and industry grade)")
    score: float = Field(description="公共信用综合评价得分")
    model_version: str
    as_of: dt.date


class LineOut(Schema):
    points: float
    rule: str
    event_id: int | None = None
    kind: str | None = None
    occurred_on: dt.date | None = None
    source_type: str | None = None
    source_id: str | None = None


class IndicatorOut(Schema):
    dimension: str
    indicator: str
    name: str
    points: float
    lines: list[LineOut]


class ExplanationOut(Schema):
    entity_id: int
    grade: str
    score: float
    base_points: float
    model_version: str
    as_of: dt.date
    indicators: list[IndicatorOut]


class EventIn(Schema):
    entity_id: int
    kind: str
    severity: str = "ordinary"
    occurred_on: dt.date
    reason: str
    source_id: str = Field(description="The manual record's own reference (idempotency key)")
    department_id: str | None = None


class CreditEventOut(Schema):
    id: int
    entity_id: int
    kind: str
    severity: str
    occurred_on: dt.date
    counts_until: dt.date
    published: bool


class DraftIn(Schema):
    spec: dict[str, Any]
    note: str = ""


class CreditModelVersionOut(Schema):
    label: str
    status: str
    effective_from: dt.date | None
    spec_sha256: str
    diff: list[dict[str, Any]]


def _reader(request: HttpRequest) -> Principal:
    p = Principal.of(request)
    if not p.has(Capability.VIEW_REGISTRY):
        raise Forbidden(_("需要查询市场主体的权限"), code="forbidden")
    return p


@router.get("/grades", response=list[GradeOut])
def grades(request: HttpRequest, entity_ids: str, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Grades of up to 1,000 entities (comma-separated ids), as recorded on ``as_of``."""
    _reader(request)
    ids = [int(x) for x in entity_ids.split(",") if x.strip().isdigit()][:1000]
    qs = Grade.objects.filter(entity_id__in=ids).select_related("model_version", "entity")
    qs = (
        qs.filter(as_of__lte=as_of).order_by("entity_id", "-as_of", "-id")
        if as_of
        else qs.filter(current=True)
    )
    out: dict[int, dict[str, Any]] = {}
    for g in qs:
        out.setdefault(
            g.entity_id,
            {
                "entity_id": g.entity_id,
                "uscc": g.entity.uscc,
                "grade": g.grade,
                "score": g.score,
                "model_version": g.model_version.label,
                "as_of": g.as_of,
            },
        )
    return list(out.values())


@router.get("/entities/{entity_id}/explanation", response=ExplanationOut)
def explanation(request: HttpRequest, entity_id: int, as_of: dt.date | None = None) -> dict[str, Any]:
    p = _reader(request)
    if not Entity.objects.filter(pk=entity_id).exists():
        raise NotFound(_("没有这个市场主体"), field="entity_id")
    detail = "full" if (p.sees_all or p.has(Capability.CREDIT_REVIEW)) else "department"
    e = explain.explanation_for(
        entity_id=entity_id, as_of=as_of, detail=detail, department_id=p.department_id
    )
    if e is None:
        raise NotFound(_("尚未发布评价模型"), field="model")
    return {
        "entity_id": entity_id,
        "grade": e.grade,
        "score": e.score,
        "base_points": e.base,
        "model_version": e.version.label,
        "as_of": e.as_of,
        "indicators": [
            {
                "dimension": i.dimension,
                "indicator": i.code,
                "name": i.name,
                "points": i.points,
                "lines": [
                    {
                        "points": ln.points,
                        "rule": ln.text,
                        "event_id": ln.event.pk if ln.event else None,
                        "kind": ln.event.kind if ln.event else None,
                        "occurred_on": ln.event.occurred_on if ln.event else None,
                        "source_type": ln.event.source_type if ln.event else None,
                        "source_id": ln.event.source_id if ln.event else None,
                    }
                    for ln in i.lines
                ],
            }
            for i in e.indicators
        ],
    }


@router.post("/events", response={201: CreditEventOut})
def event_record(request: HttpRequest, payload: EventIn) -> tuple[int, Any]:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden(_("录入信用事件需要以个人身份登录"), code="forbidden")
    entity = Entity.objects.filter(pk=payload.entity_id).first()
    if entity is None:
        raise NotFound(_("没有这个市场主体"), field="entity_id")
    ev = services.credit_event_record(
        actor=user,
        entity=entity,
        kind=payload.kind,
        occurred_on=payload.occurred_on,
        source_type="manual",
        source_id=payload.source_id,
        severity=payload.severity,
        reason=payload.reason,
        department_id=payload.department_id or user.department_id,
    )
    return 201, ev


@router.post("/models/{code}/versions", response={201: CreditModelVersionOut})
def version_draft(request: HttpRequest, code: str, payload: DraftIn) -> tuple[int, Any]:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden(_("修改评价模型需要以个人身份登录"), code="forbidden")
    model = EvaluationModel.objects.filter(pk=code).first()
    if model is None:
        raise NotFound(_("没有该评价模型"), field="code")
    v = services.model_version_draft(actor=user, model=model, spec=payload.spec, note=payload.note)
    return 201, _version(v)


@router.get("/models/{code}/versions", response=list[CreditModelVersionOut])
def versions(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    p = Principal.of(request)
    from crossreg.credit.models import ModelVersion

    return [
        _version(v)
        for v in ModelVersion.objects.filter(model_id=code).select_related("model")
        if selectors.model_version_visible(p, v.label)
    ]


def _version(v: Any) -> dict[str, Any]:
    return {
        "label": v.label,
        "status": v.status,
        "effective_from": v.effective_from,
        "spec_sha256": v.spec_sha256,
        "diff": v.diff,
    }
