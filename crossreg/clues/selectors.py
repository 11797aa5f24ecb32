"""Reads for clues, scoped to the principal: inbox, bundles, watch list, risk ranking, subjects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from crossreg.clues import conf
from crossreg.clues.models import Clue, ClueBundle, Device, RuleVersion
from crossreg.orgs.permissions import Principal


def bundle_list(
    *,
    principal: Principal,
    source: str = "",
    domain: str = "",
    severity: str = "",
    handling: str = "",
    status: str = "",
) -> QuerySet[ClueBundle]:
    qs = ClueBundle.objects.visible_to(principal).select_related("entity", "lead_department")
    if source:
        qs = qs.filter(clues__source=source)
    if domain:
        qs = qs.filter(clues__domain_id=domain)
    if severity:
        qs = qs.filter(severity=severity)
    if handling:
        qs = qs.filter(handling=handling)
    if status:
        qs = qs.filter(status=status)
    return qs.distinct().order_by("-last_signal_at", "-id")


def bundle_get(*, principal: Principal, pk: int) -> ClueBundle:
    from crossreg.core.errors import NotFound

    found = (
        ClueBundle.objects.visible_to(principal)
        .select_related("entity", "lead_department")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound("clue bundle not found", field="id")
    return found


def clue_queue(*, principal: Principal) -> QuerySet[Clue]:
    """Clues whose entity could not be resolved, waiting for a person."""
    return Clue.objects.visible_to(principal).filter(entity__isnull=True).select_related("domain")


def device_list(*, principal: Principal) -> QuerySet[Device]:
    return Device.objects.visible_to(principal).select_related("entity", "department", "domain")


def device_usable(device: Device, on: dt.date) -> str:
    """ "" if the device's data is usable evidence on ``on`` (Art. 41), else the reason code."""
    if not device.active:
        return "device_inactive"
    if device.reviewed_on is None or device.reviewed_on > on:
        return "device_not_reviewed"
    if device.review_valid_until is not None and device.review_valid_until < on:
        return "review_expired"
    if device.location_published_at is None:
        return "location_unpublished"
    return ""


def rule_list() -> QuerySet[RuleVersion]:
    return RuleVersion.objects.select_related("domain").order_by("code", "-version")


def watch_list(*, principal: Principal, today: dt.date | None = None) -> QuerySet[ClueBundle]:
    """Serious open bundles nobody acted on within ``CLUES_WATCH_DAYS`` days (EPA-style watch list)."""
    now = timezone.now() if today is None else timezone.make_aware(dt.datetime.combine(today, dt.time(12)))
    cutoff = now - dt.timedelta(days=conf.watch_days())
    return (
        ClueBundle.objects.visible_to(principal)
        .filter(
            status=ClueBundle.Status.OPEN,
            severity__in=["high", "critical"],
            handling=ClueBundle.Handling.NEW,
            task_code="",
            first_signal_at__lte=cutoff,
        )
        .select_related("entity", "lead_department")
        .order_by("first_signal_at", "id")
    )


# --- credit grade behind one function -----------------------------------------------------------


def grades_for(entity_ids: Iterable[int]) -> dict[int, str]:
    """Credit grades (A–D): the credit app's model when it is there, else the registry's class."""
    ids = list(entity_ids)
    try:
        from crossreg.credit.selectors import grades_for as credit_grades  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from crossreg.entities.models import Entity

        return {pk: g for pk, g in Entity.objects.filter(pk__in=ids).values_list("pk", "credit_class") if g}
    return dict(credit_grades(ids))


def risk_scores(entity_ids: Iterable[int]) -> dict[int, float]:
    """Key-domain risk score per entity: open bundles' scores, credit grade, past findings."""
    from crossreg.inspections.models import TaskPoint

    ids = list(entity_ids)
    w = conf.risk_weights()
    out = dict.fromkeys(ids, 0.0)
    for eid, score in ClueBundle.objects.filter(entity_id__in=ids, status="open").values_list(
        "entity_id", "score"
    ):
        out[eid] += w["bundle"] * score
    for eid, grade in grades_for(ids).items():
        out[eid] += w.get(f"grade_{grade}", 0.0)
    findings = (
        TaskPoint.objects.filter(task__entity_id__in=ids, result="finding")
        .values("task__entity_id")
        .annotate(n=Count("task", distinct=True))
    )
    for row in findings:
        out[row["task__entity_id"]] += w["finding"] * row["n"]
    return out


def risk_ranking(*, principal: Principal, limit: int = 50) -> list[dict[str, Any]]:
    """The watch list ranked by risk: entities with open bundles visible to the principal."""
    bundles = ClueBundle.objects.visible_to(principal).filter(status="open")
    ids = list(bundles.values_list("entity_id", flat=True).distinct()[:5000])
    scores = risk_scores(ids)
    grades = grades_for(ids)
    from crossreg.entities.models import Entity

    names = dict(Entity.objects.filter(pk__in=ids).values_list("pk", "name"))
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    rows: list[dict[str, Any]] = [
        {"entity_id": eid, "name": names.get(eid, ""), "score": round(s, 1), "grade": grades.get(eid, "")}
        for eid, s in ranked
    ]
    return rows[:limit]


def entity_bundles(*, principal: Principal, entity_id: int) -> QuerySet[ClueBundle]:
    return ClueBundle.objects.visible_to(principal).filter(entity_id=entity_id).order_by("-last_signal_at")


# --- ledger subjects ---------------------------------------------------------------------------


def bundle_subject_visible(principal: Principal, subject_id: str) -> bool:
    return (
        subject_id.isdigit() and ClueBundle.objects.visible_to(principal).filter(pk=int(subject_id)).exists()
    )


def bundle_subject_url(subject_id: str) -> str | None:
    return reverse("clues:bundle", args=[int(subject_id)]) if subject_id.isdigit() else None


def bundle_subject_display(subject_id: str) -> str:
    found = (
        ClueBundle.objects.filter(pk=int(subject_id)).values_list("key", flat=True).first()
        if subject_id.isdigit()
        else None
    )
    return f"线索归并 {found}" if found else subject_id


def clue_subject_visible(principal: Principal, subject_id: str) -> bool:
    return subject_id.isdigit() and Clue.objects.visible_to(principal).filter(pk=int(subject_id)).exists()


def clue_subject_url(subject_id: str) -> str | None:
    if not subject_id.isdigit():
        return None
    bundle = Clue.objects.filter(pk=int(subject_id)).values_list("bundle_id", flat=True).first()
    return reverse("clues:bundle", args=[bundle]) if bundle else None


def clue_subject_display(subject_id: str) -> str:
    row = (
        Clue.objects.filter(pk=int(subject_id)).values_list("source", "source_ref").first()
        if subject_id.isdigit()
        else None
    )
    return f"线索 {row[0]}:{row[1]}" if row else subject_id


def signed_in_visible(principal: Principal, subject_id: str) -> bool:
    return principal.is_authenticated


def _published_rule(subject_id: str) -> bool:
    return True  # published rules are public: what the platform watches for is no secret


def _q_any(*qs: Q) -> Q:
    out = Q()
    for q in qs:
        out |= q
    return out
