"""Writes for sampling: create and publish a plan, draw it, pool a period's draws into tasks.

Every service is keyword-only, runs in one transaction, locks the rows it changes, writes a ledger
entry through :func:`crossreg.core.audit.audit_record` and sends notices on commit. A refused draw
or pooling is rolled back but still recorded (its own row and ledger entry), so every attempt is
on the record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext

from crossreg.catalog.models import ItemVersion
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, DomainError, Forbidden, Invalid, ProblemList
from crossreg.core.events import domain_event_publish
from crossreg.core.text import text_problem
from crossreg.credit.selectors import grade_basis
from crossreg.entities.models import Entity
from crossreg.inspections.models import (
    InspectionTask,
    OfficerRelation,
    TaskDepartment,
    TaskOfficer,
    TaskStatus,
    Trigger,
)
from crossreg.inspections.services import OfficerAssignment, checklist_points, task_attach, task_create
from crossreg.notices.services import notice_send
from crossreg.orgs.actors import actor_label, actor_user
from crossreg.orgs.models import Department, Officer, User
from crossreg.orgs.permissions import Capability, Principal
from crossreg.sampling import conf, draw
from crossreg.sampling.assign import OfficerIn, SlotNeed, TaskNeed, assign_officers
from crossreg.sampling.models import DrawAttempt, PoolingRun, PoolMember, SamplingPlan, Selection
from crossreg.sampling.pooling import pool_selections
from crossreg.sampling.selectors import pool_basis, pool_rows, pool_rows_explained

Actor = User | str


def _user(actor: Actor) -> User | None:
    return actor_user(actor)


def _label(actor: Actor) -> str:
    return actor_label(actor)


def can_plan(user: object, department: Department) -> bool:
    """Department staff plan and draw for their own department (``MANAGE_INSPECTIONS``);
    administrators for any; system actors always."""
    if isinstance(user, str):
        return user.startswith("system:")
    return Principal.of(user).can(Capability.MANAGE_INSPECTIONS, department.pk)


def can_pool(user: object, period: str) -> bool:
    """Coordinators (the city-level roles and the approval bureau) consolidate any period;
    department staff a period in which their department drew."""
    if isinstance(user, str):
        return user.startswith("system:")
    p = Principal.of(user)
    if p.is_anonymous:
        return False
    if p.sees_all or p.is_admin or p.has(Capability.CONVENE_REVIEW):
        return True
    return (
        p.department_id is not None
        and p.can(Capability.MANAGE_INSPECTIONS, p.department_id)
        and SamplingPlan.objects.filter(period=period, department_id=p.department_id).exists()
    )


# --- Plans ----------------------------------------------------------------------------------------


def _rules_validate(
    rules: dict[str, Any] | None, *, triggered: bool, problems: ProblemList
) -> dict[str, dict[str, Any]]:
    defaults = conf.credit_rules()
    out: dict[str, dict[str, Any]] = {}
    given = rules or {}
    for cls in conf.CREDIT_CLASSES:
        d = defaults.get(cls, {})
        r = dict(given.get(cls) or {})
        ratio_raw = r.get("ratio", d.get("ratio", "0"))
        minimum_raw = r.get("minimum", d.get("minimum", 0))
        field = f"rules.{cls}.ratio"
        try:
            ratio = Decimal(str(ratio_raw).strip().rstrip("%"))
            if not ratio.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems.add(gettext("“%(value)s”不是数字") % {"value": ratio_raw}, field=field)
            continue
        if ratio < 0 or ratio > 100:
            problems.add(
                gettext("抽查比例 %(ratio)s%% 超出 0–100%% 范围") % {"ratio": ratio},
                field=field,
                code="out_of_range",
            )
            continue
        if ratio.as_tuple().exponent < -2:  # type: ignore[operator]
            problems.add(gettext("抽查比例最多两位小数"), field=field)
            continue
        lo, hi = conf.ratio_range(cls)
        exempt = cls == "A" and conf.a_grade_exempt() and not triggered
        if not exempt and cls in given and conf.enforce_class_ranges() and not lo <= ratio <= hi:
            problems.add(
                gettext("抽查比例 %(ratio)s%% 超出 %(cls)s 类的配置范围 %(lo)s–%(hi)s%%")
                % {"ratio": ratio, "cls": cls, "lo": lo, "hi": hi},
                field=field,
                code="out_of_class_range",
            )
        try:
            minimum = int(minimum_raw)
        except (TypeError, ValueError):
            problems.add(
                gettext("“%(value)s”不是整数") % {"value": minimum_raw}, field=f"rules.{cls}.minimum"
            )
            continue
        if minimum < 0:
            problems.add(gettext("最低数量不能为负数"), field=f"rules.{cls}.minimum")
        if exempt:  # 无事不扰: A grade only when triggered
            ratio, minimum = Decimal(0), 0
        out[cls] = {"ratio": format(ratio.normalize(), "f"), "minimum": minimum}
    return out


_DATE_RES = (
    re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日"),
    re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"),
)


def _dates_named(text: str) -> list[dt.date]:
    """Calendar dates written in a seed source (``2026-12-04``, ``2026年12月4日``, ``2026/12/4``)."""
    out: list[dt.date] = []
    for rx in _DATE_RES:
        for y, m, d in rx.findall(text or ""):
            try:
                out.append(dt.date(int(y), int(m), int(d)))
            except ValueError:
                continue
    return out


def _empty_pool_message(plan: SamplingPlan) -> str:
    if plan.source == SamplingPlan.Source.DEPARTMENT_LIST:
        return gettext(
            "对象池为空：本部门的检查对象名录库（当前名录）中没有该事项适用且符合条件的主体；"
            "请先导入部门监管对象名录，或说明理由后从全部市场主体名录抽取"
        )
    return gettext("对象池为空：没有符合条件的市场主体")


def _plan_code(period: str, department: Department) -> str:
    n = SamplingPlan.objects.filter(period=period, department=department).count() + 1
    while True:
        code = f"SP-{period}-{department.pk}-{n:03d}"
        if not SamplingPlan.objects.filter(code=code).exists():
            return code
        n += 1


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    department: Department,
    name: str,
    item_versions: Sequence[ItemVersion],
    period: str,
    period_start: dt.date,
    period_end: dt.date,
    seed_source: str,
    seed_due: dt.date,
    rules: dict[str, Any] | None = None,
    source: str = SamplingPlan.Source.DEPARTMENT_LIST,
    source_reason: str = "",
    seed_due_time: dt.time | None = None,
    divisions: Sequence[str] = (),
    entity_types: Sequence[str] = (),
    industries: Sequence[str] = (),
    key_domains: Sequence[str] = (),
    statuses: Sequence[str] = (),
    directed: bool = False,
    directed_reason: str = "",
    triggered: bool = False,
    participants: Sequence[Department] = (),
) -> SamplingPlan:
    """Create a draft plan. Plans over key industries default to joint plans led by the authority.

    The pool is, by default, the department's own directory of supervised entities (its current
    lists; with the partners' for a joint plan), narrowed to what the items apply to and to the
    plan's filters. Drawing from the whole registry (``source="registry"``) is a deliberate choice:
    ``source_reason`` must say why, and it is recorded. ``seed_due`` (and ``seed_due_time``, when
    the source has a time of day, e.g. the lottery's draw at 21:15) is when the named public value
    exists: no seed is accepted before it."""
    if not can_plan(actor, department):
        raise Forbidden(gettext("您不能为该部门制定抽查计划"), field="department", code="forbidden")
    p = ProblemList()
    if not name.strip():
        p.add(gettext("请填写计划名称"), field="name", code="required")
    for text_field, value, label in (
        ("name", name, gettext("计划名称")),
        ("directed_reason", directed_reason, gettext("定向说明")),
        ("seed_source", seed_source, gettext("随机种子来源")),
        ("source_reason", source_reason, gettext("选择对象来源的理由")),
    ):
        if (bad := text_problem(value, field=text_field, label=label)) is not None:
            p.problems.append(bad)
    versions = list(item_versions)
    if not versions:
        p.add(gettext("抽查计划至少需要一个监管事项"), field="item_versions", code="required")
    for v in versions:
        if v.status != ItemVersion.Status.PUBLISHED:
            p.add(
                gettext("“%(version)s”不是已发布的事项版本") % {"version": v},
                field="item_versions",
                code="not_published",
            )
    if period_end < period_start:
        p.add(gettext("抽查周期的结束日期早于开始日期"), field="period_end")
    if not period.strip():
        p.add(gettext("请填写抽查周期"), field="period", code="required")
    if not seed_source.strip():
        p.add(gettext("请写明随机种子将取自哪个公开来源"), field="seed_source", code="required")
    if source not in SamplingPlan.Source.values:
        p.add(gettext("未知对象来源“%(source)s”") % {"source": source}, field="source")
    elif source == SamplingPlan.Source.REGISTRY and not source_reason.strip():
        p.add(
            gettext(
                "从全部市场主体名录抽取须说明理由：计划默认从本部门的检查对象名录库（部门监管对象名录）抽取"
            ),
            field="source_reason",
            code="required",
        )
    named = _dates_named(seed_source)
    if named and seed_due < max(named):
        p.add(
            gettext("随机种子来源写明的日期为 %(named)s，种子产生日期 %(due)s 早于该日期")
            % {"named": max(named).isoformat(), "due": seed_due.isoformat()},
            field="seed_due",
            code="before_source",
        )
    if directed and not directed_reason.strip():
        p.add(gettext("定向抽查须说明定向对象"), field="directed_reason", code="required")
    clean_rules = _rules_validate(rules, triggered=triggered, problems=p)
    p.raise_if_any()

    lead = department
    kind = SamplingPlan.Kind.JOINT if participants else SamplingPlan.Kind.SINGLE
    extra: set[str] = {d.pk for d in participants}
    authorities = {conf.key_industries().get(c) for c in industries if len(c) == 2}
    if industries and len(authorities) == 1 and None not in authorities:
        authority = Department.objects.filter(pk=next(iter(authorities))).first()
        if authority is not None:
            kind = SamplingPlan.Kind.JOINT
            if authority.pk != department.pk:
                extra.add(department.pk)
                lead = authority
    extra |= {v.item.department_id for v in versions}
    extra.discard(lead.pk)
    if extra:
        kind = SamplingPlan.Kind.JOINT

    plan = SamplingPlan.objects.create(
        code=_plan_code(period.strip(), lead),
        name=name.strip(),
        department=lead,
        kind=kind,
        period=period.strip(),
        period_start=period_start,
        period_end=period_end,
        source=source,
        source_reason=source_reason.strip(),
        divisions=list(divisions),
        entity_types=list(entity_types),
        industries=list(industries),
        key_domains=list(key_domains),
        statuses=list(statuses),
        directed=directed,
        directed_reason=directed_reason.strip(),
        triggered=triggered,
        rules=clean_rules,
        seed_source=seed_source.strip(),
        seed_due=seed_due,
        seed_due_at=timezone.make_aware(dt.datetime.combine(seed_due, seed_due_time or dt.time(0, 0))),
        created_by=_user(actor),
    )
    plan.item_versions.set(versions)
    if extra:
        plan.participants.set(Department.objects.filter(pk__in=extra))
    # An empty pool is refused now, not at publication time.
    if not pool_rows(plan):
        raise Invalid(_empty_pool_message(plan), field="pool", code="empty_pool")
    audit_record(
        actor=actor,
        action="sampling.plan.create",
        subject_type="sampling.plan",
        subject_id=plan.code,
        payload={
            "department": lead.pk,
            "kind": kind,
            "participants": sorted(extra),
            "item_versions": sorted(v.pk for v in versions),
            "rules": clean_rules,
            "period": plan.period,
            "source": plan.source,
            "source_reason": plan.source_reason,
            "seed_source": plan.seed_source,
            "seed_due_at": plan.seed_due_at.isoformat() if plan.seed_due_at else None,
        },
    )
    return plan


@transaction.atomic
def plan_publish(*, actor: Actor, plan: SamplingPlan) -> SamplingPlan:
    """Publish the plan before the draw: freeze the pool, publish its Merkle root and the seed source."""
    plan = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
    if not can_plan(actor, plan.department):
        raise Forbidden(gettext("您不能公示该计划"), code="forbidden")
    if plan.status != SamplingPlan.Status.DRAFT:
        raise Conflict(
            gettext("该计划当前为“%(status)s”，不是草稿") % {"status": plan.get_status_display()},
            field="status",
        )
    if not plan.item_versions.exists():
        raise Invalid(gettext("抽查计划至少需要一个监管事项"), field="item_versions", code="required")
    explained = pool_rows_explained(plan)
    if not explained:
        raise Invalid(_empty_pool_message(plan), field="pool", code="empty_pool")
    # Not drawn yet, so the plan takes the current algorithm (a draft made before crossreg-draw/2
    # has no commitment to keep).
    plan.algorithm = draw.ALGORITHM_VERSION
    members = [(cls, draw.entity_key(uscc, pk), draw.salt_new(), pk) for pk, uscc, cls, _basis in explained]
    PoolMember.objects.bulk_create(
        [
            PoolMember(plan=plan, entity_id=pk, key=key, stratum=cls, salt=salt)
            for cls, key, salt, pk in members
        ],
        batch_size=2000,
    )
    strata: dict[str, int] = defaultdict(int)
    for cls, *_ in members:
        strata[cls] += 1
    plan.pool_root = draw.commitment_root((cls, key, salt) for cls, key, salt, _pk in members)
    plan.pool_size = len(members)
    plan.pool_strata = dict(sorted(strata.items()))
    plan.pool_basis = pool_basis(plan, explained)
    plan.status = SamplingPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save()
    audit_record(
        actor=actor,
        action="sampling.plan.publish",
        subject_type="sampling.plan",
        subject_id=plan.code,
        payload={
            "pool_root": plan.pool_root,  # the commitment to every entity's stratum (salted)
            "pool_size": plan.pool_size,
            "strata": plan.pool_strata,
            "rules": plan.rules,
            "algorithm": plan.algorithm,
            "source": plan.source,
            "source_reason": plan.source_reason,
            "funnel": [{"step": f["step"], "count": f["count"]} for f in plan.pool_basis["funnel"]],
            "seed_source": plan.seed_source,
            "seed_due": plan.seed_due.isoformat(),
            "seed_due_at": _seed_due_at(plan).isoformat(),
            "credit": grade_basis(),  # the credit model version and grade date of the strata
        },
    )
    domain_event_publish(
        type="sampling.plan.published",
        subject=f"sampling.plan/{plan.code}",
        data={
            "code": plan.code,
            "name": plan.name,
            "period": plan.period,
            "department": plan.department_id,
            "participants": sorted(plan.participants.values_list("pk", flat=True)),
            "pool_root": plan.pool_root,
            "pool_size": plan.pool_size,
            "seed_source": plan.seed_source,
            "seed_due": plan.seed_due.isoformat(),
        },
        department_id=plan.department_id,
    )
    notice_send(
        verb="sampling.plan.publish",
        subject=f"抽查计划已公示：{plan.name}",
        link=f"/sampling/plans/{plan.code}/",
        departments=[plan.department, *plan.participants.all()],
    )
    return plan


def _seed_due_at(plan: SamplingPlan) -> dt.datetime:
    """When the seed's public source exists: the declared date and time (00:00 of the date for a
    plan that declared a date only)."""
    if plan.seed_due_at is not None:
        return plan.seed_due_at
    return timezone.make_aware(dt.datetime.combine(plan.seed_due, dt.time(0, 0)))


def _rules(plan: SamplingPlan) -> dict[str, draw.StratumRule]:
    return {k: draw.StratumRule(str(v["ratio"]), int(v["minimum"])) for k, v in plan.rules.items()}


def _picked(plan: SamplingPlan) -> list[draw.Picked] | None:
    if plan.status != SamplingPlan.Status.DRAWN:
        return None
    return [
        draw.Picked(stratum=s, key=k, position=pos, rank_hex=h)
        for s, k, pos, h in plan.selections.order_by("stratum", "position").values_list(
            "stratum", "key", "position", "rank_hex"
        )
    ]


def _credit_basis(plan: SamplingPlan) -> dict[str, Any] | None:
    # Which credit model version and grade date gave the strata (the grades' history is never
    # rewritten, so this is the same answer at any later time; also in the publish ledger entry).
    if plan.published_at is None:
        return None
    basis = grade_basis(timezone.localdate(plan.published_at))
    return basis if basis["grade_date"] is not None else None  # plans drawn before any grading


def plan_bundle(plan: SamplingPlan) -> dict[str, object]:
    """The *public* verification bundle of a published or drawn plan (docs/draw-verification.md):
    the keys with their leaf commitments, per-class counts and rules, seed and drawn keys — no
    entity's credit class. A plan drawn under crossreg-draw/1 lists its keys and drawn keys only
    (its classes are in the auditor bundle)."""
    published_at = plan.published_at.isoformat() if plan.published_at else ""
    drawn_at = plan.drawn_at.isoformat() if plan.drawn_at else ""
    picked = _picked(plan)
    if plan.algorithm == draw.ALGORITHM_V1:
        keys = sorted(plan.pool.values_list("key", flat=True), key=lambda k: k.encode())
        bundle: dict[str, object] = {
            "format": draw.PUBLIC_FORMAT,
            "algorithm": plan.algorithm,
            "plan": plan.code,
            "plan_name": plan.name,
            "department": plan.department_id,
            "period": plan.period,
            "seed_source": plan.seed_source,
            "seed_due_at": _seed_due_at(plan).isoformat(),
            "seed": plan.seed or None,
            "seed_reference": plan.seed_reference or None,
            "published_at": published_at,
            "drawn_at": drawn_at,
            "pool_size": len(keys),
            "commitment_root": plan.pool_root,
            "pool": [[k, None] for k in keys],
            "strata": draw.strata_summary(plan.pool_strata, _rules(plan)),
        }
        if picked is not None:
            bundle["selected"] = [[p.key, p.rank_hex] for p in sorted(picked, key=lambda p: p.key.encode())]
    else:
        bundle = draw.public_bundle_make(
            plan=plan.code,
            plan_name=plan.name,
            department=plan.department_id,
            period=plan.period,
            seed_source=plan.seed_source,
            seed_due_at=_seed_due_at(plan).isoformat(),
            seed=plan.seed or None,
            seed_reference=plan.seed_reference,
            members=plan.pool.values_list("stratum", "key", "salt"),
            rules=_rules(plan),
            selected=picked,
            published_at=published_at,
            drawn_at=drawn_at,
            algorithm=plan.algorithm,
        )
    if (credit := _credit_basis(plan)) is not None:
        bundle["credit"] = credit
    return bundle


def plan_auditor_bundle(plan: SamplingPlan) -> dict[str, object]:
    """The full assignment of a published or drawn plan — every entity's class (and salt) — for
    the roles that audit draws (``Capability.AUDIT_DRAWS``); ``draw_verify.py --auditor`` checks it
    against the public bundle's commitment. Plans drawn under crossreg-draw/1: their old bundle."""
    picked = _picked(plan)
    if plan.algorithm == draw.ALGORITHM_V1:
        bundle = draw.bundle_make(
            plan=plan.code,
            plan_name=plan.name,
            department=plan.department_id,
            period=plan.period,
            seed_source=plan.seed_source,
            seed=plan.seed or None,
            pool=list(plan.pool.values_list("stratum", "key")),
            rules=_rules(plan),
            selected=picked,
            published_at=plan.published_at.isoformat() if plan.published_at else "",
            drawn_at=plan.drawn_at.isoformat() if plan.drawn_at else "",
        )
    else:
        bundle = draw.auditor_bundle_make(
            plan=plan.code,
            period=plan.period,
            seed=plan.seed or None,
            members=plan.pool.values_list("stratum", "key", "salt"),
            rules=_rules(plan),
            selected=picked,
            algorithm=plan.algorithm,
            extra={
                "plan_name": plan.name,
                "department": plan.department_id,
                "seed_source": plan.seed_source,
                "seed_due_at": _seed_due_at(plan).isoformat(),
                "seed_reference": plan.seed_reference or None,
                "seed_entered_by": plan.seed_entered_label or None,
                "pool_basis": plan.pool_basis,
                "public_bundle_sha256": plan.bundle_sha256 or None,
            },
        )
    if (credit := _credit_basis(plan)) is not None:
        bundle["credit"] = credit
    return bundle


