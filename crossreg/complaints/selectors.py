"""Every read of complaints and reports, scoped to the principal who asks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crossreg.complaints import conf, dedup, workflow
from crossreg.complaints.models import (
    OPEN_STATES,
    Kind,
    Resolution,
    Reward,
    RewardState,
    RoutingRule,
    RoutingRuleSet,
    State,
    Submission,
)
from crossreg.orgs.permissions import Capability, Principal


class SubmissionQuerySet(QuerySet[Submission]):
    def visible_to(self, principal: Principal) -> SubmissionQuerySet:
        """Leaders and the intake desk see every submission; a department sees those it handles."""
        if principal.is_anonymous:
            return self.none()
        if principal.sees_all or principal.is_admin or workflow.is_intake_desk(principal):
            return self.all()
        if principal.department_id and (
            principal.has(Capability.HANDLE_COMPLAINTS) or principal.has(Capability.VIEW_DEPARTMENT_DATA)
        ):
            return self.filter(department_id=principal.department_id)
        return self.none()


def submissions() -> SubmissionQuerySet:
    return SubmissionQuerySet(Submission)


def submission_visible_list(*, principal: Principal) -> SubmissionQuerySet:
    return submissions().visible_to(principal).select_related("department", "entity", "matter")


def submission_get(*, principal: Principal, receipt_code: str) -> Submission | None:
    return submission_visible_list(principal=principal).filter(receipt_code=receipt_code).first()


def submission_public(*, receipt_code: str) -> Submission | None:
    """What the receipt code shows to its holder (no account): the submission, or None."""
    code = (receipt_code or "").strip().upper()
    if not code:
        return None
    return Submission.objects.select_related("duplicate_of", "department").filter(receipt_code=code).first()


def root_of(sub: Submission) -> Submission:
    """The original a duplicate follows (a duplicate's submitter sees the original's progress)."""
    seen: set[int] = set()
    while sub.duplicate_of_id is not None and sub.pk not in seen:
        seen.add(sub.pk)
        sub = Submission.objects.select_related("department").get(pk=sub.duplicate_of_id)
    return sub


def inbox(
    *, principal: Principal, department_id: str | None = None, overdue: bool = False
) -> SubmissionQuerySet:
    """Open submissions of the department, nearest deadline first."""
    qs = submission_visible_list(principal=principal).filter(state__in=list(OPEN_STATES))
    if department_id:
        qs = qs.filter(department_id=department_id)
    if overdue:
        qs = qs.filter(overdue=True)
    return qs.order_by("deadline", "received_at", "id")


def unrouted(*, principal: Principal) -> SubmissionQuerySet:
    """Waiting for a person: no department, or an entity given but not resolved."""
    return (
        submission_visible_list(principal=principal)
        .filter(Q(department__isnull=True) | Q(resolution=Resolution.UNRESOLVED), state=State.RECEIVED)
        .order_by("received_at", "id")
    )


# --- entity resolution (the object base) ------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    entity: Any  # Entity | None
    how: str  # uscc | name | none


def entity_resolve(*, uscc: str = "", name: str = "") -> Resolved:
    """The registry entity a person named: by USCC, else by the standardised name (the entities
    app's ``normalize_name``, as linking uses it), when exactly one entity has it."""
    from crossreg.entities.models import Entity
    from crossreg.entities.names import normalize_name
    from crossreg.entities.uscc import uscc_normalize

    code = uscc_normalize(uscc or "")
    if code and len(code) == 18:
        found = Entity.objects.filter(uscc=code).first()
        if found is not None:
            return Resolved(found, "uscc")
    norm = normalize_name(name or "") if (name or "").strip() else ""
    if norm:
        hits = list(Entity.objects.filter(name_norm=norm).order_by("id")[:2])
        if len(hits) == 1:
            return Resolved(hits[0], "name")
    return Resolved(None, "none")


# --- routing ----------------------------------------------------------------------------------


def ruleset_current() -> RoutingRuleSet | None:
    return RoutingRuleSet.objects.filter(active=True).order_by("-version").first()


@lru_cache(maxsize=8)
def _rules(ruleset_pk: int, created_at: str) -> tuple[tuple[int, str | None, str], ...]:
    """A rule set's rules in order (a version never changes, so it is cached; the key includes
    its creation time so that a reused id after a rollback is never mistaken for it)."""
    return tuple(
        RoutingRule.objects.filter(ruleset_id=ruleset_pk)
        .order_by("seq")
        .values_list("seq", "matter_id", "industry_prefix")
    )


def route_find(*, matter_id: str | None, industry_code: str | None) -> RoutingRule | None:
    """The first rule of the current set that matches (matter, the entity's industry)."""
    rs = ruleset_current()
    if rs is None:
        return None
    for seq, matter, prefix in _rules(rs.pk, rs.created_at.isoformat()):
        if matter is not None and matter != matter_id:
            continue
        if prefix and not (industry_code or "").startswith(prefix):
            continue
        return RoutingRule.objects.select_related("department").get(ruleset=rs, seq=seq)
    return None


# --- deduplication ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    submission: Submission
    score: float
    why: str  # entity | place


def duplicate_suggestions(
    *,
    entity_id: int | None,
    place_key: str,
    tokens: str,
    exclude_id: int | None = None,
    today: dt.date | None = None,
) -> list[Suggestion]:
    """Open originals about the same entity or place, of the last ``COMPLAINT_DEDUP_DAYS``, whose
    text is at least ``COMPLAINT_DEDUP_THRESHOLD`` alike, best first."""
    if entity_id is None and not place_key:
        return []
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=int(conf.get("COMPLAINT_DEDUP_DAYS")))
    cond = Q()
    if entity_id is not None:
        cond |= Q(entity_id=entity_id)
    if place_key:
        cond |= Q(place_key=place_key)
    qs = (
        Submission.objects.filter(cond, state__in=list(OPEN_STATES - {State.REFUSED}), received_on__gte=since)
        .filter(duplicate_of__isnull=True)
        .exclude(state=State.SPLIT)
        .only(
            "id",
            "receipt_code",
            "entity_id",
            "place_key",
            "text_tokens",
            "kind",
            "state",
            "received_at",
            "title",
        )
        .order_by("-received_at")
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    threshold = float(conf.get("COMPLAINT_DEDUP_THRESHOLD"))
    out: list[Suggestion] = []
    for s in qs[: int(conf.get("COMPLAINT_DEDUP_CANDIDATES"))]:
        score = dedup.similarity(tokens, s.text_tokens)
        if score >= threshold:
            out.append(
                Suggestion(
                    s, score, "entity" if entity_id is not None and s.entity_id == entity_id else "place"
                )
            )
    out.sort(key=lambda x: (-x.score, x.submission.received_at))
    return out[:10]


# --- rewards ----------------------------------------------------------------------------------


def reward_visible_list(*, principal: Principal) -> QuerySet[Reward]:
    qs = Reward.objects.select_related("submission", "department")
    if principal.is_anonymous:
        return qs.none()
    if principal.has(Capability.APPROVE_REWARDS) or principal.sees_all or principal.is_admin:
        return qs
    if principal.department_id and principal.has(Capability.HANDLE_COMPLAINTS):
        return qs.filter(department_id=principal.department_id)
    return qs.none()


def reward_queue(*, principal: Principal) -> QuerySet[Reward]:
    return reward_visible_list(principal=principal).filter(
        state__in=[RewardState.COMPUTED, RewardState.FINANCE_REVIEW, RewardState.APPROVED]
    )


# --- statistics (leaders) ---------------------------------------------------------------------


def statistics(*, principal: Principal, since: dt.date, until: dt.date) -> dict[str, Any]:
    """Volume by matter and department, on-time rate, repeat entities — aggregated in the database."""
    qs = submissions().visible_to(principal).filter(received_on__gte=since, received_on__lte=until)
    qs = qs.exclude(state__in=[State.SPLIT])
    by_matter = list(qs.values("matter__name").annotate(n=Count("id")).order_by("-n", "matter__name")[:20])
    by_department = list(
        qs.values("department__short_name")
        .annotate(n=Count("id"))
        .order_by("-n", "department__short_name")[:20]
    )
    by_kind = {r["kind"]: r["n"] for r in qs.values("kind").annotate(n=Count("id"))}
    replied = qs.filter(replied_on_time__isnull=False).aggregate(
        total=Count("id"), on_time=Count("id", filter=Q(replied_on_time=True))
    )
    repeat = list(
        qs.filter(entity__isnull=False)
        .values("entity_id", "entity__name")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "entity_id")[:10]
    )
    total = sum(by_kind.values())
    return {
        "total": total,
        "by_kind": [(Kind(k).label, by_kind.get(k, 0)) for k in Kind.values],
        "by_matter": by_matter,
        "by_department": by_department,
        "replied": replied["total"] or 0,
        "on_time": replied["on_time"] or 0,
        "on_time_rate": (replied["on_time"] / replied["total"]) if replied["total"] else None,
        "overdue_open": qs.filter(overdue=True, state__in=list(OPEN_STATES)).count(),
        "repeat_entities": repeat,
    }


