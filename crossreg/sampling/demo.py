"""Demo data for the synthetic city: the current quarter of double-random sampling, drawn, pooled,
some tasks carried out and published — so the demo shows live plans, draws, joint tasks and results.

Called by the lead from ``crossreg seed`` after the city, officers and catalog are loaded:

    from crossreg.sampling.demo import sampling_demo_load
    sampling_demo_load(actor="system:seed", seed=seed)

Everything goes through the real services (audited). Item versions come from the catalog's
published versions of each department; a department with none gets one minimal published version
(created directly, marked ``DEMO`` in its code) so that the demo does not depend on the catalog seed.

Each plan draws as a real one would: from the department's own directory of supervised entities
(its current list, imported by the object base's demo step), narrowed to what the item applies to
(e.g. 餐饮服务经营者监督检查: industry 62 only). A department whose list is not imported draws from
the registry, and the plan says so (``source_reason``), as the service requires.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Case, Value, When
from django.utils import timezone

from crossreg.catalog.models import CheckPoint, ItemVersion, SupervisionItem
from crossreg.core.errors import DomainError
from crossreg.inspections import services as field
from crossreg.inspections.models import InspectionTask
from crossreg.linking.models import SourceRecord
from crossreg.orgs.models import Department, User
from crossreg.sampling import conf, services
from crossreg.sampling.models import SamplingPlan

DEMO_DEPARTMENTS = ("scjg", "yjgl", "sthj", "wjw")
DEMO_COUNTY = "320902"  # 亭湖区
QUARTER_NAMES = "一二三四"
_SHARED_POINT = ("消防安全出口、疏散通道是否畅通", "消防法第28条", "占用、堵塞、封闭疏散通道或安全出口")


def _versions(dept: Department) -> list[ItemVersion]:
    """The department's published items to try, random-inspection items first, those with a
    declared applicability (industry, entity type, key domain) before catch-all ones."""
    vs = list(
        ItemVersion.objects.filter(item__department=dept, status=ItemVersion.Status.PUBLISHED)
        .select_related("item")
        .prefetch_related("domains")
        .order_by("item__code")
    )
    vs.sort(
        key=lambda v: (
            "random" not in v.method_list,
            not (v.industry_list or v.entity_type_list or any(d.key for d in v.domains.all())),
            v.item.code,
        )
    )
    return vs or [_version(dept)]


def _version(dept: Department) -> ItemVersion:
    item, _ = SupervisionItem.objects.get_or_create(
        code=f"DEMO-{dept.pk.upper()}-0001", defaults={"department": dept}
    )
    v = ItemVersion.objects.create(
        item=item,
        number=1,
        status=ItemVersion.Status.PUBLISHED,
        state_entered_at=timezone.now(),
        published_at=timezone.now(),
        name=f"{dept.short_name}日常监督检查（双随机）",
        methods=",random,",
    )
    item.published = v
    item.save(update_fields=["published"])
    points = [
        (f"{dept.short_name}许可/备案事项是否合规", "相关法律法规", "未依法取得许可或备案"),
        _SHARED_POINT,
    ]
    for i, (c, b, f) in enumerate(points, start=1):
        CheckPoint.objects.create(version=v, seq=i, content=c, legal_basis=b, finding=f)
    return v


def _demo_plan(
    *, actor: Any, dept: Department, period: str, start: dt.date, end: dt.date, seed: int, q: str
) -> SamplingPlan | None:
    """The department's plan over the first of its items that applies to someone on its directory
    in the demo county (or, without a directory, in the registry — with the reason on record)."""
    listed = SourceRecord.objects.filter(
        department=dept, state=SourceRecord.State.CURRENT, entity__isnull=False
    ).exists()
    source = SamplingPlan.Source.DEPARTMENT_LIST if listed else SamplingPlan.Source.REGISTRY
    reason = "" if listed else "演示：本部门监管对象名录尚未导入，按全部市场主体名录抽取"
    for version in _versions(dept):
        try:
            return services.plan_create(
                actor=actor,
                department=dept,
                name=f"{dept.short_name}{period[:4]}年第{q}季度“双随机、一公开”抽查：{version.name}",
                item_versions=[version],
                period=period,
                period_start=start,
                period_end=end,
                seed_source=f"中国福利彩票双色球 {start.isoformat()} 开奖号码（演示：种子 {seed}）",
                seed_due=start,
                rules={
                    "B": {"ratio": "5", "minimum": 1},
                    "C": {"ratio": "21", "minimum": 1},
                    "D": {"ratio": "61", "minimum": 1},
                },
                source=source,
                source_reason=reason,
                divisions=[DEMO_COUNTY],
            )
        except DomainError as exc:
            if any(p.code == "empty_pool" for p in exc.problems):
                continue  # the item applies to no one on the list here: try the next
            raise
    return None


#: A joint plan of the demo: restaurants, checked for food safety and for fire safety in one visit.
JOINT_ITEMS = (("scjg", "餐饮服务经营者监督检查"), ("xf", "人员密集场所消防安全检查"))


def _demo_joint_plan(
    *, actor: Any, period: str, start: dt.date, end: dt.date, seed: int, q: str
) -> SamplingPlan | None:
    """市场监管局's joint plan with 消防救援支队 over the catalog's two items for restaurants, drawn
    from both departments' directories — when the catalog and both lists are there."""
    versions = []
    for dept, name in JOINT_ITEMS:
        v = ItemVersion.objects.filter(
            item__department_id=dept, name=name, status=ItemVersion.Status.PUBLISHED
        ).first()
        if (
            v is None
            or not SourceRecord.objects.filter(department_id=dept, state=SourceRecord.State.CURRENT).exists()
        ):
            return None
        versions.append(v)
    lead = Department.objects.get(pk=JOINT_ITEMS[0][0])
    try:
        return services.plan_create(
            actor=actor,
            department=lead,
            name=f"{period[:4]}年第{q}季度餐饮服务单位食品安全与消防安全联合抽查",
            item_versions=versions,
            period=period,
            period_start=start,
            period_end=end,
            seed_source=f"中国福利彩票双色球 {start.isoformat()} 开奖号码（演示：种子 {seed}）",
            seed_due=start,
            rules={
                "B": {"ratio": "5", "minimum": 1},
                "C": {"ratio": "21", "minimum": 1},
                "D": {"ratio": "61", "minimum": 1},
            },
            source=SamplingPlan.Source.DEPARTMENT_LIST,
            divisions=[DEMO_COUNTY],
        )
    except DomainError:
        return None


