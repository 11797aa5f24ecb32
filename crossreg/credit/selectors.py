"""Reads for credit: grades (``grades_for``, the contract sampling and clues use), the model
version in force on a date, the engine's input columns, and scoped querysets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from crossreg.credit.engine import EVENT_SCHEMA
from crossreg.credit.models import (
    CreditEvent,
    EvaluationModel,
    Grade,
    ModelVersion,
    PushSubscription,
    RepairApplication,
)
from crossreg.orgs.permissions import Capability, Principal


def grades_for(entity_ids: Iterable[int], as_of: dt.date | None = None) -> dict[int, str]:
    """The evaluated grade (A/B/C/D) of each entity, as recorded on ``as_of`` (default: now).

    An entity that no published model has graded by then is absent from the answer; the caller
    decides what an ungraded entity counts as (sampling: ``conf.ungraded()``, routine B).
    """
    ids = [int(i) for i in entity_ids]
    if not ids:
        return {}
    out: dict[int, str] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        if as_of is None:
            rows = Grade.objects.filter(current=True, entity_id__in=chunk).values_list("entity_id", "grade")
        else:
            latest = (
                Grade.objects.filter(entity_id=OuterRef("entity_id"), as_of__lte=as_of)
                .order_by("-as_of", "-id")
                .values("id")[:1]
            )
            rows = (
                Grade.objects.filter(entity_id__in=chunk, as_of__lte=as_of)
                .filter(id=Subquery(latest))
                .values_list("entity_id", "grade")
            )
        out.update(dict(rows))
    return out


def grade_basis(as_of: dt.date | None = None) -> dict[str, Any]:
    """Which model version and grade date a consumer of ``grades_for`` used (sampling's bundle)."""
    day = as_of or timezone.localdate()
    version = public_model_version_at(day)
    last = Grade.objects.filter(as_of__lte=day).order_by("-as_of").values_list("as_of", flat=True).first()
    return {
        "model_version": version.label if version else None,
        "model_sha256": version.spec_sha256 if version else None,
        "grade_date": last.isoformat() if last else None,
        "as_of": day.isoformat(),
    }


def model_version_at(model: EvaluationModel | str, day: dt.date) -> ModelVersion | None:
    """The published version of ``model`` in force on ``day`` (superseded ones included, by date)."""
    code = model if isinstance(model, str) else model.code
    return (
        ModelVersion.objects.filter(
            model_id=code,
            status__in=[ModelVersion.Status.PUBLISHED, ModelVersion.Status.SUPERSEDED],
            effective_from__lte=day,
        )
        .select_related("model")
        .order_by("-effective_from", "-number")
        .first()
    )


def public_model_version_at(day: dt.date) -> ModelVersion | None:
    m = EvaluationModel.objects.filter(kind=EvaluationModel.Kind.PUBLIC).order_by("code").first()
    return model_version_at(m, day) if m else None


def industry_versions_at(day: dt.date) -> list[ModelVersion]:
    out = []
    for m in EvaluationModel.objects.filter(kind=EvaluationModel.Kind.INDUSTRY):
        v = model_version_at(m, day)
        if v is not None:
            out.append(v)
    return out


_EVENT_COLUMNS = (
    "id",
    "entity_id",
    "kind",
    "severity",
    "category",
    "occurred_on",
    "counts_until",
    "repaired_on",
    "withdrawn_on",
)


def events_frame_for(entity_ids: Iterable[int] | None = None, *, upto: dt.date | None = None) -> pl.DataFrame:
    """The engine's input columns for the given entities (all, without ``entity_ids``)."""
    qs = CreditEvent.objects.all()
    if entity_ids is not None:
        qs = qs.filter(entity_id__in=list(entity_ids))
    if upto is not None:
        qs = qs.filter(occurred_on__lte=upto)
    rows = list(qs.order_by().values_list(*_EVENT_COLUMNS))
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [[] for _ in _EVENT_COLUMNS]
    data = dict(zip(EVENT_SCHEMA, cols, strict=True))
    return pl.DataFrame({k: list(v) for k, v in data.items()}, schema=EVENT_SCHEMA)


# --- scoped querysets -----------------------------------------------------------------------


def event_visible_to(principal: Principal) -> QuerySet[CreditEvent]:
    """Staff see every event of the entities they may read, but the detail of other
    departments' unpublished events is theirs only; the public sees published, unrepaired ones."""
    qs = CreditEvent.objects.select_related("department")
    if principal.sees_all or principal.has(Capability.CREDIT_REVIEW):
        return qs
    if principal.is_authenticated and principal.has(Capability.VIEW_REGISTRY):
        return qs.filter(
            Q(published=True, repaired_on__isnull=True) | Q(department_id=principal.department_id)
        )
    return qs.filter(published=True, repaired_on__isnull=True, withdrawn_on__isnull=True)


def event_public(event_id: str) -> bool:
    return CreditEvent.objects.filter(
        pk=_int(event_id), published=True, repaired_on__isnull=True, withdrawn_on__isnull=True
    ).exists()


def event_visible(principal: Principal, event_id: str) -> bool:
    return event_visible_to(principal).filter(pk=_int(event_id)).exists()


def event_display(event_id: str) -> str:
    e = CreditEvent.objects.filter(pk=_int(event_id)).first()
    return f"{e.get_kind_display()} {e.occurred_on}" if e else event_id


def model_version_public(label: str) -> bool:
    return _version_by_label(label, published=True) is not None


def model_version_visible(principal: Principal, label: str) -> bool:
    v = _version_by_label(label)
    if v is None:
        return False
    if v.status in (ModelVersion.Status.PUBLISHED, ModelVersion.Status.SUPERSEDED):
        return True
    return principal.has(Capability.CREDIT_REVIEW) or principal.can(
        Capability.VIEW_DEPARTMENT_DATA, v.model.department_id
    )


def _version_by_label(label: str, *, published: bool = False) -> ModelVersion | None:
    code, _, num = str(label).partition("/v")
    if not num.isdigit():
        return None
    qs = ModelVersion.objects.select_related("model").filter(model_id=code, number=int(num))
    if published:
        qs = qs.filter(status__in=[ModelVersion.Status.PUBLISHED, ModelVersion.Status.SUPERSEDED])
    return qs.first()


def version_by_label(label: str) -> ModelVersion | None:
    return _version_by_label(label)


def grade_visible(principal: Principal, entity_id: str) -> bool:
    return principal.is_authenticated and principal.has(Capability.VIEW_REGISTRY)


def grade_public(entity_id: str) -> bool:
    return Grade.objects.filter(entity_id=_int(entity_id), current=True).exists()


def repair_visible_to(principal: Principal) -> QuerySet[RepairApplication]:
    qs = RepairApplication.objects.select_related("event", "event__entity", "event__department")
    if principal.sees_all or principal.has(Capability.CREDIT_REVIEW):
        return qs
    if principal.department_id and principal.has(Capability.VIEW_DEPARTMENT_DATA):
        return qs.filter(event__department_id=principal.department_id)
    return qs.none()


def repair_public(repair_id: str) -> bool:
    return RepairApplication.objects.filter(
        pk=_int(repair_id), status=RepairApplication.Status.APPROVED
    ).exists()


def repair_visible(principal: Principal, repair_id: str) -> bool:
    return repair_visible_to(principal).filter(pk=_int(repair_id)).exists()


def grade_distribution(as_of: dt.date | None = None) -> dict[str, int]:
    from django.db.models import Count

    rows = Grade.objects.filter(current=True).values("grade").annotate(n=Count("id")).order_by("grade")
    return {r["grade"]: r["n"] for r in rows}


def subscribed_departments_for(entity_id: int, *, serious: bool = False) -> list[str]:
    """Departments subscribed to pushes whose current lists hold the entity."""
    from crossreg.linking.models import SourceRecord

    subs = PushSubscription.objects.filter(
        **({"serious_events": True} if serious else {"grade_changes": True})
    )
    dept_ids = set(subs.values_list("department_id", flat=True))
    if not dept_ids:
        return []
    on_lists = set(
        SourceRecord.objects.filter(
            entity_id=entity_id, state=SourceRecord.State.CURRENT, department_id__in=dept_ids
        ).values_list("department_id", flat=True)
    )
    return sorted(on_lists)


def _int(v: str | int) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return -1
