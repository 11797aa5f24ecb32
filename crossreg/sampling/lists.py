"""The working lists of sampling (:mod:`crossreg.core.lists`): plans, and a plan's draw results."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crossreg.core.lists import Column, Filter, ListSpec, text_filter
from crossreg.orgs.models import Department, Division
from crossreg.sampling import conf
from crossreg.sampling.models import SamplingPlan, Selection


def _periods() -> list[tuple[str, str]]:
    ps = SamplingPlan.objects.order_by("-period").values_list("period", flat=True).distinct()
    return [(p, p) for p in ps]


def _departments() -> list[tuple[str, str]]:
    return list(
        Department.objects.filter(role=Department.Role.SUPERVISING, parent__isnull=True)
        .order_by("code")
        .values_list("code", "name")
    )


def _regions() -> list[tuple[str, str]]:
    return list(
        Division.objects.filter(level__in=[Division.Level.COUNTY, Division.Level.ZONE])
        .order_by("code")
        .values_list("code", "name")
    )


def _by_region(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(Q(entity__division_id=value) | Q(entity__division__parent_id=value))


def _task_of(s: Selection) -> Any:
    src = getattr(s, "task_source", None)
    return src.task if src is not None else None


PLANS = ListSpec(
    name="sampling-plans",
    columns=[
        Column("code", _("计划编号"), lambda p: p.code, sort="code"),
        Column("name", _("计划名称"), lambda p: p.name, sort="name"),
        Column("department", _("牵头部门"), lambda p: p.department.short_name, sort="department_id"),
        Column("kind", _("类型"), lambda p: p.get_kind_display()),
        Column("period", _("抽查周期"), lambda p: p.period, sort="period"),
        Column("status", _("状态"), lambda p: p.get_status_display(), sort="status"),
        Column("pool_size", _("对象池"), lambda p: p.pool_size, sort="pool_size"),
        Column("selected", _("抽中"), lambda p: p.selected_count, sort="selected_count"),
        Column("seed_due", _("种子产生日期"), lambda p: p.seed_due, sort="seed_due"),
        Column("created_at", _("创建时间"), lambda p: p.created_at, sort="created_at"),
    ],
    filters=[
        text_filter("q", _("计划名称或编号"), "name", "code"),
        Filter("status", _("状态"), choices=SamplingPlan.Status.choices, field="status"),
        Filter("period", _("抽查周期"), choices=_periods, field="period"),
        Filter("department", _("牵头部门"), choices=_departments, field="department_id"),
        Filter("kind", _("类型"), choices=SamplingPlan.Kind.choices, field="kind"),
    ],
    default_sort="-created_at",
    page_columns=("code", "name", "department", "period", "status", "pool_size", "selected"),
)

SELECTIONS = ListSpec(
    name="draw-results",
    columns=[
        Column("stratum", _("层"), lambda s: s.stratum, sort="stratum"),
        Column("position", _("名次"), lambda s: s.position, sort="position"),
        Column("entity", _("主体"), lambda s: s.entity.name, sort="entity__name"),
        Column("key", _("统一社会信用代码"), lambda s: s.key, sort="key"),
        Column("region", _("区划"), lambda s: s.entity.division.name, sort="entity__division_id"),
        Column("task", _("检查任务"), lambda s: (t := _task_of(s)) and t.code),
        Column("task_status", _("任务状态"), lambda s: (t := _task_of(s)) and t.get_status_display()),
        Column("rank", _("排序值（HMAC）"), lambda s: s.rank_hex),
    ],
    filters=[
        text_filter("q", _("主体名称或信用代码"), "entity__name", "key"),
        Filter("stratum", _("层"), choices=lambda: [(c, c) for c in conf.CREDIT_CLASSES], field="stratum"),
        Filter("region", _("区域"), choices=_regions, apply=_by_region),
    ],
    default_sort="",
    tiebreak="pk",
    page_columns=("stratum", "position", "entity", "key", "region", "task"),
)
