"""Reads for sampling: the pool selector, scoped plan lists, public lists, the period report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from crossreg.entities.models import Entity
from crossreg.orgs.permissions import Principal
from crossreg.sampling import conf
from crossreg.sampling.models import SamplingPlan

DEFAULT_STATUSES = (Entity.Status.ACTIVE, Entity.Status.OPERATING)


def pool_entities(
    *,
    source: str = SamplingPlan.Source.REGISTRY,
    departments: Sequence[str] = (),
    divisions: Sequence[str] = (),
    entity_types: Sequence[str] = (),
    industries: Sequence[str] = (),
    key_domains: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> QuerySet[Entity]:
    """The entities a plan draws from: the one place that decides what the pool is.

    ``source`` picks the base: the whole registry, the entities on the given departments' current
    lists (``crossreg.linking`` source records), or the cross-department base (entities on two or
    more departments' lists). Then the filters: region (a division code matches itself and
    everything below it), entity type, industry (GB/T 4754 division or section letter), key domain
    and registration status (default: active and operating).
    """
    qs = Entity.objects.all()
    if source == SamplingPlan.Source.DEPARTMENT_LIST:
        from crossreg.linking.models import SourceRecord

        recs = SourceRecord.objects.filter(state=SourceRecord.State.CURRENT, entity__isnull=False)
        if departments:
            recs = recs.filter(department_id__in=list(departments))
        qs = qs.filter(pk__in=recs.values("entity_id"))
    elif source == SamplingPlan.Source.BASE:
        from crossreg.linking.models import EntityLinkState

        qs = qs.filter(pk__in=EntityLinkState.objects.filter(in_base=True).values("entity_id"))
    if divisions:
        cond = Q()
        for code in divisions:
            cond |= Q(division__code__startswith=_division_prefix(code))
        qs = qs.filter(cond)
    if entity_types:
        qs = qs.filter(entity_type__in=list(entity_types))
    if industries:
        codes = [c for c in industries if len(c) == 2]
        sections = [c for c in industries if len(c) == 1]
        qs = qs.filter(Q(industry_id__in=codes) | Q(industry__section__in=sections))
    if key_domains:
        qs = qs.filter(key_domains__code__in=list(key_domains)).distinct()
    qs = qs.filter(status__in=list(statuses or DEFAULT_STATUSES))
    return qs


def _division_prefix(code: str) -> str:
    """320900 (the city) covers 3209…; 320902 covers itself and its townships (320902…)."""
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def pool_rows(plan: SamplingPlan) -> list[tuple[int, str | None, str]]:
    """(entity id, USCC, credit grade) of the plan's current pool, ungraded entities as B."""
    qs = pool_entities(
        source=plan.source,
        departments=[plan.department_id, *(d.pk for d in plan.participants.all())],
        divisions=plan.divisions,
        entity_types=plan.entity_types,
        industries=plan.industries,
        key_domains=plan.key_domains,
        statuses=plan.statuses,
    )
    ungraded = conf.ungraded_class()
    rows = list(qs.values_list("pk", "uscc", "credit_class"))
    # The evaluated credit grade (crossreg.credit) in place of the registry's provisional class;
    # an entity no published model has graded yet keeps its provisional class.
    from crossreg.credit.selectors import grades_for

    grades = grades_for([pk for pk, _, _ in rows])
    return [(pk, uscc, grades.get(pk) or cls or ungraded) for pk, uscc, cls in rows]


def plan_visible_list(*, user: object) -> QuerySet[SamplingPlan]:
    """Plans the principal may read (:meth:`PlanQuerySet.visible_to`)."""
    return SamplingPlan.objects.select_related("department").visible_to(Principal.of(user))


def plan_public_list() -> QuerySet[SamplingPlan]:
    return SamplingPlan.objects.select_related("department").public()


# --- the ledger subjects "sampling.plan" and "sampling.period" (registered in apps.py) ----------


def plan_subject_visible(principal: Principal, subject_id: str) -> bool:
    return SamplingPlan.objects.visible_to(principal).filter(code=subject_id).exists()


def period_subject_visible(principal: Principal, subject_id: str) -> bool:
    """A period's consolidation: departments with a plan (lead or partner) in the period."""
    return SamplingPlan.objects.visible_to(principal).filter(period=subject_id).exists()


def plan_subject_url(subject_id: str) -> str | None:
    return f"/sampling/plans/{subject_id}/"


def period_subject_url(subject_id: str) -> str | None:
    return f"/sampling/periods/{subject_id}/"


def plan_subject_display(subject_id: str) -> str:
    name = SamplingPlan.objects.filter(code=subject_id).values_list("name", flat=True).first()
    return f"{subject_id} {name}" if name else subject_id


def periods_list() -> list[str]:
    return list(SamplingPlan.objects.order_by("-period").values_list("period", flat=True).distinct())


def plan_summary(plan: SamplingPlan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "department": plan.department.name,
        "kind": plan.kind,
        "period": plan.period,
        "status": plan.status,
        "pool_root": plan.pool_root,
        "pool_size": plan.pool_size,
        "rules": plan.rules,
        "seed_source": plan.seed_source,
        "seed_due": plan.seed_due.isoformat(),
        "seed": plan.seed or None,
        "algorithm": plan.algorithm,
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "drawn_at": plan.drawn_at.isoformat() if plan.drawn_at else None,
        "selected": plan.selected_count,
    }
