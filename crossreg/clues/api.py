"""Clues API (``/api/v1/clues``): bundles and clues (scoped), raising a clue, device push."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import APIKeyHeader

from crossreg.clues import selectors, services
from crossreg.clues.ingest import readings_ingest
from crossreg.clues.models import Clue, ClueBundle, Device
from crossreg.core.errors import Forbidden
from crossreg.orgs.permissions import Capability, Principal

router = Router(tags=["clues"])


class ClueOut(Schema):
    id: int
    source: str
    source_ref: str
    entity_id: int | None
    domain: str
    risk_type: str
    severity: str
    observed_from: dt.datetime
    observed_to: dt.datetime
    summary: str
    cleared_at: dt.datetime | None
    bundle_id: int | None


class ClueBundleOut(Schema):
    id: int
    key: str
    entity_id: int
    entity: str
    risk_type: str
    window_start: dt.date
    window_end: dt.date
    status: str
    handling: str
    severity: str
    score: int
    clue_count: int
    sources: list[str]
    domains: list[str]
    departments: list[str]
    lead_department: str | None
    task_code: str
    first_signal_at: dt.datetime
    last_signal_at: dt.datetime


class BundleDetailOut(ClueBundleOut):
    clues: list[ClueOut]


class ClueIn(Schema):
    source: str
    source_ref: str
    entity_id: int | None = None
    entity_hint: dict[str, Any] | None = None
    domain: str
    risk_type: str
    severity: str
    observed_from: dt.datetime
    observed_to: dt.datetime
    summary: str
    evidence: list[dict[str, Any]] = []
    department_hint: str | None = None


class PushOut(Schema):
    received: int
    accepted: int
    rejected: int
    duplicates: int
    reasons: dict[str, int]


def _clue(c: Clue) -> dict[str, Any]:
    return {
        "id": c.pk,
        "source": c.source,
        "source_ref": c.source_ref,
        "entity_id": c.entity_id,
        "domain": c.domain_id,
        "risk_type": c.risk_type,
        "severity": c.severity,
        "observed_from": c.observed_from,
        "observed_to": c.observed_to,
        "summary": c.summary,
        "cleared_at": c.cleared_at,
        "bundle_id": c.bundle_id,
    }


def _bundle(b: ClueBundle) -> dict[str, Any]:
    return {
        "id": b.pk,
        "key": b.key,
        "entity_id": b.entity_id,
        "entity": b.entity.name,
        "risk_type": b.risk_type,
        "window_start": b.window_start,
        "window_end": b.window_end,
        "status": b.status,
        "handling": b.handling,
        "severity": b.severity,
        "score": b.score,
        "clue_count": b.clue_count,
        "sources": list(b.sources),
        "domains": list(b.domains),
        "departments": sorted(d.code for d in b.departments.all()),
        "lead_department": b.lead_department_id,
        "task_code": b.task_code,
        "first_signal_at": b.first_signal_at,
        "last_signal_at": b.last_signal_at,
    }


@router.get("", response=list[ClueBundleOut])
def bundles(
    request: HttpRequest,
    source: str = "",
    domain: str = "",
    severity: str = "",
    handling: str = "",
    status: str = "",
    limit: int = 100,
) -> list[dict[str, Any]]:
    principal = Principal.of(request)
    qs = selectors.bundle_list(
        principal=principal, source=source, domain=domain, severity=severity, handling=handling, status=status
    ).prefetch_related("departments")
    return [_bundle(b) for b in qs[: max(1, min(limit, 500))]]


@router.get("/bundles/{bundle_id}", response=BundleDetailOut)
def bundle_detail(request: HttpRequest, bundle_id: int) -> dict[str, Any]:
    b = selectors.bundle_get(principal=Principal.of(request), pk=bundle_id)
    return {**_bundle(b), "clues": [_clue(c) for c in b.clues.order_by("observed_from", "id")]}


@router.post("/clues", response={201: ClueOut})
def clue_create(request: HttpRequest, payload: ClueIn) -> tuple[int, dict[str, Any]]:
    """A department's system raises a clue (idempotent by source and source_ref)."""
    principal = Principal.of(request)
    dept = payload.department_hint or principal.department_id
    if not (principal.can(Capability.HANDLE_CLUES, dept) or principal.kind == "token"):
        raise Forbidden("raising clues needs the handle-clues capability", code="forbidden")
    from crossreg.entities.models import Entity

    entity = Entity.objects.filter(pk=payload.entity_id).first() if payload.entity_id else None
    actor: Any = principal.user or f"token:{principal.token.pk if principal.token else ''}"
    clue = services.clue_raise(
        actor=actor,
        source=payload.source,
        source_ref=payload.source_ref,
        entity=entity,
        entity_hint=payload.entity_hint,
        domain=payload.domain,
        risk_type=payload.risk_type,
        severity=payload.severity,
        observed_from=payload.observed_from,
        observed_to=payload.observed_to,
        summary=payload.summary,
        evidence=payload.evidence,
        department_hint=dept,
    )
    return 201, _clue(clue)


class DeviceToken(APIKeyHeader):
    """A monitoring device's own token (``X-Device-Token``), set when the device is registered."""

    param_name = "X-Device-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Device | None:
        if not key:
            return None
        return Device.objects.filter(
            token_sha256=hashlib.sha256(key.encode()).hexdigest(), active=True
        ).first()


@router.post("/push", response=PushOut, auth=DeviceToken())
def push(request: HttpRequest) -> dict[str, Any]:
    """HTTP push of HJ 212 packets by a device: the body is one or more packets, one per line."""
    device = request.auth  # type: ignore[attr-defined]
    body = request.body[: 4 * 1024 * 1024]
    packets = [line for line in body.split(b"\n") if line.strip()][:5000]
    res = readings_ingest(packets=packets, channel="http", device=device)
    return {
        "received": res.received,
        "accepted": res.accepted,
        "rejected": res.rejected,
        "duplicates": res.duplicates,
        "reasons": res.reasons,
    }
