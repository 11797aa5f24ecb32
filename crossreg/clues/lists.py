"""The clue inbox as a working list (:mod:`crossreg.core.lists`): filters, sort, pager, export."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crossreg.clues.models import ClueBundle, Severity, Source
from crossreg.core.lists import Column, Filter, ListSpec, text_filter
from crossreg.orgs.models import Division, Domain


def _domains() -> list[tuple[str, str]]:
    return list(Domain.objects.order_by("code").values_list("code", "name"))


def _regions() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level__in=[Division.Level.COUNTY, Division.Level.ZONE])
        .order_by("code")
        .values_list("code", "name")
    )


def _by_source(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(clues__source=value).distinct()


def _by_domain(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(clues__domain_id=value).distinct()


def _by_region(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(Q(entity__division_id=value) | Q(entity__division__parent_id=value))


BUNDLES = ListSpec(
    name="clue-bundles",
    columns=[
        Column("entity", _("市场主体"), lambda b: b.entity.name, sort="entity__name"),
        Column("uscc", _("统一社会信用代码"), lambda b: b.entity.uscc or ""),
        Column("risk_type", _("风险类型"), lambda b: b.risk_type, sort="risk_type"),
        Column("severity", _("严重程度"), lambda b: b.get_severity_display(), sort="score"),
        Column("clue_count", _("线索数"), lambda b: b.clue_count, sort="clue_count"),
        Column("status", _("预警状态"), lambda b: b.get_status_display(), sort="status"),
        Column("handling", _("处置状态"), lambda b: b.get_handling_display(), sort="handling"),
        Column("task", _("检查任务"), lambda b: b.task_code),
        Column("lead", _("牵头部门"), lambda b: b.lead_department.short_name if b.lead_department_id else ""),
        Column("last_signal_at", _("最近信号"), lambda b: b.last_signal_at, sort="last_signal_at"),
    ],
    filters=[
        text_filter("q", _("市场主体名称或信用代码"), "entity__name", "entity__uscc"),
        Filter("source", _("来源"), choices=Source.choices, apply=_by_source),
        Filter("domain", _("领域"), choices=_domains, apply=_by_domain),
        Filter("severity", _("严重程度"), choices=Severity.choices, field="severity"),
        Filter("handling", _("处置状态"), choices=ClueBundle.Handling.choices, field="handling"),
        Filter("status", _("预警状态"), choices=ClueBundle.Status.choices, field="status"),
        Filter("region", _("区域"), choices=_regions, apply=_by_region),
    ],
    default_sort="-last_signal_at",
    page_columns=("entity", "risk_type", "severity", "clue_count", "status", "handling", "last_signal_at"),
)
