"""The working list of inspection tasks (:mod:`crossreg.core.lists`): filters, sort, export."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crossreg.core.lists import Column, Filter, ListSpec, text_filter
from crossreg.inspections import selectors
from crossreg.inspections.models import InspectionTask, TaskDepartment, TaskStatus, Trigger
from crossreg.orgs.models import Department, Division

DUE_CHOICES = [("overdue", _("已逾期")), ("soon", _("即将到期"))]
DUE_LABELS = dict(DUE_CHOICES)


def _periods() -> list[tuple[str, str]]:
    ps = InspectionTask.objects.order_by("-period").values_list("period", flat=True).distinct()
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


def _by_department(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    # A subquery, not a join: joining the departments would multiply the annotated counts.
    return qs.filter(pk__in=TaskDepartment.objects.filter(department_id=value).values("task_id"))


def _by_region(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(Q(entity__division_id=value) | Q(entity__division__parent_id=value))


def _by_due(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return selectors.task_due_filter(qs, value)


def _by_joint(qs: QuerySet[Any], value: str) -> QuerySet[Any]:
    return qs.filter(joint=value == "joint")


def _departments_cell(t: InspectionTask) -> list[str]:
    return [td.department.short_name for td in t.departments.all()]


def _officers_cell(t: InspectionTask) -> list[str]:
    return [o.officer.name for o in t.officers.all()]


def _due_cell(t: InspectionTask) -> str:
    flag = selectors.task_due_flag(t)
    return str(DUE_LABELS[flag]) if flag else ""


TASKS = ListSpec(
    name="inspection-tasks",
    columns=[
        Column("code", _("任务编号"), lambda t: t.code, sort="code"),
        Column("entity", _("检查对象"), lambda t: t.entity.name, sort="entity__name"),
        Column("uscc", _("统一社会信用代码"), lambda t: t.entity.uscc or ""),
        Column("region", _("区划"), lambda t: t.entity.division.name, sort="entity__division_id"),
        Column("period", _("抽查周期"), lambda t: t.period, sort="period"),
        Column("trigger", _("检查来源"), lambda t: t.get_trigger_display()),
        Column("joint", _("类型"), lambda t: str(_("联合检查") if t.joint else _("部门检查"))),
        Column("lead", _("牵头部门"), lambda t: t.lead_department.short_name, sort="lead_department_id"),
        Column("departments", _("检查部门"), _departments_cell),
        Column("officers", _("执法人员"), _officers_cell),
        Column("status", _("状态"), lambda t: t.get_status_display(), sort="status"),
        Column("window_start", _("检查开始日期"), lambda t: t.window_start, sort="window_start"),
        Column("window_end", _("检查截止日期"), lambda t: t.window_end, sort="window_end"),
        Column("progress", _("已检查项"), lambda t: f"{t.n_done}/{t.n_points}"),
        Column("due", _("期限提示"), _due_cell),
        Column("result_due", _("结果公示期限"), lambda t: t.result_due, sort="result_due"),
    ],
    filters=[
        text_filter("q", _("对象名称、信用代码或任务编号"), "entity__name", "entity__uscc", "code"),
        Filter("status", _("状态"), choices=TaskStatus.choices, field="status"),
        Filter("period", _("抽查周期"), choices=_periods, field="period"),
        Filter("department", _("检查部门"), choices=_departments, apply=_by_department),
        Filter("region", _("区域"), choices=_regions, apply=_by_region),
        Filter("due", _("期限"), choices=DUE_CHOICES, apply=_by_due),
        Filter("trigger", _("检查来源"), choices=Trigger.choices, field="trigger"),
        Filter(
            "joint", _("类型"), choices=[("joint", _("联合检查")), ("single", _("部门检查"))], apply=_by_joint
        ),
    ],
    default_sort="window_end",
    page_columns=("code", "entity", "region", "joint", "lead", "status", "window_end"),
)
