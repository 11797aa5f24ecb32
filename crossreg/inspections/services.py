"""Writes for field inspection: creating and merging tasks, transitions, marking check points,
photos, location, confirmation.

Every inspection task is made here — by sampling's consolidation of the period's draws, and by
clues, complaints and inbound pushes from other systems — through :func:`task_create`; a further
source for an entity that already has a task waiting is added with :func:`task_attach`.

Each service locks the task row, checks the workflow table (:mod:`crossreg.inspections.workflow`),
writes the change and its append-only event, records a ledger entry in the same transaction (photo
SHA-256 digests go into its ``evidence``), and notifies on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from crossreg.catalog.models import CheckPoint, ItemVersion
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound
from crossreg.core.events import domain_event_publish
from crossreg.core.text import text_clean
from crossreg.entities.models import Entity
from crossreg.inspections import conf, workflow
from crossreg.inspections.checklist import PointIn, checklist_merge
from crossreg.inspections.models import (
    InspectionTask,
    OfficerRelation,
    TaskDepartment,
    TaskEvent,
    TaskOfficer,
    TaskPhoto,
    TaskPoint,
    TaskSource,
    TaskStatus,
    Trigger,
)
from crossreg.inspections.workflow import Role
from crossreg.notices.services import notice_send
from crossreg.orgs.actors import Actor, actor_label, actor_user
from crossreg.orgs.models import Department, Officer
from crossreg.orgs.permissions import Capability, Principal

PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png", b"RIFF": ".webp"}

_user = actor_user
_label = actor_label


# --- Creating and merging tasks ------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerAssignment:
    """One officer on a task: ``lead`` marks the task's lead officer (主办); ``cost`` is the
    assignment's verifiable rank (sampling's HMAC rank; 0 when officers are chosen by hand)."""

    officer_id: int
    department_id: str
    lead: bool = False
    cost: int = 0


ItemsByDepartment = Mapping[str, Collection[int]]  # department code -> item version ids it brings


def _dept_code(d: Department | str) -> str:
    return d if isinstance(d, str) else d.pk


def checklist_points(version_ids: Iterable[int]) -> dict[int, list[CheckPoint]]:
    """The check points of the given item versions, by version (for callers creating many tasks)."""
    out: dict[int, list[CheckPoint]] = defaultdict(list)
    for cp in CheckPoint.objects.filter(version_id__in=set(version_ids)).order_by("version_id", "seq"):
        out[cp.version_id].append(cp)
    return out


def _items_clean(items: ItemsByDepartment, departments: Iterable[str]) -> dict[str, list[int]]:
    out: dict[str, set[int]] = {d: set() for d in departments}
    for dept, vids in items.items():
        out.setdefault(dept, set()).update(int(v) for v in vids)
    return {d: sorted(v) for d, v in out.items()}


def _checklist_write(
    *,
    task: InspectionTask,
    lead: str,
    items: Mapping[str, Sequence[int]],
    points_by_version: Mapping[int, Sequence[CheckPoint]] | None,
) -> int:
    """(Re)write the task's departments and merged checklist from ``items``; returns the points."""
    if points_by_version is None:
        points_by_version = checklist_points(v for vids in items.values() for v in vids)
    TaskPoint.objects.filter(task=task).delete()
    TaskDepartment.objects.filter(task=task).delete()
    TaskDepartment.objects.bulk_create(
        [
            TaskDepartment(
                task=task,
                department_id=d,
                role=TaskDepartment.Role.LEAD if d == lead else TaskDepartment.Role.PARTICIPANT,
                item_versions=list(vids),
            )
            for d, vids in items.items()
        ]
    )
    order = [lead, *sorted(d for d in items if d != lead)]
    pts = [
        PointIn(
            version_id=cp.version_id,
            seq=cp.seq,
            department=d,
            content=cp.content,
            legal_basis=cp.legal_basis,
            finding=cp.finding,
        )
        for d in items
        for v in items[d]
        for cp in points_by_version.get(v, ())
    ]
    merged = checklist_merge(pts, department_order=order)
    TaskPoint.objects.bulk_create(
        [
            TaskPoint(
                task=task,
                seq=i,
                content=m.content,
                legal_basis="；".join(m.legal_basis),
                finding_rule="；".join(m.finding),
                departments=m.departments,
                sources=[list(src) for src in m.sources],
            )
            for i, m in enumerate(merged, start=1)
        ]
    )
    return len(merged)


