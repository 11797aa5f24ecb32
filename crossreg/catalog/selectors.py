"""Catalog reads. Public selectors return published things only; internal ones are scoped to the user."""

from __future__ import annotations

import itertools
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.catalog import conf, workflow
from crossreg.catalog.models import (
    ChangeRequest,
    CheckPoint,
    CrossDepartmentItem,
    ItemVersion,
    Opinion,
    SupervisionItem,
)
from crossreg.catalog.querysets import ItemVersionQuerySet, reads_every_version
from crossreg.core.errors import NotFound
from crossreg.orgs.permissions import Capability, Principal

V = ItemVersion.Status
C = ChangeRequest.Status


# --- public -----------------------------------------------------------------------------------


def catalog_public_fingerprint() -> str:
    """Changes whenever what the public catalog shows can change: a version published, superseded
    or withdrawn (each moves ``state_entered_at`` or the count). One aggregate query; the public
    pages' cache keys include it, so a publication is visible at once in every server process."""
    from django.db.models import Count, Max

    agg = ItemVersion.objects.filter(status__in=ItemVersion.PUBLIC).aggregate(
        n=Count("id"), last=Max("state_entered_at"), top=Max("id")
    )
    last = agg["last"].isoformat() if agg["last"] else ""
    return f"{agg['n']}:{agg['top']}:{last}"


def catalog_public_list(
    *, q: str = "", department: str = "", domain: str = "", method: str = ""
) -> QuerySet[ItemVersion]:
    """Published versions, searchable by text, department, key domain and method."""
    qs = ItemVersion.objects.filter(status=V.PUBLISHED)
    q = q.strip()
    if q:
        # The code is matched in a subquery rather than through the join, so the filter (and the
        # paginator's COUNT) stays on the version table; on PostgreSQL each of the three conditions
        # has a trigram index on its UPPER() expression (migration 0004).
        codes = SupervisionItem.objects.filter(code__icontains=q).values("pk")
        qs = qs.filter(Q(name__icontains=q) | Q(legal_basis__icontains=q) | Q(item_id__in=codes))
    if department:
        qs = qs.filter(item__department_id=department)
    if domain:
        qs = qs.filter(domains__code=domain)
    if method:
        qs = qs.filter(methods__contains=f",{method},")
    return qs.select_related("item", "item__department").prefetch_related("domains").order_by("item__code")


def _full(qs: QuerySet[ItemVersion]) -> QuerySet[ItemVersion]:
    return qs.select_related("item", "item__department").prefetch_related(
        "domains",
        "power_items",
        "involved_departments",
        Prefetch("check_points", queryset=CheckPoint.objects.order_by("seq")),
    )


def catalog_public_item(*, code: str) -> tuple[SupervisionItem, ItemVersion | None, list[ItemVersion]]:
    """An item, its version in force (None if withdrawn) and its public history (newest first)."""
    item = SupervisionItem.objects.select_related("department").filter(code=code).first()
    if item is None:
        raise NotFound(_("没有该监管事项"), field="code")
    history = list(item.versions.filter(status__in=ItemVersion.PUBLIC).order_by("-number"))
    for newer, older in itertools.pairwise(history):
        newer.prev_number = older.number  # type: ignore[attr-defined]
    if not history:
        raise NotFound(_("该监管事项尚未发布"), field="code")
    current = _full(ItemVersion.objects.filter(item=item, status=V.PUBLISHED)).first()
    return item, current, history


def catalog_public_version(*, code: str, number: int) -> ItemVersion:
    v = _full(
        ItemVersion.objects.filter(item__code=code, number=number, status__in=ItemVersion.PUBLIC)
    ).first()
    if v is None:
        raise NotFound(_("没有该公开版本"), field="version")
    return v


def catalog_export_versions() -> QuerySet[ItemVersion]:
    """Every published version with everything the export needs, in code order."""
    return _full(ItemVersion.objects.filter(status=V.PUBLISHED)).order_by("item__code")


def cross_item_list() -> QuerySet[CrossDepartmentItem]:
    return CrossDepartmentItem.objects.select_related("lead_department", "domain").prefetch_related(
        "departments",
        Prefetch("items", queryset=SupervisionItem.objects.select_related("published", "department")),
    )


# --- internal ---------------------------------------------------------------------------------


def _visible_versions(user: object) -> QuerySet[ItemVersion]:
    """Versions the principal may read (:meth:`ItemVersionQuerySet.visible_to`)."""
    return ItemVersion.objects.visible_to(Principal.of(user))


def version_get(*, user: Any, pk: int) -> ItemVersion:
    v = _full(_visible_versions(user).filter(pk=pk)).select_related("change_request").first()
    if v is None:
        raise NotFound(_("没有该版本，或您无权查看"), field="version")
    return v


def version_history(*, version: ItemVersion) -> tuple[list[Any], list[Any]]:
    """(opinions, events) of a version, oldest first."""
    opinions = list(version.opinions.select_related("department", "actor"))
    events = list(version.events.select_related("department", "actor"))
    return opinions, events


def item_versions_visible(*, user: Any, code: str) -> list[ItemVersion]:
    return list(_visible_versions(user).filter(item__code=code).select_related("item").order_by("number"))