def plan_auditor_bundle_read(*, actor: object, plan: SamplingPlan) -> dict[str, object]:
    """The auditor bundle for a principal who audits draws, the download recorded (who, when,
    which plan, that it carried credit classes). ``actor`` is the request (preferred: it gives the
    address) or the user."""
    from crossreg.orgs.services import data_export_record
    from crossreg.sampling.selectors import can_audit_draws

    if not can_audit_draws(actor):
        raise Forbidden(gettext("只有纪检监察、审计人员可以下载完整分层（审计验证包）"), code="forbidden")
    bundle = plan_auditor_bundle(plan)
    data_export_record(
        who=actor,
        what="sampling.auditor_bundle",
        rows=plan.pool_size,
        subject_type="sampling.plan",
        subject_id=plan.code,
        fields=["credit_class"],
    )
    return bundle


def bundle_bytes(bundle: dict[str, object]) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def plan_draw(*, actor: Actor, plan: SamplingPlan, seed: str, seed_reference: str = "") -> SamplingPlan:
    """Enter the seed and draw. Refused — and recorded, with who tried and the seed they typed — when
    the plan was drawn already, is not published, the seed or where it can be checked is missing,
    the seed's public source does not exist yet (before the declared date and time), or the pool
    changed since its commitment was published."""
    try:
        with transaction.atomic():
            return _draw(actor=actor, plan=plan, seed=seed, seed_reference=seed_reference)
    except DomainError as exc:
        codes = [p.code for p in exc.problems]
        with transaction.atomic():
            DrawAttempt.objects.create(
                plan=plan,
                actor=_user(actor),
                actor_label=_label(actor),
                seed=seed[:500],
                seed_reference=seed_reference[:300],
                outcome=DrawAttempt.Outcome.REFUSED,
                reason=str(exc)[:300],
            )
            audit_record(
                actor=actor,
                action="sampling.draw.refuse",
                subject_type="sampling.plan",
                subject_id=plan.code,
                payload={
                    "reason": str(exc)[:300],
                    "codes": codes,
                    "seed": seed[:500],
                    "seed_reference": seed_reference[:300],
                    "seed_due_at": _seed_due_at(plan).isoformat(),
                },
            )
        raise