def _officer_user(officer: Any, password: str) -> User:
    if officer.user_id:
        return officer.user
    user = User.objects.create(
        username=f"officer-{officer.certificate_no}",
        display_name=officer.name,
        role=User.Role.OFFICER,
        department_id=officer.department_id,
        password=password,
    )
    officer.user = user
    officer.save(update_fields=["user"])
    return user


def sampling_demo_load(
    *, actor: Any, seed: int, complete: int = 6, today: dt.date | None = None
) -> dict[str, Any]:
    """Create, publish and draw the current quarter's plans for several departments, pool them, and
    carry out and publish ``complete`` tasks (those whose window has opened first). Returns the
    period report. Idempotent per period: does nothing if the quarter already has plans, so a demo
    database reloaded in a later quarter gains that quarter's plans and keeps the earlier ones."""
    today = today or timezone.localdate()
    period, start, end = conf.quarter(today)
    if SamplingPlan.objects.filter(period=period).exists():
        return services.period_report(period=period)
    quarter_name = QUARTER_NAMES[int(period[-1]) - 1]
    depts = list(Department.objects.filter(pk__in=DEMO_DEPARTMENTS))
    for d in depts:
        plan = _demo_plan(actor=actor, dept=d, period=period, start=start, end=end, seed=seed, q=quarter_name)
        if plan is None:
            continue
        services.plan_publish(actor=actor, plan=plan)
        services.plan_draw(
            actor=actor,
            plan=plan,
            seed=f"demo-{seed} 03 07 12 19 25 31+09",
            seed_reference=f"演示数据：种子由 crossreg seed --seed {seed} 生成，非真实开奖公告",
        )
    joint = _demo_joint_plan(actor=actor, period=period, start=start, end=end, seed=seed, q=quarter_name)
    if joint is not None:
        services.plan_publish(actor=actor, plan=joint)
        services.plan_draw(
            actor=actor,
            plan=joint,
            seed=f"demo-{seed} 03 07 12 19 25 31+09",
            seed_reference=f"演示数据：种子由 crossreg seed --seed {seed} 生成，非真实开奖公告",
        )
    try:
        services.period_pool(actor=actor, period=period, today=start)
    except DomainError:
        return services.period_report(period=period)  # the refusal and its diagnosis are recorded
    password = make_password(None)
    open_first = Case(When(window_start__lte=today, then=Value(0)), default=Value(1))
    tasks = list(
        InspectionTask.objects.filter(period=period).order_by(open_first, "-joint", "code")[:complete]
    )
    for i, task in enumerate(tasks):
        rows = list(task.officers.select_related("officer", "officer__user").order_by("-lead", "cost"))
        users = [_officer_user(r.officer, password) for r in rows]
        lead = next(u for u, r in zip(users, rows, strict=True) if r.department_id == task.lead_department_id)
        field.task_transition(task=task, transition="start", actor=lead)
        for j, p in enumerate(task.points.all()):
            finding = i % 3 == 2 and j == 0
            field.task_point_mark(
                task=task,
                point_id=p.pk,
                result="finding" if finding else "pass",
                note="现场发现问题，已责令限期整改" if finding else "",
                actor=lead,
            )
        field.task_location_set(task=task, actor=lead, text=task.entity.address or task.entity.division.name)
        field.task_transition(task=task, transition="complete", actor=lead)
        for u in users:
            field.task_confirm(task=task, actor=u)
        field.task_transition(task=task, transition="submit", actor=lead, note="检查完毕")
        if i % 2 == 0:
            field.task_transition(task=task, transition="publish", actor="system:seed")
    return services.period_report(period=period)
