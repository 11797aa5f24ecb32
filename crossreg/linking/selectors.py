"""Reads of the supervision-object base, scoped to the user asking.

A department's staff see their own department's lists and records; leaders, the big-data bureau and
administrators see every department's. The cross-department base itself (which entities are in it
and since when) is visible to every signed-in user who may read the registry; the records behind it
follow the department scope.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from crossreg.core.errors import Forbidden
from crossreg.core.masking import mask_name
from crossreg.entities.models import Entity
from crossreg.entities.selectors import personal_masked
from crossreg.linking.models import (
    BaseMembershipEvent,
    EntityLinkState,
    EntityRelation,
    ReviewPair,
    SourceList,
    SourceRecord,
)
from crossreg.linking.services import can_review
from crossreg.orgs.models import Department, Domain, User
from crossreg.orgs.permissions import Capability, user_can


def _sees_all(user: Any) -> bool:
    return user_can(user, Capability.VIEW_ALL)


def source_list_list(*, user: User) -> QuerySet[SourceList]:
    qs = SourceList.objects.select_related("department", "uploaded_by", "domain").order_by(
        "-uploaded_at", "-id"
    )
    if _sees_all(user):
        return qs
    if getattr(user, "department_id", None) and user_can(user, Capability.VIEW_DEPARTMENT_DATA):
        return qs.filter(department_id=user.department_id)
    return qs.none()


def source_record_list(
    *, user: User, entity: Entity | None = None, current_only: bool = False
) -> QuerySet[SourceRecord]:
    qs = SourceRecord.objects.select_related("department", "last_list", "source_list").order_by(
        "department_id", "id"
    )
    if entity is not None:
        qs = qs.filter(entity=entity)
    if current_only:
        qs = qs.filter(state=SourceRecord.State.CURRENT)
    if _sees_all(user):
        return qs
    if getattr(user, "department_id", None) and user_can(user, Capability.VIEW_DEPARTMENT_DATA):
        return qs.filter(department_id=user.department_id)
    return qs.none()


def department_list_visible(*, user: Any, department: str) -> bool:
    """Which entities a department supervises (its current list) is for that department's own users,
    leaders and the big-data bureau (need-to-know: e.g. the public-security bureau's list is not the
    market regulator's business)."""
    if _sees_all(user):
        return True
    own = getattr(user, "department_id", None)
    return bool(own) and own == department and user_can(user, Capability.VIEW_DEPARTMENT_DATA)


def departments_shown(*, user: Any, codes: list[str]) -> list[str]:
    """The departments of an entity's membership that ``user`` may be told of: all of them for
    those who see every department, else only the user's own (the count stays complete)."""
    if _sees_all(user):
        return list(codes)
    own = getattr(user, "department_id", None)
    return [c for c in codes if own and c == own]


def base_department_choices(*, user: Any) -> QuerySet[Department]:
    """The supervising departments whose list ``user`` may filter the base by."""
    qs = Department.objects.filter(role=Department.Role.SUPERVISING).order_by("code")
    if _sees_all(user):
        return qs
    own = getattr(user, "department_id", None)
    if own and user_can(user, Capability.VIEW_DEPARTMENT_DATA):
        return qs.filter(pk=own)
    return qs.none()


def base_member_list(
    *, user: User, domain: str | None = None, department: str | None = None, q: str = ""
) -> QuerySet[EntityLinkState]:
    """Entities in the cross-department base; a key-domain library is the base filtered by a domain:
    the entity's own key domains, or a current record on a list kept for that domain.

    Filtering by ``department`` lists what that department supervises: ``Forbidden`` unless
    :func:`department_list_visible`."""
    if not user_can(user, Capability.VIEW_REGISTRY):
        return EntityLinkState.objects.none()
    if department and not department_list_visible(user=user, department=department):
        raise Forbidden(
            "a department's list of supervised entities is for that department, leaders and the "
            "big-data bureau",
            field="department",
            code="forbidden",
        )
    qs = EntityLinkState.objects.filter(in_base=True).select_related("entity", "entity__division")
    if domain:
        in_list = SourceRecord.objects.filter(
            state=SourceRecord.State.CURRENT, last_list__domain_id=domain
        ).values("entity_id")
        qs = qs.filter(Q(entity__key_domains__code=domain) | Q(entity_id__in=in_list)).distinct()
    if department:
        qs = qs.filter(
            entity_id__in=SourceRecord.objects.filter(
                state=SourceRecord.State.CURRENT, department_id=department
            ).values("entity_id")
        )
    if q:
        qs = qs.filter(Q(entity__name__icontains=q) | Q(entity__uscc=q.strip().upper()))
    return qs.order_by("-department_count", "entity_id")


def key_domains() -> QuerySet[Domain]:
    return Domain.objects.filter(key=True).order_by("code")


def review_pair_list(*, user: User, status: str = ReviewPair.Status.PENDING) -> QuerySet[ReviewPair]:
    if not can_review(user):
        return ReviewPair.objects.none()
    return (
        ReviewPair.objects.filter(status=status)
        .select_related(
            "record", "record__department", "other_record", "other_record__department", "other_entity"
        )
        .order_by("-match_probability", "id")
    )


# ---------------------------------------------------------------------------------------------
# Golden record and the 360 view
# ---------------------------------------------------------------------------------------------

GOLDEN_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "名称"),
    ("uscc", "统一社会信用代码"),
    ("registration_no", "注册号"),
    ("address", "地址"),
    ("legal_rep", "法定代表人/负责人"),
    ("phone", "联系电话"),
)


