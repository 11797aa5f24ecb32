"""Every credit write: keyword-only, typed, atomic, audited (crossreg.core.audit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.core.audit import audit_record
from crossreg.core.calendar import add_workdays
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound
from crossreg.core.events import domain_event_publish
from crossreg.core.text import text_clean, text_problem
from crossreg.credit import conf, engine, selectors, workflow
from crossreg.credit.models import (
    AccessCode,
    Commitment,
    CommitmentItem,
    CreditEvent,
    EvaluationModel,
    Grade,
    ModelTransition,
    ModelVersion,
    PushSubscription,
    RepairApplication,
)
from crossreg.credit.spec import EVENT_KINDS, SEVERITIES, ModelSpec, spec_diff, spec_validate
from crossreg.entities.models import Entity
from crossreg.ledger.services import LedgerRecord, actor_name, ledger_append_many
from crossreg.orgs.models import Department
from crossreg.orgs.permissions import Principal

if TYPE_CHECKING:
    from crossreg.orgs.models import User


def _principal(actor: User | str | Principal | None) -> Principal | None:
    """Users are checked; a system actor (a string such as "system:demo") is trusted."""
    if actor is None or isinstance(actor, str):
        return None
    return Principal.of(actor)


def _name(actor: User | str | Principal | None) -> str:
    if isinstance(actor, Principal):
        return actor.label if hasattr(actor, "label") else str(actor.user_id)
    return actor_name(actor)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months (the last day of a shorter month when needed)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def counts_until_for(severity: str, occurred_on: dt.date, publicity_end: dt.date | None = None) -> dt.date:
    """The day an event stops counting: its NDRC category's period (conf), or the source's own
    publicity end when that lies inside the category's legal range."""
    lo, hi = conf.counting_bounds().get(severity, (0, 36))
    if publicity_end is not None:
        earliest, latest = add_months(occurred_on, lo), add_months(occurred_on, hi)
        return min(max(publicity_end, earliest if lo else occurred_on + dt.timedelta(days=1)), latest)
    return add_months(occurred_on, conf.counting_months().get(severity, 12))


# --- credit events ----------------------------------------------------------------------------


@transaction.atomic
def credit_event_record(
    *,
    actor: User | str,
    entity: Entity | int,
    kind: str,
    occurred_on: dt.date,
    source_type: str,
    source_id: str,
    severity: str,
    reason: str,
    department_id: str | None = None,
    category: str = "",
    data: dict[str, Any] | None = None,
    source_url: str = "",
    publicity_end: dt.date | None = None,
    published: bool | None = None,
    reevaluate: bool = True,
) -> CreditEvent:
    """Record one credit event pointing to its source; idempotent by (source_type, source_id, kind).

    Minor events are not published (NDRC: normally not made public); the entity is re-evaluated in
    the same transaction, so a grade change, its ledger entry, its domain event and the departments'
    notices commit with the event.
    """
    if kind not in EVENT_KINDS:
        raise Invalid(_("未知的信用事件类型：%(k)s") % {"k": kind}, field="kind")
    if severity not in SEVERITIES:
        raise Invalid(_("未知的严重程度：%(s)s") % {"s": severity}, field="severity")
    if not source_type or not source_id:
        raise Invalid(_("信用事件必须指明来源"), field="source_id", code="required")
    if not reason or not reason.strip():
        raise Invalid(_("必须写明事由"), field="reason", code="required")
    _text_check(reason, "reason")
    principal = _principal(actor)
    if (
        principal is not None
        and source_type == "manual"
        and not workflow.event_may_record(principal, department_id)
    ):
        raise Forbidden(_("您不能为该部门录入信用事件"), code="forbidden")
    entity_id = entity if isinstance(entity, int) else entity.pk
    if not Entity.objects.filter(pk=entity_id).exists():
        raise NotFound(_("没有这个市场主体"), field="entity")
    existing = CreditEvent.objects.filter(
        source_type=source_type, source_id=str(source_id), kind=kind
    ).first()
    if existing is not None:
        return existing
    event = CreditEvent.objects.create(
        entity_id=entity_id,
        kind=kind,
        severity=severity,
        category=category,
        occurred_on=occurred_on,
        counts_until=counts_until_for(severity, occurred_on, publicity_end),
        source_type=source_type,
        source_id=str(source_id),
        source_url=source_url,
        department_id=department_id,
        reason=reason.strip()[:300],
        data=data or {},
        published=(severity != "minor") if published is None else published,
        recorded_by=_name(actor),
    )
    audit_record(
        actor=actor,
        action="credit.event.record",
        subject_type="credit.event",
        subject_id=event.pk,
        payload={
            "kind": kind,
            "severity": severity,
            "occurred_on": occurred_on.isoformat(),
            "counts_until": event.counts_until.isoformat(),
            "source": {"type": source_type, "id": str(source_id)},
            "department": department_id,
        },
        refs=[("entity", entity_id)],
    )
    if severity == "serious":
        _push_serious(event)
    if reevaluate:
        credit_entity_reevaluate(actor=actor, entity_id=entity_id)
    return event


