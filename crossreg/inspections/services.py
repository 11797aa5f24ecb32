"""Writes for field inspection: transitions, marking check points, photos, location, confirmation.

Each service locks the task row, checks the workflow table (:mod:`crossreg.inspections.workflow`),
writes the change and its append-only event, records a ledger entry in the same transaction (photo
SHA-256 digests go into its ``evidence``), and notifies on commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound
from crossreg.core.text import text_clean
from crossreg.entities.models import Entity
from crossreg.inspections import workflow
from crossreg.inspections.models import (
    InspectionTask,
    OfficerRelation,
    TaskEvent,
    TaskOfficer,
    TaskPhoto,
    TaskPoint,
    TaskStatus,
)
from crossreg.inspections.workflow import Role
from crossreg.notices.services import notice_send
from crossreg.orgs.models import Department, Officer, User
from crossreg.sampling import conf

Actor = User | str
PHOTO_TYPES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png", b"RIFF": ".webp"}


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _label(actor: Actor) -> str:
    return actor if isinstance(actor, str) else actor.username


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
        task.result_due = conf.working_days_add(timezone.localdate(), conf.result_deadline_working_days())
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
        )
    return row


@transaction.atomic
def officer_relation_declare(
    *, actor: Actor, officer: Officer, entity: Entity, kind: str, note: str = ""
) -> OfficerRelation:
    """Declare a relation that requires recusal (Art. 43); the officer is never assigned to the entity."""
    user = _user(actor)
    if user is not None and not (
        user.is_superuser
        or user.role == "admin"
        or getattr(getattr(user, "officer", None), "pk", None) == officer.pk
        or (user.role == "dept_admin" and user.department_id == officer.department_id)
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
    )
    return rel


def task_overdue(task: InspectionTask, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return task.published_at is None and task.result_due is not None and today > task.result_due


def departments_of(task: InspectionTask) -> list[Department]:
    return [td.department for td in task.departments.select_related("department")]


__all__ = [
    "Role",
    "officer_relation_declare",
    "task_confirm",
    "task_location_set",
    "task_overdue",
    "task_photo_add",
    "task_point_mark",
    "task_transition",
]