def _draw(*, actor: Actor, plan: SamplingPlan, seed: str, seed_reference: str) -> SamplingPlan:
    plan = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
    if not can_plan(actor, plan.department):
        raise Forbidden(gettext("您不能对该计划摇号"), code="forbidden")
    if plan.status == SamplingPlan.Status.DRAWN:
        raise Conflict(gettext("该计划已摇号：每个计划只能摇号一次"), field="plan", code="drawn")
    if plan.status != SamplingPlan.Status.PUBLISHED:
        raise Conflict(gettext("请先公示计划再摇号"), field="status", code="not_published")
    due = _seed_due_at(plan)
    now = timezone.now()
    if now < due:
        raise Invalid(
            gettext(
                "随机种子来源“%(source)s”在 %(due)s 才产生，现在是 %(now)s：不接受提前录入的种子（本次尝试已记录）"
            )
            % {
                "source": plan.seed_source,
                "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M"),
                "now": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            },
            field="seed",
            code="too_early",
        )
    p = ProblemList()
    if not seed.strip():
        p.add(gettext("请输入从公示的来源读取的随机种子"), field="seed", code="required")
    if not seed_reference.strip():
        p.add(
            gettext("请写明可核对该种子的出处（如开奖公告的网址或期号）"),
            field="seed_reference",
            code="required",
        )
    for f, v, label in (
        ("seed", seed, gettext("随机种子")),
        ("seed_reference", seed_reference, gettext("种子核对出处")),
    ):
        if (bad := text_problem(v, field=f, label=label)) is not None:
            p.problems.append(bad)
    p.raise_if_any()
    rows = pool_rows(plan)
    current = {draw.entity_key(uscc, pk): cls for pk, uscc, cls in rows}
    frozen = {k: (s, salt) for k, s, salt in plan.pool.values_list("key", "stratum", "salt")}
    if plan.algorithm == draw.ALGORITHM_V1:
        changed = draw.pool_root(list((cls, k) for k, cls in current.items())) != plan.pool_root
    else:
        changed = current.keys() != frozen.keys() or any(frozen[k][0] != c for k, c in current.items())
        if not changed:
            changed = draw.commitment_root((s, k, salt) for k, (s, salt) in frozen.items()) != plan.pool_root
    if changed:
        raise Conflict(
            gettext("对象池在公示默克尔根之后已变化（现有 %(now)s 个，公示时 %(then)s 个），不能摇号")
            % {"now": len(current), "then": plan.pool_size},
            field="pool",
            code="pool_changed",
        )
    pool = [(cls, k) for k, cls in current.items()]
    picks = draw.select(seed=seed, plan=plan.code, pool=pool, rules=_rules(plan), algorithm=plan.algorithm)
    by_key = {draw.entity_key(uscc, pk): pk for pk, uscc, _ in rows}
    Selection.objects.bulk_create(
        [
            Selection(
                plan=plan,
                entity_id=by_key[p.key],
                key=p.key,
                stratum=p.stratum,
                position=p.position,
                rank_hex=p.rank_hex,
            )
            for p in picks
        ],
        batch_size=2000,
    )
    plan.seed = seed.strip()
    plan.seed_reference = seed_reference.strip()
    plan.seed_entered_by = _user(actor)
    plan.seed_entered_label = _label(actor)
    plan.status = SamplingPlan.Status.DRAWN
    plan.drawn_at = now
    plan.selected_count = len(picks)
    plan.bundle_sha256 = hashlib.sha256(bundle_bytes(plan_bundle(plan))).hexdigest()
    plan.save()
    DrawAttempt.objects.create(
        plan=plan,
        actor=_user(actor),
        actor_label=_label(actor),
        seed=plan.seed,
        seed_reference=plan.seed_reference,
        outcome=DrawAttempt.Outcome.DRAWN,
    )
    audit_record(
        actor=actor,
        action="sampling.draw",
        subject_type="sampling.plan",
        subject_id=plan.code,
        payload={
            "seed": plan.seed,
            "seed_reference": plan.seed_reference,
            "seed_entered_by": plan.seed_entered_label,
            "seed_due_at": due.isoformat(),
            "pool_root": plan.pool_root,
            "selected": [p.key for p in picks],
            "bundle_sha256": plan.bundle_sha256,
        },
        refs=[("entity", by_key[p.key]) for p in picks],  # each drawn entity's record shows the draw
    )
    domain_event_publish(
        type="sampling.draw.made",
        subject=f"sampling.plan/{plan.code}",
        data={
            "code": plan.code,
            "period": plan.period,
            "department": plan.department_id,
            "seed": plan.seed,
            "selected": len(picks),
            "entity_ids": sorted(by_key[p.key] for p in picks),
            "bundle_sha256": plan.bundle_sha256,
        },
        department_id=plan.department_id,
    )
    notice_send(
        verb="sampling.draw",
        subject=f"摇号完成：{plan.name}（抽中 {len(picks)} 户）",
        link=f"/sampling/plans/{plan.code}/",
        departments=[plan.department, *plan.participants.all()],
    )
    return plan