@transaction.atomic
def credit_event_withdraw(
    *, actor: User | str, source_type: str, source_id: str, withdrawn_on: dt.date, reason: str
) -> list[CreditEvent]:
    """The source was withdrawn (a decision revoked): its events stop counting from that day."""
    events = list(
        CreditEvent.objects.select_for_update().filter(
            source_type=source_type, source_id=str(source_id), withdrawn_on__isnull=True
        )
    )
    for e in events:
        e.withdrawn_on = withdrawn_on
        e.published = False
        e.save(update_fields=["withdrawn_on", "published"])
        audit_record(
            actor=actor,
            action="credit.event.withdraw",
            subject_type="credit.event",
            subject_id=e.pk,
            payload={"withdrawn_on": withdrawn_on.isoformat(), "reason": reason[:300]},
            refs=[("entity", e.entity_id)],
        )
    for entity_id in {e.entity_id for e in events}:
        credit_entity_reevaluate(actor=actor, entity_id=entity_id)
    return events


def _text_check(value: str, fieldname: str, *, multiline: bool = True) -> None:
    """No markup or control characters in free text (crossreg.core.text, the one rule)."""
    problem = text_problem(value, field=fieldname, multiline=multiline)
    if problem is not None:
        raise Invalid(problem)


# --- models -----------------------------------------------------------------------------------


