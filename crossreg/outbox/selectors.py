"""Every read of the outbox, scoped to the principal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet

from crossreg.orgs.permissions import Capability, Principal
from crossreg.outbox.models import Delivery, OutboxEvent, Subscription, Target


def targets_visible_to(principal: Principal) -> QuerySet[Target]:
    qs = Target.objects.select_related("department")
    if principal.is_admin or (principal.sees_all and principal.has(Capability.VIEW_ALL)):
        return qs
    if principal.department_id and principal.can(Capability.MANAGE_DEPARTMENT, principal.department_id):
        return qs.filter(department_id=principal.department_id)
    return qs.none()


def deliveries_visible_to(principal: Principal) -> QuerySet[Delivery]:
    return Delivery.objects.filter(target__in=targets_visible_to(principal)).select_related("event", "target")


def subscriptions_of(target: Target) -> QuerySet[Subscription]:
    return target.subscriptions.filter(active=True).order_by("event_type")


@dataclass(frozen=True)
class TargetHealth:
    target: Target
    delivered: int
    backlog: int  # pending + sending
    errors: int  # failed (the error queue)
    last_delivery: dt.datetime | None
    oldest_pending: dt.datetime | None

    @property
    def status(self) -> str:
        if not self.target.active:
            return "inactive"
        if self.errors:
            return "errors"
        if self.backlog:
            return "backlog"
        return "ok"


def target_health(targets: QuerySet[Target] | list[Target]) -> list[TargetHealth]:
    """Health of each target in one aggregate query (no query per target)."""
    ids = [t.pk for t in targets]
    S = Delivery.State
    rows = {
        r["target_id"]: r
        for r in Delivery.objects.filter(target_id__in=ids)
        .values("target_id")
        .annotate(
            delivered=Count("id", filter=Q(state=S.DELIVERED)),
            backlog=Count("id", filter=Q(state__in=[S.PENDING, S.SENDING])),
            errors=Count("id", filter=Q(state=S.FAILED)),
            last=Max("delivered_at"),
            oldest=Min("created_at", filter=Q(state__in=[S.PENDING, S.SENDING])),
        )
    }
    empty: dict[str, Any] = {"delivered": 0, "backlog": 0, "errors": 0, "last": None, "oldest": None}
    out = []
    for t in targets:
        r = rows.get(t.pk, empty)
        out.append(TargetHealth(t, r["delivered"], r["backlog"], r["errors"], r["last"], r["oldest"]))
    return out


def undelivered_events() -> int:
    return OutboxEvent.objects.filter(fanned_out_at__isnull=True).count()


# --- the ledger subject "outbox_target" -------------------------------------------------------------


def target_subject_visible(principal: Principal, subject_id: str) -> bool:
    return targets_visible_to(principal).filter(code=subject_id).exists()


def target_subject_url(subject_id: str) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:  # the pages are the exchange app's (above the outbox): reverse by name, no import
        return reverse("exchange:target", args=[subject_id])
    except NoReverseMatch:
        return None


def target_subject_display(subject_id: str) -> str:
    return Target.objects.filter(code=subject_id).values_list("name", flat=True).first() or subject_id