def _officers_write(*, task: InspectionTask, officers: Sequence[OfficerAssignment]) -> None:
    TaskOfficer.objects.filter(task=task).delete()
    TaskOfficer.objects.bulk_create(
        [
            TaskOfficer(
                task=task, officer_id=o.officer_id, department_id=o.department_id, cost=o.cost, lead=o.lead
            )
            for o in officers
        ]
    )


def _sources_add(*, task: InspectionTask, trigger: str, source_ref: str, selections: Sequence[int]) -> None:
    rows = [TaskSource(task=task, trigger=trigger, ref="", selection_id=s) for s in selections]
    if source_ref and not selections:
        rows.append(TaskSource(task=task, trigger=trigger, ref=source_ref))
    try:
        with transaction.atomic():
            TaskSource.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(
            f"{trigger} {source_ref or selections} already belongs to another task",
            field="source_ref",
            code="source_taken",
        ) from None


def _check_may(actor: Actor, task: InspectionTask | None, transition: str, lead: str) -> None:
    roles = workflow.task_roles(task, actor, lead_department_id=lead)
    state = task.status if task is not None else workflow.NEW
    if workflow.target(state, transition, roles) is None:
        if (state, transition) in workflow.TRANSITIONS:
            raise Forbidden(f"your role may not {transition} this task", field="transition", code="forbidden")
        raise Conflict(
            f"cannot {transition} a task that is {task.get_status_display() if task else '—'}",
            field="transition",
            code="bad_state",
        )


def _task_event_data(task: InspectionTask, items: Mapping[str, Sequence[int]]) -> dict[str, object]:
    return {
        "task_code": task.code,
        "entity_id": task.entity_id,
        "trigger": task.trigger,
        "source_ref": task.source_ref,
        "period": task.period,
        "lead_department": task.lead_department_id,
        "departments": sorted(items),
        "window": [task.window_start.isoformat(), task.window_end.isoformat()],
    }


def _task_record(
    *,
    actor: Actor,
    task: InspectionTask,
    transition: str,
    data: dict[str, object],
    officers: list[int] | None,
    check_points: int,
) -> None:
    """The ledger entry (naming the entity) and the domain event of a create or merge."""
    audit_record(
        actor=actor,
        action=f"inspection.task.{transition}",
        subject_type="inspection.task",
        subject_id=task.code,
        payload={**data, "officers": officers, "check_points": check_points},
        refs=[("entity", task.entity_id)],
    )
    domain_event_publish(
        type="inspection.task.created" if transition == "create" else "inspection.task.merged",
        subject=f"inspection.task/{task.code}",
        data=data,
        department_id=task.lead_department_id,
        entity_id=task.entity_id,
    )


def task_code_next(*, period: str, entity: Entity, trigger: str) -> str:
    """``IT-<period>-<entity>`` for the period's random visit; other visits get a suffix."""
    base = f"IT-{period}-{entity.pk:07d}"
    if trigger == Trigger.RANDOM:
        return base
    n = InspectionTask.objects.filter(code__startswith=f"{base}-").count() + 1
    return f"{base}-{trigger[0].upper()}{n}"


