"""The case list as a working list (:mod:`crossreg.core.lists`): filters, sort, pager, export."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crossreg.cases.models import CaseState
from crossreg.core.lists import Column, Filter, ListSpec
from crossreg.orgs.models import Department, Division


def _departments() -> list[tuple[str, str]]:
    return list(
        Department.objects.filter(role=Department.Role.SUPERVISING)
        .order_by("code")
        .values_list("code", "name")
    )


def _regions() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level__in=[Division.Level.COUNTY, Division.Level.ZONE])
        .order_by("code")
        .values_list("code", "name")
    )


def _search(qs: QuerySet[Any], q: str) -> QuerySet[Any]:
    return qs.filter(
        Q(number__icontains=q) | Q(title__icontains=q) | Q(party_name__icontains=q) | Q(entity__uscc=q)
    )


def _by_overdue(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(next_due__lt=timezone.localdate()) if value == "1" else qs


def _by_region(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(Q(entity__division_id=value) | Q(entity__division__parent_id=value))


CASES = ListSpec(
    name="cases",
    columns=[
        Column("number", _("案件编号"), lambda c: c.number, sort="number"),
        Column("party", _("当事人"), lambda c: c.party_name, sort="party_name"),
        Column("title", _("案由"), lambda c: c.title),
        Column("state", _("阶段"), lambda c: c.get_state_display(), sort="state"),
        Column("next_due", _("最近期限"), lambda c: c.next_due, sort="next_due"),
        Column("filed_on", _("立案日期"), lambda c: c.filed_on, sort="filed_on"),
        Column("task", _("检查任务"), lambda c: c.task_code),
    ],
    filters=[
        Filter("q", _("案件编号、案由或当事人"), choices=None, apply=_search),
        Filter("state", _("阶段"), choices=CaseState.choices, field="state"),
        Filter("department", _("部门"), choices=_departments, field="department_id"),
        Filter("region", _("区域"), choices=_regions, apply=_by_region),
        Filter("overdue", _("期限"), choices=[("1", _("已逾期"))], apply=_by_overdue),
    ],
    default_sort="-filed_on",
    page_columns=("number", "party", "title", "state", "next_due"),
)