# --- Pooling --------------------------------------------------------------------------------------


def period_pool(*, actor: Actor, period: str, today: dt.date | None = None) -> PoolingRun:
    """Pool the period's new draws into inspection tasks, one per distinct entity, with officers.

    Entities drawn by several departments get one joint task. Entities already in a not-yet-started
    task of the period are merged into it; a task already under way is not visited again (the draw
    is reported as ``late``). If the officers cannot all be assigned nothing is written: the run is
    recorded as refused with the shortages, and :class:`Invalid` names them.
    """
    if not can_pool(actor, period):
        raise Forbidden(gettext("您不能对该周期进行汇总比对"), code="forbidden")
    try:
        with transaction.atomic():
            return _pool(actor=actor, period=period, today=today or timezone.localdate())
    except DomainError as exc:
        shortages = [p.as_dict() for p in exc.problems]
        with transaction.atomic():
            run = PoolingRun.objects.create(
                period=period,
                actor=_user(actor),
                actor_label=_label(actor),
                outcome=PoolingRun.Outcome.REFUSED,
                shortages=shortages,
            )
            audit_record(
                actor=actor,
                action="sampling.pool.refuse",
                subject_type="sampling.period",
                subject_id=period,
                payload={"run": run.pk, "problems": shortages},
            )
        raise