@transaction.atomic
def task_create(
    *,
    actor: Actor,
    entity: Entity,
    trigger: str,
    period: str,
    lead_department: Department | str,
    departments: Sequence[Department | str] = (),
    items: ItemsByDepartment,
    window_start: dt.date,
    window_end: dt.date,
    source_ref: str = "",
    officers: Sequence[OfficerAssignment] = (),
    selections: Sequence[int] = (),
    seed_plan_id: int | None = None,
    deferred: bool = False,
    code: str | None = None,
    points_by_version: Mapping[int, Sequence[CheckPoint]] | None = None,
    notify: bool = True,
) -> InspectionTask:
    """Create one inspection task for ``entity`` (one visit: 进一次门、查多项事).

    ``trigger`` says why (:class:`~crossreg.inspections.models.Trigger`: random, clue, complaint,
    provincial, transfer, exchange, manual) and ``source_ref`` names the source (a clue number, a
    complaint number, an inbound message id); ``selections`` are sampling's draw selections. The
    departments are the lead, ``departments`` and every department in ``items`` (department code ->
    item version ids it brings); the checklist is the merge of those versions' check points.
    ``officers`` are assigned now (sampling's verifiable assignment), or later by the department.

    Idempotent by (trigger, source_ref): a second call returns the task made the first time. An
    entity has one random visit per period (a second raises :class:`Conflict` ``task_exists``;
    sampling merges further draws with :func:`task_attach`). Records the ``create`` event and
    ledger entry (``refs`` the entity), and publishes ``inspection.task.created``.
    """
    if trigger not in Trigger.values:
        raise Invalid(f"unknown trigger {trigger!r}", field="trigger")
    if trigger != Trigger.RANDOM and not source_ref:
        raise Invalid("name the source of the visit", field="source_ref", code="required")
    if window_end < window_start:
        raise Invalid("the window ends before it starts", field="window_end")
    lead = _dept_code(lead_department)
    _check_may(actor, None, "create", lead)
    if source_ref and not selections:
        known = TaskSource.objects.filter(trigger=trigger, ref=source_ref).select_related("task").first()
        if known is not None:
            return known.task
    depts = [lead, *[_dept_code(d) for d in departments if _dept_code(d) != lead]]
    dept_items = _items_clean(items, depts)
    if trigger == Trigger.RANDOM and (
        InspectionTask.objects.filter(period=period, entity=entity, trigger=Trigger.RANDOM)
        .exclude(status=TaskStatus.CANCELLED)
        .exists()
    ):
        raise Conflict(
            f"{entity.name} already has a visit in {period}: attach to it", field="entity", code="task_exists"
        )
    task = InspectionTask.objects.create(
        code=code or task_code_next(period=period, entity=entity, trigger=trigger),
        trigger=trigger,
        source_ref=source_ref,
        period=period,
        entity=entity,
        joint=len(dept_items) > 1,
        lead_department_id=lead,
        window_start=window_start,
        window_end=window_end,
        deferred=deferred,
        seed_plan_id=seed_plan_id,
    )
    TaskEvent.objects.create(
        task=task,
        transition="create",
        to_state=TaskStatus.ASSIGNED,
        actor=_user(actor),
        actor_label=_label(actor),
    )
    _sources_add(task=task, trigger=trigger, source_ref=source_ref, selections=selections)
    n_points = _checklist_write(task=task, lead=lead, items=dept_items, points_by_version=points_by_version)
    _officers_write(task=task, officers=officers)
    data = _task_event_data(task, dept_items)
    _task_record(
        actor=actor,
        task=task,
        transition="create",
        data=data,
        officers=[o.officer_id for o in officers],
        check_points=n_points,
    )
    if notify:
        notice_send(
            verb="inspection.task.create",
            subject=f"新的检查任务：{entity.name}",
            link=f"/inspections/tasks/{task.code}/",
            departments=list(Department.objects.filter(pk__in=list(dept_items))),
        )
    return task


