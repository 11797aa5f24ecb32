"""Reads for sampling: the pool selector, scoped plan lists, public lists, the period report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from crossreg.entities.models import Entity
from crossreg.orgs.permissions import Principal
from crossreg.sampling import conf
from crossreg.sampling.models import SamplingPlan

DEFAULT_STATUSES = (Entity.Status.ACTIVE, Entity.Status.OPERATING)


@dataclass(frozen=True)
class Applicability:
    """What one catalog item version applies to (its 适用行业/主体类型/重点领域); empty = any."""

    label: str
    industries: tuple[str, ...] = ()
    entity_types: tuple[str, ...] = ()
    key_domains: tuple[str, ...] = ()

    @property
    def unrestricted(self) -> bool:
        return not (self.industries or self.entity_types or self.key_domains)


def item_applicability(versions: Iterable[Any]) -> list[Applicability]:
    """The applicability of each item version. Only *key* domains (重点领域) restrict the pool:
    an entity is in one when it is tagged with it or is on a current list kept for it (a licence
    register such as 危险化学品经营许可 is kept for its domain); an enforcement field that is not a
    key domain (e.g. 工业产品质量) says who may inspect, not whom."""
    from crossreg.orgs.models import Domain

    vs = list(versions)
    key = set(Domain.objects.filter(key=True).values_list("code", flat=True))
    doms: dict[int, set[str]] = {}
    from crossreg.catalog.models import ItemVersion

    for vid, dom in ItemVersion.domains.through.objects.filter(
        itemversion_id__in=[v.pk for v in vs]
    ).values_list("itemversion_id", "domain_id"):
        doms.setdefault(vid, set()).add(dom)
    return [
        Applicability(
            label=f"{v.item.code} v{v.number}",
            industries=tuple(v.industry_list),
            entity_types=tuple(v.entity_type_list),
            key_domains=tuple(sorted(doms.get(v.pk, set()) & key)),
        )
        for v in vs
    ]


def _industry_q(codes: Sequence[str]) -> Q:
    divisions = [c for c in codes if len(c) == 2]
    sections = [c for c in codes if len(c) == 1]
    return Q(industry_id__in=divisions) | Q(industry__section__in=sections)


def _domain_q(codes: Sequence[str], *, lists_too: bool) -> Q:
    """Entities tagged with one of the key domains (a subquery, so no duplicate rows), or — for
    an item's applicability — on a current list kept for one of them."""
    tagged = Entity.key_domains.through.objects.filter(domain_id__in=list(codes)).values("entity_id")
    cond = Q(pk__in=tagged)
    if lists_too:
        from crossreg.linking.models import SourceRecord

        listed = SourceRecord.objects.filter(
            state=SourceRecord.State.CURRENT, entity__isnull=False, last_list__domain_id__in=list(codes)
        ).values("entity_id")
        cond |= Q(pk__in=listed)
    return cond


def applicability_q(applies: Sequence[Applicability]) -> Q | None:
    """Entities at least one of the items applies to; ``None`` when one applies to every entity."""
    if not applies or any(a.unrestricted for a in applies):
        return None
    cond = Q()
    for a in applies:
        c = Q()
        if a.industries:
            c &= _industry_q(a.industries)
        if a.entity_types:
            c &= Q(entity_type__in=list(a.entity_types))
        if a.key_domains:
            c &= _domain_q(a.key_domains, lists_too=True)
        cond |= c
    return cond


def _source_qs(source: str, departments: Sequence[str]) -> QuerySet[Entity]:
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
    return qs


def _filter_q(
    *,
    divisions: Sequence[str] = (),
    entity_types: Sequence[str] = (),
    industries: Sequence[str] = (),
    key_domains: Sequence[str] = (),
) -> Q:
    cond = Q()
    if divisions:
        region = Q()
        for code in divisions:
            region |= Q(division__code__startswith=_division_prefix(code))
        cond &= region
    if entity_types:
        cond &= Q(entity_type__in=list(entity_types))
    if industries:
        cond &= _industry_q(industries)
    if key_domains:
        cond &= _domain_q(key_domains, lists_too=False)
    return cond