def _sha(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def model_create(
    *,
    actor: User | str,
    code: str,
    name: str,
    kind: str,
    department: Department,
    spec: dict[str, Any],
    industries: Sequence[str] = (),
    note: str = "",
) -> ModelVersion:
    """A new evaluation model with its first draft version (validated on save)."""
    principal = _principal(actor)
    if principal is not None and not workflow.model_may_edit(principal, department.pk):
        raise Forbidden(_("您不能为该部门建立评价模型"), code="forbidden")
    if kind not in EvaluationModel.Kind.values:
        raise Invalid(_("未知的模型类型"), field="kind")
    if kind == EvaluationModel.Kind.INDUSTRY and not industries:
        raise Invalid(_("行业评价模型必须指明适用行业"), field="industries", code="required")
    if EvaluationModel.objects.filter(pk=code).exists():
        raise Conflict(_("模型代码已存在：%(c)s") % {"c": code}, field="code")
    spec_validate(spec)
    model = EvaluationModel.objects.create(
        code=code, name=name, kind=kind, department=department, industries=list(industries)
    )
    return _version_new(actor=actor, model=model, spec=spec, note=note)


@transaction.atomic
def model_version_draft(
    *, actor: User | str, model: EvaluationModel, spec: dict[str, Any], note: str = ""
) -> ModelVersion:
    """A new draft version of ``model`` (one open draft at a time)."""
    principal = _principal(actor)
    if principal is not None and not workflow.model_may_edit(principal, model.department_id):
        raise Forbidden(_("您不能修改该评价模型"), code="forbidden")
    if model.versions.filter(status__in=[ModelVersion.Status.DRAFT, ModelVersion.Status.REVIEW]).exists():
        raise Conflict(_("该模型已有未发布的版本"), field="model")
    spec_validate(spec)
    return _version_new(actor=actor, model=model, spec=spec, note=note)


def _version_new(
    *, actor: User | str, model: EvaluationModel, spec: dict[str, Any], note: str
) -> ModelVersion:
    note = text_clean(note, field="note", multiline=True)  # no markup (crossreg.core.text)
    number = (model.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    base = model.versions.filter(status=ModelVersion.Status.PUBLISHED).order_by("-number").first()
    v = ModelVersion.objects.create(
        model=model,
        number=number,
        spec=spec,
        spec_sha256=_sha(spec),
        diff=spec_diff(base.spec if base else None, spec),
        note=note[:200],
        created_by=_name(actor),
    )
    audit_record(
        actor=actor,
        action="credit.model.draft",
        subject_type="credit.model",
        subject_id=v.label,
        payload={"spec_sha256": v.spec_sha256, "changes": len(v.diff), "note": v.note},
    )
    return v


@transaction.atomic
def model_version_update(
    *, actor: User | str, version: ModelVersion, spec: dict[str, Any], note: str = ""
) -> ModelVersion:
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    principal = _principal(actor)
    if principal is not None and not workflow.model_may_edit(principal, version.model.department_id):
        raise Forbidden(_("您不能修改该评价模型"), code="forbidden")
    if version.status != ModelVersion.Status.DRAFT:
        raise Conflict(_("只有草稿可以修改"), field="status")
    spec_validate(spec)
    base = version.model.versions.filter(status=ModelVersion.Status.PUBLISHED).order_by("-number").first()
    version.spec = spec
    version.spec_sha256 = _sha(spec)
    version.diff = spec_diff(base.spec if base else None, spec)
    version.note = note[:200] or version.note
    version.save()
    audit_record(
        actor=actor,
        action="credit.model.update",
        subject_type="credit.model",
        subject_id=version.label,
        payload={"spec_sha256": version.spec_sha256, "changes": len(version.diff)},
    )
    return version


@transaction.atomic
def model_version_transition(
    *,
    actor: User | str,
    version: ModelVersion,
    action: str,
    reason: str = "",
    effective_from: dt.date | None = None,
) -> ModelVersion:
    """submit / return / publish a model version. Publishing supersedes the previous published
    version from ``effective_from`` (default today); grades already made are never changed."""
    locked = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    if locked.status != version.status:
        raise Conflict(_("该版本的状态已被他人改变，请刷新后重试"), field="status", code="stale")
    t = workflow.model_transition_find(locked.status, action)
    if t is None:
        raise Conflict(_("“%(s)s”状态不能执行该操作") % {"s": locked.get_status_display()}, field="status")
    principal = _principal(actor)
    if principal is not None:
        if not workflow.model_may(principal, locked.status, action, locked.model.department_id):
            raise Forbidden(_("您没有权限执行该操作"), code="forbidden")
        if action == "publish" and locked.submitted_by == _name(actor):
            raise Forbidden(_("提交人不能审核自己提交的版本"), code="four_eyes")
    if action == "return" and not reason.strip():
        raise Invalid(_("退回必须写明理由"), field="reason", code="required")
    source = locked.status
    if action == "submit":
        spec_validate(locked.spec)
        locked.submitted_by = _name(actor)
    if action == "publish":
        day = effective_from or timezone.localdate()
        prev = list(locked.model.versions.select_for_update().filter(status=ModelVersion.Status.PUBLISHED))
        for p in prev:
            if p.effective_from and p.effective_from > day:
                raise Invalid(_("生效日期不能早于上一版本"), field="effective_from")
            p.status = ModelVersion.Status.SUPERSEDED
            p.save(update_fields=["status"])
        locked.reviewed_by = _name(actor)
        locked.published_at = timezone.now()
        locked.effective_from = day
    locked.status = t.target
    locked.save()
    ModelTransition.objects.create(
        version=locked, from_status=source, to_status=t.target, actor=_name(actor), reason=reason[:200]
    )
    audit_record(
        actor=actor,
        action=f"credit.model.{action}",
        subject_type="credit.model",
        subject_id=locked.label,
        payload={
            "from": source,
            "to": t.target,
            "reason": reason[:200],
            "spec_sha256": locked.spec_sha256,
            "effective_from": locked.effective_from.isoformat() if locked.effective_from else None,
            "diff": locked.diff[:200],
        },
    )
    if action == "publish":
        domain_event_publish(
            type="credit.model.published",
            subject=f"credit.model/{locked.label}",
            data={
                "model": locked.model_id,
                "version": locked.label,
                "effective_from": locked.effective_from.isoformat() if locked.effective_from else None,
                "spec_sha256": locked.spec_sha256,
            },
            department_id=locked.model.department_id,
        )
    return locked


# --- evaluation -------------------------------------------------------------------------------

GRADED_NOT = (Entity.Status.CANCELLED, Entity.Status.REVOKED)


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation run decided, per entity (columns)."""

    as_of: dt.date
    public: ModelVersion
    frame: pl.DataFrame  # entity_id, score_cents, public_grade, industry_version_id, industry_score_cents,
    # industry_grade, grade


_SPECS: dict[tuple[int, str], ModelSpec] = {}


def _spec_of(version: ModelVersion) -> ModelSpec:
    """The parsed spec of a version, parsed once per process (keyed by its content hash)."""
    key = (version.pk, version.spec_sha256)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) > 64:
            _SPECS.clear()
        spec = _SPECS[key] = spec_validate(version.spec)
    return spec


def evaluation_compute(
    *, entity_ids: Sequence[int] | np.ndarray, as_of: dt.date, events: pl.DataFrame | None = None
) -> Evaluation | None:
    """Grade entities as of ``as_of`` with the model versions in force that day (None: no model)."""
    public = selectors.public_model_version_at(as_of)
    if public is None:
        return None
    ids = np.asarray(entity_ids, dtype=np.int64)
    ev = events if events is not None else selectors.events_frame_for(ids.tolist(), upto=as_of)
    res = engine.evaluate(ev, _spec_of(public), as_of, ids)
    frame = res.scores.rename({"grade": "public_grade"}).with_columns(
        industry_version_id=pl.lit(None, dtype=pl.Int64),
        industry_score_cents=pl.lit(None, dtype=pl.Int64),
        industry_grade=pl.lit(None, dtype=pl.Utf8),
    )
    industries = selectors.industry_versions_at(as_of)
    if industries:
        ind_of = dict(Entity.objects.filter(pk__in=ids.tolist()).values_list("pk", "industry_id"))
        for v in industries:
            codes = {str(c) for c in v.model.industries}
            members = [pk for pk, ind in ind_of.items() if ind and str(ind) in codes]
            if not members:
                continue
            r = engine.evaluate(ev, _spec_of(v), as_of, members).scores.select(
                "entity_id",
                pl.col("score_cents").alias("i_score"),
                pl.col("grade").alias("i_grade"),
            )
            frame = (
                frame.join(r, on="entity_id", how="left")
                .with_columns(
                    industry_version_id=pl.when(pl.col("i_grade").is_not_null())
                    .then(pl.lit(v.pk, dtype=pl.Int64))
                    .otherwise(pl.col("industry_version_id")),
                    industry_score_cents=pl.coalesce("i_score", "industry_score_cents"),
                    industry_grade=pl.coalesce("i_grade", "industry_grade"),
                )
                .drop("i_score", "i_grade")
            )
    rule = conf.combine_rule()
    if rule == "public":
        frame = frame.with_columns(grade=pl.col("public_grade"))
    elif rule == "worst":
        frame = frame.with_columns(
            grade=pl.max_horizontal(pl.col("public_grade"), pl.col("industry_grade").fill_null("A"))
        )
    else:
        raise Invalid(_("未知的等级合成规则：%(r)s") % {"r": rule}, field="CREDIT_COMBINE")
    return Evaluation(as_of=as_of, public=public, frame=frame)


def _grades_write(*, actor: User | str, evaluation: Evaluation) -> list[Grade]:
    """Store new grade rows where grade or score changed; ledger entries, events and pushes for
    grade changes. Past rows are never altered (only their ``current`` flag is cleared)."""
    frame = evaluation.frame
    ids = frame["entity_id"].to_list()
    current: dict[int, tuple[int, str, int, int | None, int | None]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for eid, pk, grade, score, vid, iscore in Grade.objects.filter(
            current=True, entity_id__in=chunk
        ).values_list("entity_id", "pk", "grade", "score_cents", "model_version_id", "industry_score_cents"):
            current[eid] = (pk, grade, score, vid, iscore)
    new_rows: list[Grade] = []
    stale: list[int] = []
    changes: list[tuple[int, str, str]] = []
    for row in frame.iter_rows(named=True):
        eid = int(row["entity_id"])
        prev = current.get(eid)
        if prev is not None and prev[1:] == (
            row["grade"],
            row["score_cents"],
            evaluation.public.pk,
            row["industry_score_cents"],
        ):
            continue
        if prev is not None:
            stale.append(prev[0])
        old = prev[1] if prev else ""
        new_rows.append(
            Grade(
                entity_id=eid,
                as_of=evaluation.as_of,
                model_version=evaluation.public,
                score_cents=row["score_cents"],
                public_grade=row["public_grade"],
                industry_version_id=row["industry_version_id"],
                industry_score_cents=row["industry_score_cents"],
                industry_grade=row["industry_grade"] or "",
                grade=row["grade"],
                previous=old,
                current=True,
            )
        )
        if old != row["grade"]:
            changes.append((eid, old, row["grade"]))
    if stale:
        for start in range(0, len(stale), 5000):
            Grade.objects.filter(pk__in=stale[start : start + 5000]).update(current=False)
    Grade.objects.bulk_create(new_rows, batch_size=2000)
    if changes:
        _grade_changes_publish(actor=actor, evaluation=evaluation, changes=changes)
    return new_rows


def _grade_changes_publish(
    *, actor: User | str, evaluation: Evaluation, changes: list[tuple[int, str, str]]
) -> None:
    usccs = dict(Entity.objects.filter(pk__in=[c[0] for c in changes]).values_list("pk", "uscc"))
    label = evaluation.public.label
    ledger_append_many(
        records=[
            LedgerRecord(
                actor=actor,
                action="credit.grade.change",
                subject_type="credit.grade",
                subject_id=str(eid),
                payload={
                    "old": old or None,
                    "new": new,
                    "model_version": label,
                    "as_of": evaluation.as_of.isoformat(),
                    "refs": [{"type": "entity", "id": str(eid)}],
                },
            )
            for eid, old, new in changes
        ]
    )
    # The outbox sink turns every event into a row for department systems; the first grading of
    # the whole city is one event per entity only when it is a change, never a flood of no-ops.
    for eid, old, new in changes:
        domain_event_publish(
            type="credit.grade.changed",
            subject=f"entity/{eid}",
            data={
                "entity_id": eid,
                "uscc": usccs.get(eid),
                "old": old,  # "" for the first grade (docs/schemas/credit.grade.changed.json)
                "new": new,
                "model_version": label,
                "as_of": evaluation.as_of.isoformat(),
            },
            entity_id=eid,
        )
    _push_grade_changes(changes=changes, label=label)


def _push_grade_changes(*, changes: list[tuple[int, str, str]], label: str) -> None:
    from crossreg.notices.services import notice_send

    subs = set(PushSubscription.objects.filter(grade_changes=True).values_list("department_id", flat=True))
    if not subs:
        return
    from crossreg.linking.models import SourceRecord

    eids = [c[0] for c in changes if c[1]]  # the first grading is not a change to push
    if not eids:
        return
    by_entity: dict[int, set[str]] = {}
    for eid, dept in SourceRecord.objects.filter(
        entity_id__in=eids, state=SourceRecord.State.CURRENT, department_id__in=subs
    ).values_list("entity_id", "department_id"):
        by_entity.setdefault(eid, set()).add(dept)
    if not by_entity:
        return
    names = dict(Entity.objects.filter(pk__in=list(by_entity)).values_list("pk", "name"))
    depts = {d.pk: d for d in Department.objects.filter(pk__in={x for s in by_entity.values() for x in s})}
    for eid, old, new in changes:
        if eid not in by_entity:
            continue
        notice_send(
            verb="credit.grade.changed",
            subject=_("信用等级变化：%(n)s 由 %(o)s 级变为 %(g)s 级（%(v)s）")
            % {"n": names.get(eid, eid), "o": old, "g": new, "v": label},
            link=f"/credit/entities/{eid}/",
            departments=[depts[d] for d in sorted(by_entity[eid])],
        )


def _push_serious(event: CreditEvent) -> None:
    from crossreg.notices.services import notice_send

    depts = selectors.subscribed_departments_for(event.entity_id, serious=True)
    if not depts:
        return
    name = Entity.objects.filter(pk=event.entity_id).values_list("name", flat=True).first()
    notice_send(
        verb="credit.event.serious",
        subject=_("严重失信事件：%(n)s — %(k)s") % {"n": name, "k": event.get_kind_display()},
        link=f"/credit/entities/{event.entity_id}/",
        departments=list(Department.objects.filter(pk__in=depts)),
    )


def credit_entity_reevaluate(
    *, actor: User | str, entity_id: int, as_of: dt.date | None = None
) -> Grade | None:
    """Re-evaluate one entity now (incremental); returns the new grade row if anything changed."""
    with transaction.atomic():
        day = as_of or timezone.localdate()
        status = (
            Entity.objects.select_for_update().filter(pk=entity_id).values_list("status", flat=True).first()
        )
        if status is None or status in GRADED_NOT:  # cancelled and revoked entities are not graded
            return None
        ev = evaluation_compute(entity_ids=[entity_id], as_of=day)
        if ev is None:
            return None
        rows = _grades_write(actor=actor, evaluation=ev)
        return rows[0] if rows else None


@transaction.atomic
def credit_evaluate_all(
    *,
    actor: User | str,
    as_of: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The whole city as one vectorised batch (events loaded once, the engine over columns)."""
    day = as_of or timezone.localdate()
    ids = np.array(
        list(Entity.objects.exclude(status__in=GRADED_NOT).order_by("pk").values_list("pk", flat=True)),
        dtype=np.int64,
    )
    events = selectors.events_frame_for(None, upto=day)
    ev = evaluation_compute(entity_ids=ids, as_of=day, events=events)
    if ev is None:
        raise Conflict(_("尚无已发布的公共信用综合评价模型"), field="model")
    if progress:
        progress(len(ids) // 2, len(ids))
    written = _grades_write(actor=actor, evaluation=ev)
    dist = ev.frame.group_by("grade").len().sort("grade")
    summary = {
        "as_of": day.isoformat(),
        "model_version": ev.public.label,
        "entities": len(ids),
        "events": events.height,
        "changed": len(written),
        "distribution": dict(zip(dist["grade"].to_list(), dist["len"].to_list(), strict=True)),
    }
    audit_record(
        actor=actor,
        action="credit.evaluate.all",
        subject_type="credit.model",
        subject_id=ev.public.label,
        payload=summary,
    )
    if progress:
        progress(len(ids), len(ids))
    return summary


def credit_evaluate_submit(*, actor: User, as_of: dt.date | None = None) -> Any:
    """Start the full-city evaluation as a background job (the credit role, leaders, admins)."""
    from crossreg.credit.tasks import credit_evaluate_all_task
    from crossreg.jobs.services import job_submit

    p = Principal.of(actor)
    if not workflow.evaluate_may_start(p):
        raise Forbidden(_("您不能发起全市信用评价"), code="forbidden")
    return job_submit(
        actor=actor,
        kind="credit.evaluate.all",
        title=_("全市信用评价"),
        task=credit_evaluate_all_task,
        kwargs={"as_of": as_of.isoformat() if as_of else None},
        department_id=actor.department_id,
    )


# --- enterprise access, repair ----------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def access_code_issue(*, actor: User | str, entity: Entity) -> str:
    """A fresh code for the enterprise to read its own credit record (shown once)."""
    AccessCode.objects.filter(entity=entity, revoked=False).update(revoked=True)
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    AccessCode.objects.create(entity=entity, code_sha256=_code_hash(code), issued_by=_name(actor))
    audit_record(
        actor=actor,
        action="credit.access_code.issue",
        subject_type="credit.grade",
        subject_id=entity.pk,
        payload={},
        refs=[("entity", entity.pk)],
    )
    return code


def access_code_entity(*, uscc: str, code: str) -> Entity | None:
    """The entity whose current code this is (and whose USCC matches), else None."""
    row = (
        AccessCode.objects.filter(code_sha256=_code_hash(code), revoked=False)
        .select_related("entity")
        .first()
    )
    if row is None or (row.entity.uscc or "") != uscc.strip().upper():
        return None
    return row.entity


@transaction.atomic
def repair_apply(
    *,
    actor: User | str,
    event: CreditEvent,
    correction: str,
    commitment_text: str,
    training_certificate: str = "",
    evidence: Sequence[str] = (),
    applied_on: dt.date | None = None,
    principal: Principal | None = None,
) -> RepairApplication:
    """The enterprise applies to repair one record (with its correction and a new commitment).

    ``principal`` is given when the enterprise applies through its access code (``actor`` is then
    ``"enterprise:<USCC>"``); staff applying on its behalf need HANDLE_CASES.
    """
    event = CreditEvent.objects.select_for_update().get(pk=event.pk)
    p = _principal(actor)
    if p is not None and not workflow.repair_may_apply_for(p, event.department_id):
        raise Forbidden(_("您不能代为申请信用修复"), code="forbidden")
    if event.repaired_on is not None:
        raise Conflict(_("该记录已经修复"), field="event")
    if event.kind in ("inspection_clean", "commitment_kept", "provisional_class"):
        raise Invalid(_("该记录不是失信记录，无需修复"), field="event")
    if event.repairs.filter(status=RepairApplication.Status.SUBMITTED).exists():
        raise Conflict(_("该记录已有待审核的修复申请"), field="event")
    for fname, value in (("correction", correction), ("commitment_text", commitment_text)):
        if not value.strip():
            raise Invalid(_("必须填写"), field=fname, code="required")
        _text_check(value, fname)
    if event.severity == "serious" and not training_certificate.strip():
        raise Invalid(
            _("严重失信记录的修复须提交信用修复培训证明"), field="training_certificate", code="required"
        )
    day = applied_on or timezone.localdate()
    app = RepairApplication.objects.create(
        event=event,
        applied_on=day,
        due_on=add_workdays(day, conf.repair_workdays()),
        correction=correction.strip(),
        commitment_text=commitment_text.strip(),
        training_certificate=training_certificate.strip(),
        evidence_sha256=list(evidence),
        applicant=_name(actor),
    )
    audit_record(
        actor=actor,
        action="credit.repair.apply",
        subject_type="credit.repair",
        subject_id=app.pk,
        payload={"event": event.pk, "due_on": app.due_on.isoformat()},
        evidence=list(evidence),
        refs=[("entity", event.entity_id), ("credit.event", event.pk)],
    )
    if event.department_id:
        from crossreg.notices.services import notice_send

        notice_send(
            verb="credit.repair.apply",
            subject=_("信用修复申请待审核（%(d)s 前）") % {"d": app.due_on.isoformat()},
            link=f"/credit/repairs/{app.pk}/",
            departments=list(Department.objects.filter(pk=event.department_id)),
        )
    return app


@transaction.atomic
def repair_decide(
    *,
    actor: User | str,
    application: RepairApplication,
    action: str,
    reason: str = "",
    decided_on: dt.date | None = None,
) -> RepairApplication:
    """Approve (the record stops counting and being published; the entity is re-evaluated; the
    repair itself is recorded and published) or refuse with reasons."""
    app = RepairApplication.objects.select_for_update().select_related("event").get(pk=application.pk)
    if app.status != application.status:
        raise Conflict(_("该申请已被他人处理，请刷新后查看"), field="status", code="stale")
    t = workflow.repair_transition_find(app.status, action)
    if t is None:
        raise Conflict(_("该申请当前为“%(s)s”，不能再处理") % {"s": app.get_status_display()}, field="status")
    p = _principal(actor)
    if p is not None and not workflow.repair_may(p, app.status, action, app.event.department_id):
        raise Forbidden(_("您没有权限审核该申请"), code="forbidden")
    if action == "refuse" and not reason.strip():
        raise Invalid(_("不予修复必须说明理由"), field="reason", code="required")
    _text_check(reason, "reason")
    day = decided_on or timezone.localdate()
    app.status = t.target
    app.decided_by = _name(actor)
    app.decided_on = day
    app.reason = reason.strip()[:300]
    app.save()
    if action == "approve":
        ev = CreditEvent.objects.select_for_update().get(pk=app.event_id)
        ev.repaired_on = day
        ev.published = False
        ev.save(update_fields=["repaired_on", "published"])
    audit_record(
        actor=actor,
        action=f"credit.repair.{action}",
        subject_type="credit.repair",
        subject_id=app.pk,
        payload={"event": app.event_id, "reason": app.reason, "on": day.isoformat()},
        refs=[("entity", app.event.entity_id), ("credit.event", app.event_id)],
    )
    if action == "approve":
        domain_event_publish(
            type="credit.repair.approved",
            subject=f"credit.repair/{app.pk}",
            data={"entity_id": app.event.entity_id, "event_id": app.event_id, "repaired_on": day.isoformat()},
            department_id=app.event.department_id,
            entity_id=app.event.entity_id,
        )
        credit_entity_reevaluate(actor=actor, entity_id=app.event.entity_id)
    return app


# --- commitments ------------------------------------------------------------------------------


@transaction.atomic
def commitment_item_publish(
    *,
    actor: User | str,
    code: str,
    title: str,
    text: str,
    department: Department,
    catalog_item: str = "",
    approval_matter: str = "",
) -> CommitmentItem:
    p = _principal(actor)
    if p is not None and not workflow.model_may_edit(p, department.pk):
        raise Forbidden(_("您不能为该部门公布承诺事项"), code="forbidden")
    if not (catalog_item or approval_matter):
        raise Invalid(_("承诺事项须对应一个监管事项或审批事项"), field="catalog_item", code="required")
    for f, v in (("title", title), ("text", text)):
        _text_check(v, f)
    item, _created = CommitmentItem.objects.update_or_create(
        code=code,
        defaults={
            "title": title,
            "text": text,
            "department": department,
            "catalog_item": catalog_item,
            "approval_matter": approval_matter,
            "published": True,
        },
    )
    audit_record(
        actor=actor,
        action="credit.commitment_item.publish",
        subject_type="credit.commitment",
        subject_id=f"item:{code}",
        payload={"title": title, "catalog_item": catalog_item, "approval_matter": approval_matter},
    )
    return item


@transaction.atomic
def commitment_sign(
    *, actor: User | str, entity: Entity, item: CommitmentItem, signed_on: dt.date, signed_by: str
) -> Commitment:
    if not item.published:
        raise Invalid(_("该承诺事项未公布"), field="item")
    _text_check(signed_by, "signed_by")
    c = Commitment.objects.create(
        entity=entity, item=item, signed_on=signed_on, text=item.text, signed_by=signed_by
    )
    audit_record(
        actor=actor,
        action="credit.commitment.sign",
        subject_type="credit.commitment",
        subject_id=c.pk,
        payload={"item": item.code, "signed_on": signed_on.isoformat()},
        refs=[("entity", entity.pk)],
    )
    return c


@transaction.atomic
def commitment_verify(
    *, actor: User | str, commitment: Commitment, kept: bool, source_id: str, on: dt.date
) -> Commitment:
    """The result of the "commitment kept" check point of a later inspection; a broken commitment
    becomes a credit event at once (and a kept one a small positive record)."""
    c = Commitment.objects.select_for_update().select_related("item").get(pk=commitment.pk)
    c.status = Commitment.Status.KEPT if kept else Commitment.Status.BROKEN
    c.verified_on = on
    c.verified_source = source_id[:128]
    c.save()
    audit_record(
        actor=actor,
        action="credit.commitment.verify",
        subject_type="credit.commitment",
        subject_id=c.pk,
        payload={"kept": kept, "source": source_id, "on": on.isoformat()},
        refs=[("entity", c.entity_id)],
    )
    credit_event_record(
        actor=actor,
        entity=c.entity_id,
        kind="commitment_kept" if kept else "commitment_broken",
        occurred_on=on,
        source_type="credit.commitment",
        source_id=str(c.pk),
        severity="none" if kept else "ordinary",
        reason=(_("核查履行承诺：%(t)s") if kept else _("违背信用承诺：%(t)s")) % {"t": c.item.title},
        department_id=c.item.department_id,
    )
    return c


def commitments_check_inspection(
    *, actor: User | str, entity_id: int, findings: Iterable[dict[str, Any]], on: dt.date, source_id: str
) -> list[Commitment]:
    """Verify an entity's commitments in force against a published inspection: a finding on a
    check point whose catalog item a commitment covers breaks it; a clean visit keeps it."""
    findings = list(findings)
    bad_items = {str(f.get("item") or "") for f in findings if f.get("result") == "finding"}
    seen_items = {str(f.get("item") or "") for f in findings}
    out = []
    for c in Commitment.objects.filter(entity_id=entity_id, status=Commitment.Status.IN_FORCE).select_related(
        "item"
    ):
        if c.item.catalog_item and c.item.catalog_item in seen_items:
            out.append(
                commitment_verify(
                    actor=actor,
                    commitment=c,
                    kept=c.item.catalog_item not in bad_items,
                    source_id=source_id,
                    on=on,
                )
            )
    return out


# --- subscriptions ----------------------------------------------------------------------------


@transaction.atomic
def subscription_set(
    *, actor: User | str, department: Department, grade_changes: bool, serious_events: bool
) -> PushSubscription:
    p = _principal(actor)
    if p is not None and not workflow.subscription_may_manage(p, department.pk):
        raise Forbidden(_("您不能管理该部门的订阅"), code="forbidden")
    sub, _c = PushSubscription.objects.update_or_create(
        department=department,
        defaults={
            "grade_changes": grade_changes,
            "serious_events": serious_events,
            "created_by": _name(actor),
        },
    )
    audit_record(
        actor=actor,
        action="credit.subscription.set",
        subject_type="credit.grade",
        subject_id=f"subscription:{department.pk}",
        payload={"grade_changes": grade_changes, "serious_events": serious_events},
    )
    return sub


# --- bulk inputs --------------------------------------------------------------------------------


@transaction.atomic
def credit_events_bulk_record(
    *,
    actor: User | str,
    frame: pl.DataFrame,
    source_type: str,
    reason: str,
    department_id: str | None = None,
    publicity_months: int | None = None,
) -> int:
    """Record many events at once (history, the provisional-class migration, imports of court
    judgments): columns entity_id, kind, severity, category, occurred_on, source_id. Idempotent by
    source; all-or-nothing; one ledger entry names the batch, its size and the rows' digest."""
    if frame.is_empty():
        return 0
    bad = frame.filter(~pl.col("kind").is_in(list(EVENT_KINDS)) | ~pl.col("severity").is_in(list(SEVERITIES)))
    if not bad.is_empty():
        raise Invalid(_("第 %(r)d 行：未知的事件类型或严重程度") % {"r": 1}, field="kind", code="row")
    existing = set(CreditEvent.objects.filter(source_type=source_type).values_list("source_id", "kind"))
    months = conf.counting_months()
    rows = []
    for r in frame.iter_rows(named=True):
        if (r["source_id"], r["kind"]) in existing:
            continue
        occ = r["occurred_on"]
        until = add_months(occ, publicity_months if publicity_months else months.get(r["severity"], 12))
        rows.append(
            CreditEvent(
                entity_id=r["entity_id"],
                kind=r["kind"],
                severity=r["severity"],
                category=r.get("category") or "",
                occurred_on=occ,
                counts_until=until,
                source_type=source_type,
                source_id=r["source_id"],
                department_id=r.get("department_id") or department_id,
                reason=r.get("reason") or reason,
                published=r["severity"] != "minor",
                recorded_by=_name(actor),
            )
        )
    CreditEvent.objects.bulk_create(rows, batch_size=2000)
    digest = hashlib.sha256(
        "\n".join(f"{e.entity_id},{e.kind},{e.severity},{e.occurred_on},{e.source_id}" for e in rows).encode()
    ).hexdigest()
    audit_record(
        actor=actor,
        action="credit.event.import",
        subject_type="credit.event",
        subject_id=f"batch:{source_type}",
        payload={"rows": len(rows), "sha256": digest, "reason": reason},
    )
    return len(rows)


def provisional_classes_migrate(*, actor: User | str, on: dt.date) -> int:
    """The registry's provisional A/B/C/D classes become a manual input of the first model: one
    ``provisional_class`` event per entity (category = the class), counting for 36 months."""
    rows = list(Entity.objects.order_by("pk").values_list("pk", "credit_class"))
    frame = pl.DataFrame(
        {
            "entity_id": [r[0] for r in rows],
            "kind": ["provisional_class"] * len(rows),
            "severity": ["none"] * len(rows),
            "category": [r[1] or "B" for r in rows],
            "occurred_on": [on] * len(rows),
            "source_id": [f"entity:{r[0]}" for r in rows],
        },
        schema={
            "entity_id": pl.Int64,
            "kind": pl.Utf8,
            "severity": pl.Utf8,
            "category": pl.Utf8,
            "occurred_on": pl.Date,
            "source_id": pl.Utf8,
        },
    )
    return credit_events_bulk_record(
        actor=actor,
        frame=frame,
        source_type="entities.credit_class",
        reason=str(_("登记系统中的暂定信用风险分类（迁移为首个模型的人工输入）")),
        publicity_months=36,
    )