# --- ledger subjects --------------------------------------------------------------------------


def submission_subject_visible(principal: Principal, subject_id: str) -> bool:
    if not str(subject_id).isdigit():
        return False
    return submissions().visible_to(principal).filter(pk=int(subject_id)).exists()


def submission_subject_display(subject_id: str) -> str:
    code = (
        Submission.objects.filter(pk=int(subject_id)).values_list("receipt_code", flat=True).first()
        if str(subject_id).isdigit()
        else None
    )
    return f"投诉举报 {code}" if code else f"投诉举报 #{subject_id}"


def submission_subject_url(subject_id: str) -> str | None:
    from django.urls import reverse

    code = (
        Submission.objects.filter(pk=int(subject_id)).values_list("receipt_code", flat=True).first()
        if str(subject_id).isdigit()
        else None
    )
    return reverse("complaints:detail", args=[code]) if code else None


def reward_subject_visible(principal: Principal, subject_id: str) -> bool:
    if not str(subject_id).isdigit():
        return False
    return reward_visible_list(principal=principal).filter(pk=int(subject_id)).exists()


def reward_subject_display(subject_id: str) -> str:
    return f"举报奖励 #{subject_id}"


def reward_subject_url(subject_id: str) -> str | None:
    from django.urls import reverse

    return reverse("complaints:rewards") if str(subject_id).isdigit() else None


def ruleset_subject_visible(principal: Principal, subject_id: str) -> bool:
    return (
        principal.is_authenticated
        and RoutingRuleSet.objects.filter(pk=int(subject_id) if str(subject_id).isdigit() else 0).exists()
    )