def pool_entities(
    *,
    source: str = SamplingPlan.Source.DEPARTMENT_LIST,
    departments: Sequence[str] = (),
    applies: Sequence[Applicability] = (),
    divisions: Sequence[str] = (),
    entity_types: Sequence[str] = (),
    industries: Sequence[str] = (),
    key_domains: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> QuerySet[Entity]:
    """The entities a plan draws from: the one place that decides what the pool is.

    ``source`` picks the base: the entities on the given departments' current lists (their
    directory of supervised entities, 检查对象名录库 — the default), the whole registry (a
    deliberate choice the plan must give a reason for), or the cross-department base. Then what the
    plan's items apply to (:func:`applicability_q`: industry, entity type, key domain), then the
    plan's own filters — region (a division code matches itself and everything below it), entity
    type, industry (GB/T 4754 division or section letter), key domain — and registration status
    (default: active and operating).
    """
    qs = _source_qs(source, departments)
    item_q = applicability_q(applies)
    if item_q is not None:
        qs = qs.filter(item_q)
    qs = qs.filter(
        _filter_q(
            divisions=divisions, entity_types=entity_types, industries=industries, key_domains=key_domains
        )
    )
    return qs.filter(status__in=list(statuses or DEFAULT_STATUSES))


def _division_prefix(code: str) -> str:
    """320900 (the city) covers 3209…; 320902 covers itself and its townships (320902…)."""
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def _plan_departments(plan: SamplingPlan) -> list[str]:
    return [plan.department_id, *(d.pk for d in plan.participants.all())]


def plan_pool_entities(plan: SamplingPlan) -> QuerySet[Entity]:
    return pool_entities(
        source=plan.source,
        departments=_plan_departments(plan),
        applies=item_applicability(plan.item_versions.select_related("item")),
        divisions=plan.divisions,
        entity_types=plan.entity_types,
        industries=plan.industries,
        key_domains=plan.key_domains,
        statuses=plan.statuses,
    )


def pool_rows(plan: SamplingPlan) -> list[tuple[int, str | None, str]]:
    """(entity id, USCC, credit grade) of the plan's current pool, ungraded entities as B."""
    return [(pk, uscc, cls) for pk, uscc, cls, _basis in pool_rows_explained(plan)]


def pool_rows_explained(plan: SamplingPlan) -> list[tuple[int, str | None, str, str]]:
    """As :func:`pool_rows`, with where each class comes from: ``graded`` (the credit evaluation,
    crossreg.credit), ``provisional`` (the registry's provisional class) or ``ungraded`` (neither:
    counted as the configured class, B)."""
    ungraded = conf.ungraded_class()
    rows = list(plan_pool_entities(plan).values_list("pk", "uscc", "credit_class"))
    # The evaluated credit grade (crossreg.credit) in place of the registry's provisional class;
    # an entity no published model has graded yet keeps its provisional class.
    from crossreg.credit.selectors import grades_for

    grades = grades_for([pk for pk, _, _ in rows])
    out: list[tuple[int, str | None, str, str]] = []
    for pk, uscc, cls in rows:
        if grades.get(pk):
            out.append((pk, uscc, grades[pk], "graded"))
        elif cls:
            out.append((pk, uscc, cls, "provisional"))
        else:
            out.append((pk, uscc, ungraded, "ungraded"))
    return out


def pool_basis(plan: SamplingPlan, rows: Sequence[tuple[int, str | None, str, str]]) -> dict[str, Any]:
    """Why the pool and each stratum have their size: the funnel from the source through the items'
    applicability and the plan's filters to the registration status (one count per step), and per
    stratum where its classes come from and how its quota follows from the rule."""
    from crossreg.sampling import draw

    depts = _plan_departments(plan)
    applies = item_applicability(plan.item_versions.select_related("item"))
    qs = _source_qs(plan.source, depts)
    funnel: list[dict[str, Any]] = [
        {"step": "source", "source": plan.source, "departments": depts, "count": qs.count()}
    ]
    item_q = applicability_q(applies)
    if item_q is not None:
        qs = qs.filter(item_q)
        funnel.append(
            {
                "step": "items",
                "items": [
                    {
                        "item": a.label,
                        "industries": list(a.industries),
                        "entity_types": list(a.entity_types),
                        "key_domains": list(a.key_domains),
                    }
                    for a in applies
                ],
                "count": qs.count(),
            }
        )
    filters = {
        "divisions": list(plan.divisions),
        "entity_types": list(plan.entity_types),
        "industries": list(plan.industries),
        "key_domains": list(plan.key_domains),
    }
    if any(filters.values()):
        qs = qs.filter(_filter_q(**filters))
        funnel.append({"step": "filters", **{k: v for k, v in filters.items() if v}, "count": qs.count()})
    statuses = list(plan.statuses or DEFAULT_STATUSES)
    funnel.append({"step": "status", "statuses": statuses, "count": len(rows)})
    strata: dict[str, dict[str, Any]] = {}
    for _pk, _uscc, cls, basis in rows:
        st = strata.setdefault(cls, {"pool_size": 0, "graded": 0, "provisional": 0, "ungraded": 0})
        st["pool_size"] += 1
        st[basis] += 1
    for cls, rule in plan.rules.items():
        st = strata.setdefault(cls, {"pool_size": 0, "graded": 0, "provisional": 0, "ungraded": 0})
        n = st["pool_size"]
        st["ratio"] = str(rule["ratio"])
        st["minimum"] = int(rule["minimum"])
        st["by_ratio"] = draw.quota(n, str(rule["ratio"]), 0)
        st["quota"] = draw.quota(n, str(rule["ratio"]), int(rule["minimum"]))
    return {
        "funnel": funnel,
        "strata": dict(sorted(strata.items())),
        "ungraded_class": conf.ungraded_class(),
        "a_grade_exempt": conf.a_grade_exempt() and not plan.triggered,
    }


def plan_visible_list(*, user: object) -> QuerySet[SamplingPlan]:
    """Plans the principal may read (:meth:`PlanQuerySet.visible_to`)."""
    return SamplingPlan.objects.select_related("department").visible_to(Principal.of(user))


def can_audit_draws(user: object) -> bool:
    """Discipline inspection and audit (``Capability.AUDIT_DRAWS``): every plan's full assignment."""
    from crossreg.orgs.permissions import Capability

    return Principal.of(user).has(Capability.AUDIT_DRAWS)


def plan_for_auditor(*, user: object, code: str) -> SamplingPlan | None:
    """A published or drawn plan, for a principal who audits draws; ``None`` for anyone else."""
    if not can_audit_draws(user):
        return None
    return plan_public_list().filter(code=code).first()


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
        "source": plan.source,
        "source_reason": plan.source_reason,
        "seed_source": plan.seed_source,
        "seed_due": plan.seed_due.isoformat(),
        "seed_due_at": plan.seed_due_at.isoformat() if plan.seed_due_at else None,
        "seed": plan.seed or None,
        "seed_reference": plan.seed_reference or None,
        "algorithm": plan.algorithm,
        "published_at": plan.published_at.isoformat() if plan.published_at else None,
        "drawn_at": plan.drawn_at.isoformat() if plan.drawn_at else None,
        "selected": plan.selected_count,
    }