@transaction.atomic
def task_attach(
    *,
    actor: Actor,
    task: InspectionTask,
    trigger: str,
    source_ref: str = "",
    items: ItemsByDepartment | None = None,
    lead_department: Department | str | None = None,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
    deferred: bool | None = None,
    officers: Sequence[OfficerAssignment] | None = None,
    selections: Sequence[int] = (),
    points_by_version: Mapping[int, Sequence[CheckPoint]] | None = None,
) -> InspectionTask:
    """Attach a further source to a task not yet started (the ``merge`` transition).

    ``items`` add departments and item versions (the checklist is merged again); ``officers``, when
    given, replace the assignment (sampling re-assigns the merged task); the lead and window may
    move. Idempotent: attaching a source the task already carries, with nothing new, changes
    nothing. Records the ``merge`` event and ledger entry and publishes ``inspection.task.created``
    again is *not* done: a merge publishes ``inspection.task.merged``.
    """
    if trigger not in Trigger.values:
        raise Invalid(f"unknown trigger {trigger!r}", field="trigger")
    task = _lock(task)
    lead = _dept_code(lead_department) if lead_department is not None else task.lead_department_id
    _check_may(actor, task, "merge", lead)
    current = {td.department_id: list(td.item_versions) for td in task.departments.all()}
    new_items = _items_clean({**{d: v for d, v in current.items()}}, [lead])
    for d, vids in (items or {}).items():
        new_items[d] = sorted(set(new_items.get(d, [])) | {int(v) for v in vids})
    known_ref = bool(source_ref) and task.sources.filter(trigger=trigger, ref=source_ref).exists()
    known_sel = set(
        task.sources.filter(selection_id__in=list(selections)).values_list("selection_id", flat=True)
    )
    fresh_sel = [s for s in selections if s not in known_sel]
    changed = (
        new_items != {d: sorted(v) for d, v in current.items()}
        or lead != task.lead_department_id
        or officers is not None
        or (window_start is not None and window_start != task.window_start)
        or (window_end is not None and window_end != task.window_end)
        or (deferred is not None and deferred != task.deferred)
    )
    if not changed and not fresh_sel and (known_ref or not source_ref):
        return task
    task.lead_department_id = lead
    task.joint = len(new_items) > 1
    if window_start is not None:
        task.window_start = window_start
    if window_end is not None:
        task.window_end = window_end
    if deferred is not None:
        task.deferred = deferred
    if task.window_end < task.window_start:
        raise Invalid("the window ends before it starts", field="window_end")
    task.save()
    TaskEvent.objects.create(
        task=task,
        transition="merge",
        from_state=task.status,
        to_state=task.status,
        actor=_user(actor),
        actor_label=_label(actor),
    )
    _sources_add(task=task, trigger=trigger, source_ref="" if known_ref else source_ref, selections=fresh_sel)
    n_points = _checklist_write(task=task, lead=lead, items=new_items, points_by_version=points_by_version)
    if officers is not None:
        _officers_write(task=task, officers=officers)
    data = {**_task_event_data(task, new_items), "attached": {"trigger": trigger, "source_ref": source_ref}}
    _task_record(
        actor=actor,
        task=task,
        transition="merge",
        data=data,
        officers=[o.officer_id for o in officers] if officers is not None else None,
        check_points=n_points,
    )
    return task


def _lock(task: InspectionTask) -> InspectionTask:
    return (
        InspectionTask.objects.select_for_update().select_related("entity", "lead_department").get(pk=task.pk)
    )


def _officer_row(task: InspectionTask, actor: Actor) -> TaskOfficer:
    officer = getattr(actor, "officer", None)
    row = task.officers.filter(officer_id=officer.pk).first() if officer is not None else None
    if row is None:
        raise Forbidden("you are not assigned to this task", code="forbidden")
    return row