@dataclass
class Claim:
    value: str
    source: str
    department_code: str
    on: Any
    count: int = 1


@dataclass
class GoldenField:
    name: str
    label: str
    value: str
    claims: list[Claim] = field(default_factory=list)

    @property
    def conflict(self) -> bool:
        return len({_fold(c.value) for c in self.claims}) > 1

    @property
    def chosen_from(self) -> Claim | None:
        return next((c for c in self.claims if _fold(c.value) == _fold(self.value)), None)


def _fold(value: str) -> str:
    from crossreg.entities.names import normalize_name

    return normalize_name(value or "")


def golden_record(*, entity: Entity, records: list[SourceRecord]) -> list[GoldenField]:
    """Each field's value with per-source provenance: the registry (市场监管 registration) is the
    anchor where it has a value; otherwise the value most departments give, the most recent first.
    Every source's value is listed, so conflicts are visible."""
    out: list[GoldenField] = []
    source_only = EntityLinkState.objects.filter(entity=entity, source_only=True).exists()
    for fname, label in GOLDEN_FIELDS:
        claims: list[Claim] = []
        registry_value = "" if source_only else str(getattr(entity, fname, "") or "")
        if registry_value:
            claims.append(Claim(registry_value, "市场主体登记", "registry", entity.updated_at))
        for r in sorted(records, key=lambda r: r.last_list.uploaded_at, reverse=True):
            value = r.uscc_raw if fname == "uscc" and not r.uscc else getattr(r, fname, "")
            if fname == "uscc" and r.registration_no and not r.uscc:
                continue
            if not value:
                continue
            claims.append(
                Claim(
                    str(value),
                    r.department.short_name or r.department.name,
                    r.department_id,
                    r.last_list.uploaded_at,
                )
            )
        if registry_value:
            value = registry_value
        else:
            votes = Counter(_fold(c.value) for c in claims)
            best = votes.most_common(1)[0][0] if votes else ""
            value = next((c.value for c in claims if _fold(c.value) == best), "")
        out.append(GoldenField(name=fname, label=label, value=value, claims=claims))
    return out


def entity_360_context(*, user: User, entity: Entity) -> dict[str, Any]:
    """Everything the entity page's 360 section shows: every visible department's record, the golden
    record with provenance and conflicts, base membership and its history, branch relations.

    Template: ``linking/partials/entity_360.html`` (``{% include "linking/partials/entity_360.html" with l360=l360 %}``
    after putting this dict in the context as ``l360``).
    """
    records = list(source_record_list(user=user, entity=entity))
    current = [r for r in records if r.state == SourceRecord.State.CURRENT]
    state = EntityLinkState.objects.filter(entity=entity).first()
    events = list(BaseMembershipEvent.objects.filter(entity=entity).select_related("source_list")[:50])
    parents = list(EntityRelation.objects.filter(child=entity).select_related("parent"))
    children = list(EntityRelation.objects.filter(parent=entity).select_related("child")[:50])
    all_departments = state.departments if state else sorted({r.department_id for r in current})
    shown = departments_shown(user=user, codes=list(all_departments))
    for ev in events:  # the history names only the departments the user may be told of (not saved)
        ev.departments = departments_shown(user=user, codes=list(ev.departments or []))
    golden = golden_record(entity=entity, records=current)
    masked = personal_masked(entity, user=user)
    if masked:  # the operator of an individual business is a natural person (core.masking)
        for g in golden:
            if g.name == "legal_rep":
                g.value = mask_name(g.value)
                for c in g.claims:
                    c.value = mask_name(c.value)
    return {
        "entity": entity,
        "records": records,
        "current_records": current,
        "left_records": [r for r in records if r.state == SourceRecord.State.LEFT],
        "golden": golden,
        "personal_masked": masked,
        "state": state,
        "in_base": bool(state and state.in_base),
        "departments": shown,
        "department_names": [
            d.short_name or d.name for d in Department.objects.filter(pk__in=shown).order_by("code")
        ],
        "hidden_departments": max(0, len(all_departments) - len(shown)),
        "events": events,
        "parents": parents,
        "children": children,
        "source_only": bool(state and state.source_only),
        # A registry entity may lose even its only record (it moves to a new source-only entity);
        # a source-only entity needs a record that stays.
        "can_split": can_review(user) and len(current) > (1 if state and state.source_only else 0),
    }