def _task_seed(plans: Sequence[SamplingPlan]) -> bytes:
    return draw.seed_bytes(plans[0].seed)


def _pool(*, actor: Actor, period: str, today: dt.date) -> PoolingRun:
    plans = list(
        SamplingPlan.objects.select_for_update()
        .filter(period=period, status=SamplingPlan.Status.DRAWN, pooled_at__isnull=True)
        .order_by("code")
    )
    if not plans:
        raise Invalid(gettext("本周期没有需要汇总比对的新摇号结果"), field="period", code="nothing_to_pool")
    plan_by_id = {p.pk: p for p in plans}
    # Item versions per plan, per owning department.
    pv = defaultdict(lambda: defaultdict(set))  # type: ignore[var-annotated]
    version_ids: set[int] = set()
    for plan_id, vid, dept in SamplingPlan.item_versions.through.objects.filter(
        samplingplan_id__in=plan_by_id
    ).values_list("samplingplan_id", "itemversion_id", "itemversion__item__department_id"):
        pv[plan_id][dept].add(vid)
        version_ids.add(vid)

    selections = list(
        Selection.objects.filter(plan_id__in=plan_by_id, task_source__isnull=True).select_related("entity")
    )
    existing = {
        t.entity_id: t
        for t in InspectionTask.objects.select_for_update()
        .filter(period=period)
        .exclude(status=TaskStatus.CANCELLED)
    }
    late = [
        s
        for s in selections
        if s.entity_id in existing and existing[s.entity_id].status != TaskStatus.ASSIGNED
    ]
    fresh = [s for s in selections if s not in late]
    merged_tasks = {s.entity_id: existing[s.entity_id] for s in fresh if s.entity_id in existing}

    # Rows: (entity, department, version set) from new selections and from tasks being merged into.
    dept_versions: dict[tuple[int, str], set[int]] = defaultdict(set)
    sel_of_entity: dict[int, list[Selection]] = defaultdict(list)
    for s in fresh:
        sel_of_entity[s.entity_id].append(s)
        for dept, vids in pv[s.plan_id].items():
            dept_versions[(s.entity_id, dept)] |= vids
    for td in TaskDepartment.objects.filter(task__in=list(merged_tasks.values())).select_related("task"):
        dept_versions[(td.task.entity_id, td.department_id)] |= set(td.item_versions)
        version_ids |= set(td.item_versions)
    entities = {e.pk: e for e in Entity.objects.filter(pk__in={e for e, _ in dept_versions})}
    dept_codes = sorted({d for _, d in dept_versions})
    dix = {d: i for i, d in enumerate(dept_codes)}
    authority = conf.key_industries()
    keys = list(dept_versions)
    result = pool_selections(
        entity=[e for e, _ in keys],
        department=[dix[d] for _, d in keys],
        items=[len(dept_versions[k]) for k in keys],
        authority=[dix.get(authority.get(entities[e].industry_id or "", ""), -1) for e, _ in keys],
    )

    # Check points and domains of every version involved.
    points_by_version = checklist_points(version_ids)
    domains_by_version: dict[int, set[str]] = defaultdict(set)
    for vid, dom in ItemVersion.domains.through.objects.filter(itemversion_id__in=version_ids).values_list(
        "itemversion_id", "domain_id"
    ):
        domains_by_version[vid].add(dom)

    # Schedule: windows spread over the period; quiet period after the last visit.
    period_start = min(p.period_start for p in plans)
    period_end = max(p.period_end for p in plans)
    wdays = conf.window_days()
    quiet = dt.timedelta(days=conf.quiet_days())
    last_visit: dict[int, dt.date] = {}
    for eid, on, end in (
        InspectionTask.objects.filter(entity_id__in=list(entities))
        .exclude(period=period)
        .exclude(status=TaskStatus.CANCELLED)
        .values_list("entity_id", "inspected_on", "window_end")
    ):
        when = on or end
        if eid not in last_visit or when > last_visit[eid]:
            last_visit[eid] = when
    first_day = max(period_start, today)
    n_windows = max(1, ((period_end - first_day).days + 1) // wdays)

    # Recusal: declared relations, and whoever inspected the entity last time.
    recusals: set[tuple[int, str]] = set()
    ekey = {pk: draw.entity_key(e.uscc, pk) for pk, e in entities.items()}
    for oid, eid in OfficerRelation.objects.filter(entity_id__in=list(entities)).values_list(
        "officer_id", "entity_id"
    ):
        recusals.add((oid, ekey[eid]))
    last_task = (
        InspectionTask.objects.filter(entity_id__in=list(entities))
        .exclude(period=period)
        .exclude(status=TaskStatus.CANCELLED)
        .values("entity_id")
        .annotate(last=Max("window_end"))
    )
    last_pairs = {(r["entity_id"], r["last"]) for r in last_task}
    for oid, eid, end in (
        TaskOfficer.objects.filter(task__entity_id__in=list(entities))
        .exclude(task__period=period)
        .values_list("officer_id", "task__entity_id", "task__window_end")
    ):
        if (eid, end) in last_pairs:
            recusals.add((oid, ekey[eid]))

    # Build the task needs.
    n_lead, n_part = conf.lead_officers(), conf.participant_officers()
    needs: list[TaskNeed] = []
    task_meta: list[dict[str, Any]] = []
    for t in range(result.tasks):
        eid = int(result.task_entity[t])
        ent = entities[eid]
        lead = dept_codes[int(result.task_lead[t])]
        mask = result.pair_task == t
        depts = [dept_codes[int(i)] for i in result.pair_department[mask]]
        sels = sorted(sel_of_entity.get(eid, []), key=lambda s: plan_by_id[s.plan_id].code)
        seed_plans = [plan_by_id[s.plan_id] for s in sels if plan_by_id[s.plan_id].department_id == lead] or [
            plan_by_id[s.plan_id] for s in sels
        ]
        if not seed_plans:  # only merged rows: keep the task's own seed plan
            seed_plans = [p for p in [merged_tasks[eid].seed_plan] if p is not None] or list(plans[:1])
        rank_int = int(
            draw.rank(_task_seed(seed_plans), "crossreg-window/1", period, "", ekey[eid])[:4].hex(), 16
        )
        start = first_day + dt.timedelta(days=(rank_int % n_windows) * wdays)
        if eid in last_visit:
            start = max(start, last_visit[eid] + quiet)
        end = (
            min(start + dt.timedelta(days=wdays - 1), period_end)
            if start <= period_end
            else start + dt.timedelta(days=wdays - 1)
        )
        slots = []
        for d in [lead, *[x for x in depts if x != lead]]:
            doms = frozenset().union(*(domains_by_version[v] for v in dept_versions[(eid, d)]))
            slots.append(SlotNeed(department=d, count=n_lead if d == lead else n_part, domains=doms))
        county = ent.division_id[:6]
        task_id = merged_tasks[eid].code if eid in merged_tasks else f"IT-{period}-{eid:07d}"
        needs.append(
            TaskNeed(
                id=task_id,
                entity_key=ekey[eid],
                county=county,
                start=start,
                end=end,
                slots=tuple(slots),
                seed=_task_seed(seed_plans),
            )
        )
        task_meta.append(
            {
                "entity": ent,
                "lead": lead,
                "depts": depts,
                "sels": sels,
                "seed_plan": seed_plans[0],
                "deferred": start > period_end,
            }
        )

    # Officers and their remaining workload in the period.
    cap = conf.workload_cap()
    rebuilding = [t.pk for t in merged_tasks.values()]
    load = dict(
        TaskOfficer.objects.filter(task__period=period)
        .exclude(task__status=TaskStatus.CANCELLED)
        .exclude(task_id__in=rebuilding)
        .values("officer_id")
        .annotate(n=Count("id"))
        .values_list("officer_id", "n")
    )
    off_domains: dict[int, set[str]] = defaultdict(set)
    for oid, dom in Officer.domains.through.objects.filter(officer__department_id__in=dept_codes).values_list(
        "officer_id", "domain_id"
    ):
        off_domains[oid].add(dom)
    officers = [
        OfficerIn(
            id=o.pk,
            department=o.department_id,
            county=None if o.division.level == "city" else o.division_id[:6],
            domains=frozenset(off_domains[o.pk]),
            valid_from=o.valid_from,
            valid_until=o.valid_until,
            active=o.status == Officer.Status.ACTIVE,
            capacity=cap - load.get(o.pk, 0),
        )
        for o in Officer.objects.filter(department_id__in=dept_codes).select_related("division")
    ]
    assigned = assign_officers(
        tasks=needs, officers=officers, recusals=recusals, seed=b"", namespace=period, workload_cap=cap
    )
    if not assigned.ok:
        names = dict(Department.objects.filter(pk__in=dept_codes).values_list("pk", "name"))
        raise Invalid(*[_shortage_problem(s, names) for s in assigned.shortages])

    # Write: every task through the inspections service (create, or merge into the waiting task). The
    # pooling user was authorised above (``can_pool``); the tasks are the pool's own output, led by
    # whichever department the pool chose, so the platform creates them on that user's behalf.
    task_actor = f"system:pool:{_label(actor)}"
    now = timezone.now()
    tasks_out: list[InspectionTask] = []
    for need, meta in zip(needs, task_meta, strict=True):
        ent = meta["entity"]
        rows = assigned.assignment[need.id]
        lead_officer = min((c, o) for o, d, c in rows if d == meta["lead"])[1]
        crew = [
            OfficerAssignment(officer_id=o, department_id=d, cost=c, lead=o == lead_officer)
            for o, d, c in rows
        ]
        items = {d: sorted(dept_versions[(ent.pk, d)]) for d in meta["depts"]}
        selection_ids = [s.pk for s in meta["sels"]]
        task = merged_tasks.get(ent.pk)
        if task is None:
            task = task_create(
                actor=task_actor,
                entity=ent,
                trigger=Trigger.RANDOM,
                period=period,
                lead_department=meta["lead"],
                departments=meta["depts"],
                items=items,
                window_start=need.start,
                window_end=need.end,
                deferred=meta["deferred"],
                seed_plan_id=meta["seed_plan"].pk,
                code=need.id,
                officers=crew,
                selections=selection_ids,
                points_by_version=points_by_version,
                notify=False,
            )
        else:
            task = task_attach(
                actor=task_actor,
                task=task,
                trigger=Trigger.RANDOM,
                items=items,
                lead_department=meta["lead"],
                window_start=need.start,
                window_end=need.end,
                deferred=meta["deferred"],
                officers=crew,
                selections=selection_ids,
                points_by_version=points_by_version,
            )
        tasks_out.append(task)

    SamplingPlan.objects.filter(pk__in=plan_by_id).update(pooled_at=now)
    report = period_report(period=period)
    report["late"] = len(late)
    report["new_tasks"] = len(tasks_out) - len(merged_tasks)
    report["merged_tasks"] = len(merged_tasks)
    run = PoolingRun.objects.create(
        period=period,
        actor=_user(actor),
        actor_label=_label(actor),
        outcome=PoolingRun.Outcome.DONE,
        report=report,
    )
    audit_record(
        actor=actor,
        action="sampling.pool",
        subject_type="sampling.period",
        subject_id=period,
        payload={"run": run.pk, "plans": [p.code for p in plans], "report": report},
    )
    user_ids = set(
        TaskOfficer.objects.filter(task__in=tasks_out, officer__user__isnull=False).values_list(
            "officer__user_id", flat=True
        )
    )
    notice_send(
        verb="inspection.task.assign",
        subject=f"{period} 双随机检查任务已派发（{len(tasks_out)} 项）",
        link="/inspections/",
        users=list(User.objects.filter(pk__in=user_ids)),
        departments=list(Department.objects.filter(pk__in=dept_codes)),
    )
    return run


def _shortage_problem(s: Any, names: dict[str, str]) -> Any:
    from crossreg.core.errors import Problem

    dom = "、".join(s.domains) if s.domains else "—"
    return Problem(
        message=gettext(
            "%(dept)s（%(code)s）在区域 %(region)s、领域 %(domains)s 缺少执法人员："
            "%(tasks)s 项任务的 %(slots)s 个名额无法安排，至少还需 %(short)s 名（可选 %(eligible)s 名）"
        )
        % {
            "dept": names.get(s.department, s.department),
            "code": s.department,
            "region": s.region,
            "domains": dom,
            "tasks": s.tasks,
            "slots": s.slots_short,
            "short": s.officers_short,
            "eligible": s.eligible,
        },
        field=f"officers.{s.department}.{s.region}",
        code="officers_short",
    )


def period_report(*, period: str) -> dict[str, Any]:
    """Draws, selections, distinct entities, visits, joint tasks, visits saved — from the database."""
    draws = SamplingPlan.objects.filter(period=period, status=SamplingPlan.Status.DRAWN).count()
    sels = Selection.objects.filter(plan__period=period)
    selections = sels.count()
    distinct = sels.values("entity_id").distinct().count()
    tasks = InspectionTask.objects.filter(period=period).exclude(status=TaskStatus.CANCELLED)
    visits = tasks.count()
    joint = tasks.filter(joint=True).count()
    return {
        "period": period,
        "draws": draws,
        "selections": selections,
        "distinct_entities": distinct,
        "visits": visits,
        "joint_tasks": joint,
        "visits_saved": selections - visits,
        "at_limit": visits == distinct,
    }