@transaction.atomic
def task_transition(*, task: InspectionTask, transition: str, actor: Actor, note: str = "") -> InspectionTask:
    """Move the task along the workflow table; guards: complete needs every point marked and the
    location; submit needs the confirmations (Art. 42: two officers)."""
    if transition in workflow.SERVICE_TRANSITIONS:
        raise Invalid(
            f"{transition} is done by task_{'create' if transition == 'create' else 'attach'}",
            field="transition",
        )
    note = text_clean(note, field="note", multiline=True)
    task = _lock(task)
    roles = workflow.task_roles(task, actor)
    to = workflow.target(task.status, transition, roles)
    if to is None:
        if (task.status, transition) in workflow.TRANSITIONS:
            raise Forbidden(f"your role may not {transition} this task", field="transition", code="forbidden")
        raise Conflict(
            f"cannot {transition} a task that is {task.get_status_display()}",
            field="transition",
            code="bad_state",
        )
    if transition == "complete":
        pending = task.points.filter(result="").count()
        if pending:
            raise Invalid(f"{pending} check point(s) not yet marked", field="points", code="incomplete")
        if task.location_lat is None and not task.location_text:
            raise Invalid("record the location of the inspection", field="location", code="required")
    if transition == "submit":
        confirmed = task.officers.filter(confirmed_at__isnull=False).count()
        need = conf.min_confirmations()
        if confirmed < need:
            raise Invalid(
                f"{confirmed} of {need} officers have confirmed the result",
                field="confirmations",
                code="unconfirmed",
            )
    if transition == "reopen":
        task.officers.update(confirmed_at=None)
    from_state = task.status
    task.status = to
    now = timezone.now()
    if transition == "start" and task.inspected_on is None:
        task.inspected_on = timezone.localdate()
    if transition == "submit":
        task.submitted_at = now
        task.follow_up = task.points.filter(result=TaskPoint.Result.FINDING).exists()
        task.result_due = conf.result_due(timezone.localdate())
        if note:
            task.summary = note
    if transition == "publish":
        task.published_at = now
    task.save()
    TaskEvent.objects.create(
        task=task,
        transition=transition,
        from_state=from_state,
        to_state=to,
        actor=_user(actor),
        actor_label=_label(actor),
        note=note,
    )
    audit_record(
        actor=actor,
        action=f"inspection.task.{transition}",
        subject_type="inspection.task",
        subject_id=task.code,
        payload={"from": from_state, "to": to, "note": note, "follow_up": task.follow_up},
        refs=[("entity", task.entity_id)],
    )
    if transition == "publish":
        domain_event_publish(
            type="inspection.task.published",
            subject=f"inspection.task/{task.code}",
            data=task_result_data(task),
            department_id=task.lead_department_id,
            entity_id=task.entity_id,
        )
    if transition == "submit":
        if task.follow_up:  # findings mark the task for follow-up (enforcement comes later)
            return task_transition(task=task, transition="flag_follow_up", actor="system:inspections")
        notice_send(
            verb="inspection.task.submit",
            subject=f"检查结果待公示：{task.entity.name}",
            link=f"/inspections/tasks/{task.code}/",
            departments=[task.lead_department],
        )
    if to == TaskStatus.FOLLOW_UP:
        notice_send(
            verb="inspection.task.follow_up",
            subject=f"检查发现问题，需后续处置：{task.entity.name}",
            link=f"/inspections/tasks/{task.code}/",
            departments=[task.lead_department],
        )
    return task


