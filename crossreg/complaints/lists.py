"""The complaints inbox as a working list (:mod:`crossreg.core.lists`): filters, sort, export.

The export carries no personal data of the reporter (no contact, no text): what the inbox shows.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crossreg.complaints.models import OPEN_STATES, Kind, State
from crossreg.core.lists import Column, Filter, ListSpec, text_filter
from crossreg.orgs.models import Department, Division


def _departments() -> list[tuple[str, str]]:
    return list(Department.objects.order_by("code").values_list("code", "name"))


def _regions() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level__in=[Division.Level.COUNTY, Division.Level.ZONE])
        .order_by("code")
        .values_list("code", "name")
    )


def _by_due(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    if value == "1":
        return qs.filter(overdue=True)
    if value == "today":
        return qs.filter(overdue=False, deadline__lte=timezone.localdate())
    return qs


def _by_region(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    from django.db.models import Q

    return qs.filter(Q(division_id=value) | Q(division__parent_id=value))


INBOX = ListSpec(
    name="complaints-inbox",
    columns=[
        Column("receipt_code", _("查询码"), lambda s: s.receipt_code, sort="receipt_code"),
        Column("kind", _("类别"), lambda s: s.get_kind_display(), sort="kind"),
        Column(
            "entity",
            _("对象"),
            lambda s: s.entity.name if s.entity_id else (s.entity_name or s.place),
            sort="entity_name",
        ),
        Column("department", _("承办部门"), lambda s: s.department.short_name if s.department_id else ""),
        Column("state", _("状态"), lambda s: s.get_state_display(), sort="state"),
        Column("received_on", _("登记日期"), lambda s: s.received_on, sort="received_on"),
        Column("deadline", _("办理期限"), lambda s: s.deadline, sort="deadline"),
        Column("overdue", _("已超期"), lambda s: s.overdue),
    ],
    filters=[
        text_filter("q", _("查询码或对象"), "receipt_code", "entity_name", "entity__name", "place"),
        Filter("kind", _("类别"), choices=Kind.choices, field="kind"),
        Filter(
            "state",
            _("状态"),
            choices=[(v, lbl) for v, lbl in State.choices if v in OPEN_STATES],
            field="state",
        ),
        Filter("department", _("承办部门"), choices=_departments, field="department_id"),
        Filter("region", _("区域"), choices=_regions, apply=_by_region),
        Filter("overdue", _("期限"), choices=[("1", _("已超期")), ("today", _("今日到期"))], apply=_by_due),
    ],
    default_sort="deadline",
    page_columns=("receipt_code", "kind", "entity", "state", "deadline"),
)
