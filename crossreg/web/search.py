"""The header's one search box: entities, inspection tasks, sampling plans and catalog items.

Each kind is read through its app's own selectors, scoped to the principal (a department sees its
own tasks and plans; the public sees published plans and catalog items and no entity). Each kind
costs one query of at most :data:`PER_KIND` rows (entities: the registry's scored search).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from crossreg.core.masking import mask_name
from crossreg.orgs.permissions import Capability, Principal

PER_KIND = 10


@dataclass
class Hit:
    title: str
    url: str
    meta: str = ""


@dataclass
class Group:
    key: str
    label: str | Promise
    hits: list[Hit] = field(default_factory=list)
    more_url: str = ""


def search_all(*, user: Any, q: str) -> list[Group]:
    """Every kind the principal may read that matches ``q`` (kinds with no hit are left out)."""
    from crossreg.catalog.models import ItemVersion
    from crossreg.catalog.selectors import catalog_public_list
    from crossreg.entities import selectors as entity_selectors
    from crossreg.inspections.selectors import task_visible_list
    from crossreg.sampling.selectors import plan_public_list, plan_visible_list

    q = q.strip()
    if not q:
        return []
    p = Principal.from_user(user)
    groups: list[Group] = []

    if p.has(Capability.VIEW_REGISTRY):
        hits = entity_selectors.entity_search(user=user, q=q, mode="auto", limit=PER_KIND)
        groups.append(
            Group(
                "entities",
                _("市场主体"),
                [
                    Hit(
                        title=h.entity.name,
                        url=reverse("entity_detail", args=[h.entity.pk]),
                        meta=" · ".join(x for x in (h.entity.uscc, mask_name(h.entity.legal_rep)) if x),
                    )
                    for h in hits
                ],
                more_url=reverse("entity_search") + "?" + urlencode({"q": q}),
            )
        )

    if p.is_authenticated:
        tasks = (
            task_visible_list(user=user)
            .filter(Q(code__icontains=q) | Q(entity__name__icontains=q) | Q(entity__uscc=q.upper()))
            .select_related("entity")
            .order_by("-window_start", "code")[:PER_KIND]
        )
        groups.append(
            Group(
                "tasks",
                _("检查任务"),
                [
                    Hit(
                        title=f"{t.code} {t.entity.name}",
                        url=reverse("inspections:task_detail", args=[t.code]),
                        meta=str(t.get_status_display()),
                    )
                    for t in tasks
                ],
            )
        )
        plans_qs = plan_visible_list(user=user)
        plan_url = "sampling:plan_detail"
    else:
        plans_qs = plan_public_list()
        plan_url = "sampling:public_plan"
    plans = plans_qs.filter(Q(code__icontains=q) | Q(name__icontains=q)).order_by("-created_at")[:PER_KIND]
    groups.append(
        Group(
            "plans",
            _("抽查计划"),
            [
                Hit(title=f"{pl.code} {pl.name}", url=reverse(plan_url, args=[pl.code]), meta=pl.period)
                for pl in plans
            ],
        )
    )

    items: list[ItemVersion] = list(catalog_public_list(q=q)[:PER_KIND])
    groups.append(
        Group(
            "items",
            _("监管事项"),
            [
                Hit(
                    title=f"{v.item.code} {v.name}",
                    url=reverse("catalog:item", args=[v.item.code]),
                    meta=v.item.department.name,
                )
                for v in items
            ],
            more_url=reverse("catalog:index") + "?" + urlencode({"q": q}),
        )
    )
    return [g for g in groups if g.hits]