@transaction.atomic
def task_point_mark(
    *, task: InspectionTask, point_id: int, result: str, note: str = "", actor: Actor
) -> TaskPoint:
    note = text_clean(note, field="note", multiline=True)
    task = _lock(task)
    _officer_row(task, actor)
    if task.status not in workflow.WORKING_STATES:
        raise Conflict("start the task before recording results", field="status", code="bad_state")
    if result not in {TaskPoint.Result.PASS, TaskPoint.Result.FINDING, TaskPoint.Result.NA}:
        raise Invalid("choose pass, finding or not applicable", field="result")
    if result == TaskPoint.Result.FINDING and not note.strip():
        raise Invalid("describe the finding", field="note", code="required")
    point = task.points.select_for_update().filter(pk=point_id).first()
    if point is None:
        raise NotFound("no such check point on this task", field="point")
    point.result, point.note = result, note.strip()
    point.marked_by, point.marked_at = _user(actor), timezone.now()
    point.save()
    audit_record(
        actor=actor,
        action="inspection.point.mark",
        subject_type="inspection.task",
        subject_id=task.code,
        payload={"point": point.seq, "result": result, "note": point.note},
        refs=[("entity", task.entity_id)],
    )
    return point


@transaction.atomic
def task_photo_add(
    *, task: InspectionTask, content: bytes, filename: str, actor: Actor, point_id: int | None = None
) -> TaskPhoto:
    """Store a photo under MEDIA_ROOT; its SHA-256 goes into the ledger entry's evidence."""
    task = _lock(task)
    _officer_row(task, actor)
    if task.status not in workflow.WORKING_STATES:
        raise Conflict("start the task before attaching photos", field="status", code="bad_state")
    limit = int(settings.CROSSREG.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)
    if not content:
        raise Invalid("the file is empty", field="photo")
    if len(content) > limit:
        raise Invalid(f"the file is larger than {limit} bytes", field="photo", code="too_large")
    if not any(content.startswith(m) for m in PHOTO_TYPES):
        raise Invalid("not a JPEG, PNG or WebP image", field="photo", code="bad_type")
    point = task.points.filter(pk=point_id).first() if point_id else None
    digest = hashlib.sha256(content).hexdigest()
    photo = TaskPhoto(task=task, point=point, sha256=digest, size=len(content), uploaded_by=_user(actor))
    photo.file.save(filename or "photo.jpg", ContentFile(content), save=False)
    photo.save()
    audit_record(
        actor=actor,
        action="inspection.photo.add",
        subject_type="inspection.task",
        subject_id=task.code,
        payload={"point": point.seq if point else None, "file": photo.file.name, "size": len(content)},
        evidence=[digest],
        refs=[("entity", task.entity_id)],
    )
    return photo


@transaction.atomic
def task_location_set(
    *, task: InspectionTask, actor: Actor, lat: float | None = None, lng: float | None = None, text: str = ""
) -> InspectionTask:
    """Record where the inspection took place: browser geolocation, or a typed address."""
    task = _lock(task)
    _officer_row(task, actor)
    if task.status not in workflow.WORKING_STATES:
        raise Conflict("start the task before recording the location", field="status", code="bad_state")
    if lat is None and lng is None and not text.strip():
        raise Invalid("give coordinates or the address", field="location", code="required")
    if (lat is None) != (lng is None):
        raise Invalid("give both latitude and longitude", field="location")
    if lat is not None and lng is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Invalid("coordinates out of range", field="location")
    task.location_lat, task.location_lng = lat, lng
    task.location_text = text.strip()[:200]
    task.location_source = "gps" if lat is not None else "manual"
    task.save(update_fields=["location_lat", "location_lng", "location_text", "location_source"])
    audit_record(
        actor=actor,
        action="inspection.location.set",
        subject_type="inspection.task",
        subject_id=task.code,
        payload={"lat": lat, "lng": lng, "text": task.location_text, "source": task.location_source},
        refs=[("entity", task.entity_id)],
    )
    return task


@transaction.atomic
def task_confirm(*, task: InspectionTask, actor: Actor) -> TaskOfficer:
    """An assigned officer confirms the recorded result (both officers confirm, Art. 42)."""
    task = _lock(task)
    row = _officer_row(task, actor)
    if task.status != TaskStatus.AWAITING_CONFIRMATION:
        raise Conflict("the result is not awaiting confirmation", field="status", code="bad_state")
    if row.confirmed_at is None:
        row.confirmed_at = timezone.now()
        row.save(update_fields=["confirmed_at"])
        audit_record(
            actor=actor,
            action="inspection.task.confirm",
            subject_type="inspection.task",
            subject_id=task.code,
            payload={"officer": row.officer_id},
            refs=[("entity", task.entity_id)],
        )
    return row