def change_request_get(*, user: Any, pk: int) -> ChangeRequest:
    cr = (
        ChangeRequest.objects.select_related("item", "department", "version", "base_version", "version__item")
        .filter(pk=pk)
        .first()
    )
    if cr is None:
        raise NotFound(_("没有该调整申请"), field="change_request")
    if not ChangeRequest.objects.visible_to(Principal.of(user)).filter(pk=cr.pk).exists():
        raise NotFound(_("没有该调整申请，或您无权查看"), field="change_request")
    return cr


def change_requests_of(*, user: object, item: SupervisionItem) -> QuerySet[ChangeRequest]:
    """An item's change requests that the principal may read."""
    return ChangeRequest.objects.visible_to(Principal.of(user)).filter(item=item)


def tasks_for(*, user: Any) -> dict[str, list[Any]]:
    """What awaits ``user``'s action: drafts, reviews and change requests, per kind."""
    out: dict[str, list[Any]] = {
        "drafts": [],
        "joint": [],
        "convene": [],
        "legality": [],
        "first": [],
        "requests": [],
        "owner": [],  # change requests of the department's own items, awaiting its opinion
    }
    if not user.is_authenticated:
        return out
    base = ItemVersion.objects.select_related("item", "item__department").order_by("state_entered_at")
    dept = user.department
    if user.role in workflow.DRAFTERS and dept is not None:
        out["drafts"] = list(base.filter(item__department=dept, status=V.DRAFT, change_request__isnull=True))
        opined = Opinion.objects.filter(
            version=OuterRef("pk"),
            stage=Opinion.Stage.JOINT,
            review_round=OuterRef("review_round"),
            department=dept,
        )
        out["joint"] = list(
            base.filter(status=V.JOINT_REVIEW, involved_departments=dept)
            .exclude(item__department=dept)
            .annotate(done=Exists(opined))
            .filter(done=False)
        )
    if user.role in workflow.DRAFTERS and dept is not None:
        pending = ChangeRequest.objects.filter(item__department=dept, status=C.FIRST_REVIEW).select_related(
            "item", "version", "department"
        )
        out["owner"] = [cr for cr in pending if not workflow.owner_opinion_given(cr)]
    if user.role == "approval" and workflow.is_city_approval(dept):
        out["convene"] = list(base.filter(status=V.SUBMITTED))
        out["first"] = list(
            ChangeRequest.objects.filter(status=C.FIRST_REVIEW).select_related(
                "item", "version", "department"
            )
        )
    if user.role == "approval" and workflow.is_county_approval(dept):
        out["requests"] = list(
            ChangeRequest.objects.filter(department=dept, status__in=ChangeRequest.OPEN).select_related(
                "item", "version", "department"
            )
        )
    if user.role == "justice" and workflow.is_city_justice(dept):
        out["legality"] = list(base.filter(status=V.LEGALITY_REVIEW).select_related("change_request"))
    return out


REVIEW_STATES = (V.SUBMITTED, V.JOINT_REVIEW, V.FIRST_REVIEW, V.LEGALITY_REVIEW)


def overdue_list(*, user: object, now: Any = None) -> list[ItemVersion]:
    """Versions waiting in a review stage longer than its configured deadline, longest-waiting
    first — of those the principal may read (a draft's code and name are not for other departments)."""
    now = now or timezone.now()
    cond = Q()
    for state in REVIEW_STATES:
        cond |= Q(status=state, state_entered_at__lt=now - conf.review_deadline(state))
    rows = list(
        _visible_versions(user)
        .filter(cond)
        .select_related("item", "item__department")
        .order_by("state_entered_at")
    )
    for v in rows:
        v.waited_days = (now - v.state_entered_at).days  # type: ignore[attr-defined]
        v.deadline_days = conf.review_deadline(v.status).days  # type: ignore[attr-defined]
    return rows


# --- the ledger subjects of the catalog (registered in apps.py) ---------------------------------


def _version_of(subject_id: str) -> ItemVersionQuerySet:
    code, _sep, number = subject_id.rpartition("/v")
    if not code or not number.isdigit() or len(number) > 9:
        return ItemVersion.objects.none()
    return ItemVersion.objects.filter(item__code=code, number=int(number))


def version_subject_visible(principal: Principal, subject_id: str) -> bool:
    return _version_of(subject_id).visible_to(principal).exists()


def version_subject_public(subject_id: str) -> bool:
    return _version_of(subject_id).public().exists()


def version_subject_url(subject_id: str) -> str | None:
    pk = _version_of(subject_id).values_list("pk", flat=True).first()
    return f"/catalog/work/versions/{pk}/" if pk else None


def version_subject_display(subject_id: str) -> str:
    name = _version_of(subject_id).values_list("name", flat=True).first()
    return f"{subject_id} {name}" if name else subject_id


def reference_subject_visible(principal: Principal, subject_id: str) -> bool:
    """Published reference data (power items, cross-department items): any registry reader."""
    return principal.has(Capability.VIEW_REGISTRY)


def import_subject_visible(principal: Principal, subject_id: str) -> bool:
    """Catalog imports: the reviewers (approval and justice bureaus) and the city-level roles."""
    return reads_every_version(principal)