@transaction.atomic
def officer_relation_declare(
    *, actor: Actor, officer: Officer, entity: Entity, kind: str, note: str = ""
) -> OfficerRelation:
    """Declare a relation that requires recusal (Art. 43); the officer is never assigned to the entity."""
    user = _user(actor)
    if user is not None and not (
        getattr(getattr(user, "officer", None), "pk", None) == officer.pk
        or Principal.of(user).can(Capability.MANAGE_DEPARTMENT, officer.department_id)
    ):
        raise Forbidden("you may not declare relations for this officer", code="forbidden")
    if kind not in OfficerRelation.Kind.values:
        raise Invalid(f"unknown relation {kind!r}", field="kind")
    note = text_clean(note, field="note", multiline=True)
    rel, _ = OfficerRelation.objects.update_or_create(
        officer=officer, entity=entity, defaults={"kind": kind, "note": note}
    )
    audit_record(
        actor=actor,
        action="inspection.recusal.declare",
        subject_type="orgs.officer",
        subject_id=officer.certificate_no,
        payload={"entity": entity.pk, "kind": kind},
        refs=[("entity", entity.pk)],
    )
    return rel


def task_result_data(task: InspectionTask) -> dict[str, object]:
    """The published result: data of ``inspection.task.published`` (docs/schemas/
    inspection.task.published.json): every check point's result, with the item it comes from."""
    points = list(
        task.points.order_by("seq").values("seq", "content", "result", "note", "departments", "sources")
    )
    version_ids = {int(src[0]) for p in points for src in p["sources"]}
    codes = dict(ItemVersion.objects.filter(pk__in=version_ids).values_list("pk", "item__code"))
    entity = task.entity
    out_points = []
    for p in points:
        vids = sorted({int(src[0]) for src in p["sources"]})
        out_points.append(
            {
                "seq": p["seq"],
                "content": p["content"],
                "result": p["result"],
                "finding": p["note"] if p["result"] == TaskPoint.Result.FINDING else "",
                "department": (p["departments"] or [task.lead_department_id])[0],
                "departments": p["departments"],
                "item_code": codes.get(vids[0], "") if vids else "",
                "item_codes": sorted({codes[v] for v in vids if v in codes}),
                "item_versions": vids,
            }
        )
    return {
        "task_code": task.code,
        "entity_id": task.entity_id,
        "entity_name": entity.name,
        "uscc": entity.uscc or "",
        "trigger": task.trigger,
        "source_ref": task.source_ref,
        "period": task.period,
        "lead_department": task.lead_department_id,
        "departments": sorted(task.departments.values_list("department_id", flat=True)),
        "inspected_on": task.inspected_on.isoformat() if task.inspected_on else "",
        "published_at": task.published_at.isoformat() if task.published_at else "",
        "follow_up": task.follow_up,
        "summary": task.summary,
        "item_codes": sorted(set(codes.values())),
        "points": out_points,
        "findings": sum(1 for p in points if p["result"] == TaskPoint.Result.FINDING),
    }


def task_overdue(task: InspectionTask, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return task.published_at is None and task.result_due is not None and today > task.result_due


def departments_of(task: InspectionTask) -> list[Department]:
    return [td.department for td in task.departments.select_related("department")]


__all__ = [
    "OfficerAssignment",
    "Role",
    "checklist_points",
    "officer_relation_declare",
    "task_attach",
    "task_confirm",
    "task_create",
    "task_location_set",
    "task_overdue",
    "task_photo_add",
    "task_point_mark",
    "task_result_data",
    "task_transition",
]
