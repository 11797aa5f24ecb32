"""Catalog writes. Each service is keyword-only and atomic: it locks the row, checks the workflow table
and the user's department, writes, appends a history row, records a ledger entry (``audit_record``)
and queues notifications for whoever must act next (``transaction.on_commit`` via ``notice_send``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crossreg.catalog import workflow
from crossreg.catalog.content import Refs, content_apply, content_check, content_hash, content_of
from crossreg.catalog.legality import legality_require
from crossreg.catalog.models import (
    ChangeRequest,
    CrossDepartmentItem,
    ItemVersion,
    Opinion,
    PowerItem,
    SupervisionItem,
    VersionEvent,
)
from crossreg.catalog.schemas import CrossItemData, ItemContent, PowerItemData
from crossreg.core.audit import audit_record
from crossreg.core.errors import Conflict, Forbidden, Invalid, NotFound, ProblemList
from crossreg.core.events import domain_event_publish
from crossreg.core.text import text_clean
from crossreg.notices.services import notice_close, notice_send
from crossreg.orgs.models import Department, User

V = ItemVersion.Status
C = ChangeRequest.Status
Actor = User | str


# --- helpers ----------------------------------------------------------------------------------


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _label(actor: Actor) -> str:
    return actor if isinstance(actor, str) else f"user:{actor.username}"


def _subject(version: ItemVersion) -> str:
    return f"{version.item.code}/v{version.number}"


def _event(
    *,
    version: ItemVersion,
    workflow_name: str,
    transition: str,
    from_state: str,
    to_state: str,
    actor: Actor,
    reason: str = "",
    change_request: ChangeRequest | None = None,
) -> VersionEvent:
    user = _user(actor)
    return VersionEvent.objects.create(
        version=version,
        change_request=change_request,
        workflow=workflow_name,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=user,
        actor_label=_label(actor) if user is None else (user.display_name or user.username),
        department_id=user.department_id if user is not None else None,
        reason=reason,
    )


def _audit(*, actor: Actor, action: str, version: ItemVersion, **payload: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        subject_type="catalog.item_version",
        subject_id=_subject(version),
        payload={"item": version.item.code, "version": version.number, **payload},
    )


def _city_approval() -> list[Department]:
    return list(Department.objects.filter(role=Department.Role.APPROVAL, parent__isnull=True))


def _city_justice() -> list[Department]:
    return list(Department.objects.filter(role=Department.Role.JUSTICE, parent__isnull=True))


def _version_link(version: ItemVersion) -> str:
    return reverse("catalog:work_version", args=[version.pk])


def _cr_link(cr: ChangeRequest) -> str:
    return reverse("catalog:work_change_request", args=[cr.pk])


def _require_drafter(actor: User, department_id: str) -> None:
    if not actor.is_authenticated or not actor.is_active or actor.role not in workflow.DRAFTERS:
        raise Forbidden(
            _("只有部门工作人员或部门管理员可以起草监管事项"), field="actor", code="forbidden_role"
        )
    if actor.department_id != department_id:
        raise Forbidden(_("只能为本部门起草监管事项"), field="department", code="forbidden_department")


def _withdrawn_power_items(version: ItemVersion) -> None:
    bad = [p for p in version.power_items.all() if p.status == PowerItem.Status.WITHDRAWN]
    if bad:
        raise Invalid(
            *[
                (
                    _(
                        "关联的行政权力事项“%(code)s %(name)s”已取消（%(reason)s），不能发布；请先调整关联权力事项"
                    )
                    if p.withdrawn_reason
                    else _("关联的行政权力事项“%(code)s %(name)s”已取消，不能发布；请先调整关联权力事项")
                )
                % {"code": p.code, "name": p.name, "reason": p.withdrawn_reason}
                for p in bad
            ],
            field="power_items",
            code="power_item_withdrawn",
        )


def _complete(version: ItemVersion) -> None:
    problems = ProblemList()
    content = content_of(version)
    content_check(content, Refs.load(power_codes=content.power_items), problems, complete=True)
    problems.raise_if_any()


def _publish(*, version: ItemVersion, actor: Actor, effective_on: dt.date | None, workflow_name: str) -> None:
    """Make ``version`` the one in force; the previous one is superseded. Caller holds the locks."""
    _withdrawn_power_items(version)
    now = timezone.now()
    item = SupervisionItem.objects.select_for_update(of=("self",)).get(pk=version.item_id)
    if item.published_id is not None and item.published_id != version.pk:
        old = (
            ItemVersion.objects.select_for_update(of=("self",))
            .select_related("item")
            .get(pk=item.published_id)
        )
        t = workflow.compile_system(old, "supersede")
        old.status = t.target
        old.ended_at = now
        old.state_entered_at = now
        old.save(update_fields=["status", "ended_at", "state_entered_at", "updated_at"])
        _event(
            version=old,
            workflow_name=workflow_name,
            transition="supersede",
            from_state=V.PUBLISHED,
            to_state=t.target,
            actor=actor,
            reason=f"被 v{version.number} 替代",
        )
        _audit(actor=actor, action="catalog.version.supersede", version=old, by_version=version.number)
    version.status = V.PUBLISHED
    version.published_at = now
    version.effective_on = effective_on or timezone.localdate()
    item.published = version
    version.save()
    item.save(update_fields=["published"])
    item_published_event(version)


def item_published_event(version: ItemVersion) -> None:
    """Tell the platform a version is in force (``catalog.item.published``, docs/data-standard.md)."""
    item = version.item
    domain_event_publish(
        type="catalog.item.published",
        subject=f"catalog.item_version/{_subject(version)}",
        data={
            "item": item.code,
            "version": version.number,
            "version_id": version.pk,
            "name": version.name,
            "department": item.department_id,
            "effective_on": version.effective_on.isoformat() if version.effective_on else None,
        },
        department_id=item.department_id,
    )


# --- power items ------------------------------------------------------------------------------


def _require_catalog_admin(actor: Actor) -> None:
    user = _user(actor)
    if user is None:
        return  # a system actor (seed, import command)
    if user.is_superuser or user.role == User.Role.ADMIN:
        return
    if user.role == User.Role.APPROVAL and workflow.is_city_approval(user.department):
        return
    raise Forbidden(_("只有市行政审批局可以维护权力事项和跨部门事项"), field="actor", code="forbidden_role")


@transaction.atomic
def power_item_save(*, actor: Actor, data: PowerItemData) -> PowerItem:
    """Create or update a power item by code."""
    _require_catalog_admin(actor)
    dept = Department.objects.filter(pk=data.department).first()
    if dept is None:
        raise Invalid(
            _("未知部门代码“%(code)s”") % {"code": data.department}, field="department", code="unknown"
        )
    pi, created = PowerItem.objects.select_for_update(of=("self",)).get_or_create(
        code=data.code,
        defaults={
            "name": data.name,
            "kind": data.kind,
            "department": dept,
            "legal_basis": data.legal_basis,
            "status": data.status,
        },
    )
    if not created:
        pi.name, pi.kind, pi.department, pi.legal_basis, pi.status = (
            data.name,
            data.kind,
            dept,
            data.legal_basis,
            data.status,
        )
        pi.save()
    audit_record(
        actor=actor,
        action="catalog.power_item.save",
        subject_type="catalog.power_item",
        subject_id=pi.code,
        payload=data.model_dump(mode="json"),
    )
    return pi


@transaction.atomic
def power_item_withdraw(*, power_item: PowerItem, actor: Actor, reason: str) -> PowerItem:
    """Withdraw a power item (it left the power list). Items linking to it cannot be published any more."""
    _require_catalog_admin(actor)
    if not reason.strip():
        raise Invalid(_("请说明取消原因"), field="reason", code="required")
    pi = PowerItem.objects.select_for_update(of=("self",)).get(pk=power_item.pk)
    if pi.status == PowerItem.Status.WITHDRAWN:
        raise Conflict(_("该权力事项已取消"), field="status", code="bad_state")
    pi.status = PowerItem.Status.WITHDRAWN
    pi.withdrawn_reason = text_clean(reason, field="reason", multiline=True)[:300]
    pi.save()
    audit_record(
        actor=actor,
        action="catalog.power_item.withdraw",
        subject_type="catalog.power_item",
        subject_id=pi.code,
        payload={"reason": pi.withdrawn_reason},
    )
    affected = Department.objects.filter(supervision_items__published__power_items=pi).distinct()
    notice_send(
        verb="catalog.power_item_withdrawn",
        subject=f"行政权力事项“{pi.name}”已取消，请调整关联的监管事项",
        link=reverse("catalog:work_index"),
        departments=affected,
    )
    return pi


# --- items and drafts -------------------------------------------------------------------------


@transaction.atomic
def item_create(*, actor: User, content: ItemContent) -> ItemVersion:
    """A new supervision item with its first version as a draft of the actor's department."""
    _require_drafter(actor, content.department)
    problems = ProblemList()
    refs = Refs.load(power_codes=content.power_items)
    content_check(content, refs, problems)
    problems.raise_if_any()
    if SupervisionItem.objects.filter(code=content.code).exists():
        raise Conflict(
            _("监管事项编码“%(code)s”已存在") % {"code": content.code}, field="code", code="duplicate"
        )
    try:
        with transaction.atomic():
            item = SupervisionItem.objects.create(
                code=content.code, department=refs.departments[content.department]
            )
    except IntegrityError:
        raise Conflict(
            _("监管事项编码“%(code)s”已存在") % {"code": content.code}, field="code", code="duplicate"
        ) from None
    version = ItemVersion.objects.create(
        item=item,
        number=1,
        status=V.DRAFT,
        state_entered_at=timezone.now(),
        name=content.name,
        created_by=actor,
    )
    content_apply(version, content, refs)
    _event(
        version=version,
        workflow_name="compile",
        transition="create",
        from_state="",
        to_state=V.DRAFT,
        actor=actor,
    )
    _audit(actor=actor, action="catalog.item.create", version=version, content_hash=version.content_hash)
    return version


def _copy_as_new_version(*, item: SupervisionItem, actor: User) -> ItemVersion:
    if item.versions.filter(status__in=ItemVersion.OPEN).exists():
        raise Conflict(_("该事项已有正在起草或审核中的版本"), field="item", code="open_version")
    latest = item.versions.order_by("-number").first()
    if latest is None:
        raise NotFound(_("该事项没有任何版本"), field="item")
    content = content_of(latest)
    number = (item.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    version = ItemVersion.objects.create(
        item=item,
        number=number,
        status=V.DRAFT,
        state_entered_at=timezone.now(),
        name=content.name,
        created_by=actor,
    )
    content_apply(version, content, Refs.load(power_codes=content.power_items))
    return version


@transaction.atomic
def version_new_draft(*, item: SupervisionItem, actor: User) -> ItemVersion:
    """Start the next version of an item (compile track); the published version stays in force."""
    item = SupervisionItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    _require_drafter(actor, item.department_id)
    version = _copy_as_new_version(item=item, actor=actor)
    _event(
        version=version,
        workflow_name="compile",
        transition="create",
        from_state="",
        to_state=V.DRAFT,
        actor=actor,
    )
    _audit(actor=actor, action="catalog.version.create", version=version, content_hash=version.content_hash)
    return version


@transaction.atomic
def version_update(*, version: ItemVersion, actor: User, revision: int, content: ItemContent) -> ItemVersion:
    """Save a draft. ``revision`` is the one the editor opened; if someone saved since, refuse (no lost update)."""
    v = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=version.pk)
    if v.on_adjust_track:
        cr = ChangeRequest.objects.select_for_update(of=("self",)).get(pk=v.change_request.pk)
        workflow.adjust_check(cr, "edit", actor)
    else:
        workflow.compile_check(v, "edit", actor)
    if revision != v.revision:
        raise Conflict(
            _("该草稿在您打开后已被他人修改（修订号 %(opened)s → %(now)s），请重新打开后再修改")
            % {"opened": revision, "now": v.revision},
            field="revision",
            code="stale",
        )
    if content.code != v.item.code:
        raise Invalid(_("不能修改事项编码"), field="code", code="immutable")
    if content.department != v.item.department_id:
        raise Invalid(_("不能修改实施部门"), field="department", code="immutable")
    problems = ProblemList()
    refs = Refs.load(power_codes=content.power_items)
    content_check(content, refs, problems)
    problems.raise_if_any()
    before = v.content_hash
    v.revision += 1
    content_apply(v, content, refs)
    _event(
        version=v,
        workflow_name="edit",
        transition="edit",
        from_state=v.status,
        to_state=v.status,
        actor=actor,
    )
    _audit(
        actor=actor,
        action="catalog.version.edit",
        version=v,
        revision=v.revision,
        content_hash_before=before,
        content_hash=v.content_hash,
    )
    return v


# --- compile workflow -------------------------------------------------------------------------


#: Notices that ask a department to act in a review stage; they close when the stage is over.
_AWAITED = {
    V.SUBMITTED: "catalog.convene_awaited",
    V.JOINT_REVIEW: "catalog.joint_review_awaited",
    V.FIRST_REVIEW: "catalog.first_review_awaited",
    V.LEGALITY_REVIEW: "catalog.legality_review_awaited",
}


def _close_awaited(link: str, to_state: str) -> None:
    """The item moved on: requests to act in any other stage are over."""
    notice_close(link=link, verbs=[verb for state, verb in _AWAITED.items() if state != to_state])


def _notify_compile(v: ItemVersion, to_state: str, transition: str, reason: str) -> None:
    link = _version_link(v)
    _close_awaited(link, to_state)
    title = f"{v.item.code} {v.name}（v{v.number}）"
    if to_state == V.SUBMITTED:
        notice_send(
            verb="catalog.convene_awaited",
            subject=f"待组织集中会审：{title}",
            link=link,
            departments=_city_approval(),
        )
    elif to_state == V.JOINT_REVIEW and transition == "convene":
        depts = [d for d in v.involved_departments.all() if d.pk != v.item.department_id]
        notice_send(
            verb="catalog.joint_review_awaited",
            subject=f"请参加集中会审：{title}",
            link=link,
            departments=depts,
        )
    elif to_state == V.LEGALITY_REVIEW:
        notice_send(
            verb="catalog.legality_review_awaited",
            subject=f"待合法性审核：{title}",
            link=link,
            departments=_city_justice(),
        )
    elif to_state == V.DRAFT:
        notice_send(
            verb="catalog.returned",
            subject=f"已退回修改：{title}" + (f"：{reason}" if reason else ""),
            link=link,
            departments=[v.item.department],
        )
    elif to_state == V.PUBLISHED:
        notice_send(
            verb="catalog.published",
            subject=f"已发布：{title}",
            link=link,
            departments=[v.item.department, *v.involved_departments.all()],
        )
    elif to_state == V.WITHDRAWN:
        notice_send(
            verb="catalog.withdrawn", subject=f"已废止：{title}", link=link, departments=[v.item.department]
        )


@transaction.atomic
def version_transition(
    *,
    version: ItemVersion,
    transition: str,
    actor: User,
    reason: str = "",
    effective_on: dt.date | None = None,
    involved_departments: Iterable[str] | None = None,
) -> ItemVersion:
    """Make one transition of the compile workflow (see :data:`crossreg.catalog.workflow.COMPILE`)."""
    v = (
        ItemVersion.objects.select_for_update(of=("self",))
        .select_related("item", "item__department")
        .get(pk=version.pk)
    )
    if v.on_adjust_track:
        raise Conflict(_("此版本属于调整申请，请在调整申请中办理"), field="transition", code="adjust_track")
    t = workflow.compile_check(v, transition, actor)
    reason = text_clean(reason, field="reason", multiline=True)  # no markup (crossreg.core.text)
    if t.needs_reason and not reason:
        raise Invalid(_("请填写理由或意见"), field="reason", code="required")
    now = timezone.now()
    from_state = v.status
    to_state = t.target

    if transition == "submit":
        _complete(v)
        _withdrawn_power_items(v)
    elif transition == "convene":
        if involved_departments is not None:
            codes = set(involved_departments)
            depts = list(Department.objects.filter(pk__in=codes))
            missing = codes - {d.pk for d in depts}
            if missing:
                raise Invalid(
                    _("未知会审部门代码：%(codes)s") % {"codes": "、".join(sorted(missing))},
                    field="involved_departments",
                    code="unknown",
                )
            v.involved_departments.set(depts)
        if not v.involved_departments.exclude(pk=v.item.department_id).exists():
            raise Invalid(
                _("请至少指定一个会审部门（实施部门以外）"), field="involved_departments", code="required"
            )
        v.review_round += 1
    elif transition in ("concur", "object"):
        Opinion.objects.create(
            version=v,
            stage=Opinion.Stage.JOINT,
            review_round=v.review_round,
            department_id=actor.department_id or "",
            actor=actor,
            decision=transition,
            reason=reason,
        )
    elif transition in ("pass", "return") and from_state == V.LEGALITY_REVIEW:
        if transition == "pass":
            legality_require(v)
        Opinion.objects.create(
            version=v,
            stage=Opinion.Stage.LEGALITY,
            review_round=v.review_round,
            department_id=actor.department_id or "",
            actor=actor,
            decision=transition,
            reason=reason,
        )

    if transition == "pass":
        _publish(version=v, actor=actor, effective_on=effective_on, workflow_name="compile")
    else:
        v.status = to_state
        if to_state == V.WITHDRAWN:
            v.ended_at = now
            SupervisionItem.objects.filter(pk=v.item_id, published=v).update(published=None)
    if to_state != from_state:
        v.state_entered_at = now
    v.revision += 1
    v.save()
    _event(
        version=v,
        workflow_name="compile",
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        reason=reason,
    )
    _audit(
        actor=actor,
        action=f"catalog.compile.{transition}",
        version=v,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        content_hash=v.content_hash,
        **({"effective_on": v.effective_on.isoformat()} if transition == "pass" and v.effective_on else {}),
    )

    if transition == "concur":
        pending = (
            v.involved_departments.exclude(pk=v.item.department_id)
            .exclude(
                pk__in=Opinion.objects.filter(
                    version=v,
                    stage=Opinion.Stage.JOINT,
                    review_round=v.review_round,
                    decision=Opinion.Decision.CONCUR,
                ).values("department_id")
            )
            .exists()
        )
        if not pending:
            t2 = workflow.compile_system(v, "complete")
            v.status = t2.target
            v.state_entered_at = now
            v.save(update_fields=["status", "state_entered_at", "updated_at"])
            _event(
                version=v,
                workflow_name="compile",
                transition="complete",
                from_state=V.JOINT_REVIEW,
                to_state=t2.target,
                actor="system:catalog",
                reason="全部会审部门同意",
            )
            _audit(
                actor="system:catalog",
                action="catalog.compile.complete",
                version=v,
                from_state=V.JOINT_REVIEW,
                to_state=t2.target,
            )
            to_state = t2.target
    _notify_compile(v, to_state, transition, reason)
    return v


# --- adjust workflow --------------------------------------------------------------------------


@transaction.atomic
def change_request_create(
    *, item: SupervisionItem, actor: User, reason_kind: str, reason: str
) -> ChangeRequest:
    """A county approval bureau files (as a draft) a change request; it starts a new version to edit."""
    item = SupervisionItem.objects.select_for_update(of=("self",)).select_related("published").get(pk=item.pk)
    if (
        not actor.is_authenticated
        or not actor.is_active
        or actor.role != User.Role.APPROVAL
        or not workflow.is_county_approval(actor.department)
    ):
        raise Forbidden(_("只有县级行政审批局可以提出调整申请"), field="actor", code="forbidden_role")
    if reason_kind not in ChangeRequest.Reason.values:
        raise Invalid(_("请选择调整原因"), field="reason_kind", code="invalid")
    if not reason.strip():
        raise Invalid(_("请填写调整说明"), field="reason", code="required")
    if item.published is None:
        raise Conflict(_("只能调整已发布的监管事项"), field="item", code="not_published")
    base = item.published
    version = _copy_as_new_version(item=item, actor=actor)
    cr = ChangeRequest.objects.create(
        item=item,
        version=version,
        base_version=base,
        department=actor.department,  # type: ignore[misc]
        reason_kind=reason_kind,
        reason=reason.strip(),
        status=C.DRAFT,
        state_entered_at=timezone.now(),
        created_by=actor,
    )
    _event(
        version=version,
        change_request=cr,
        workflow_name="adjust",
        transition="create",
        from_state="",
        to_state=C.DRAFT,
        actor=actor,
        reason=f"{cr.get_reason_kind_display()}：{cr.reason}",
    )
    _audit(
        actor=actor,
        action="catalog.adjust.create",
        version=version,
        change_request=cr.pk,
        reason_kind=reason_kind,
        reason=cr.reason,
    )
    return cr


def _notify_adjust(cr: ChangeRequest, to_state: str, reason: str, transition: str = "") -> None:
    link = _cr_link(cr)
    v = cr.version
    title = f"{cr.item.code} {v.name}（拟 v{v.number}，{cr.get_reason_kind_display()}）"
    if transition in ("owner_concur", "owner_object"):
        # the owning department has been heard: its request is over; the city bureau may decide
        notice_close(link=link, verbs=["catalog.owner_opinion_awaited"])
        word = "同意" if transition == "owner_concur" else "不同意"
        notice_send(
            verb="catalog.owner_opinion_given",
            subject=f"事项所属部门{word}调整：{title}" + (f"：{reason}" if reason else ""),
            link=link,
            departments=_city_approval(),
        )
        return
    _close_awaited(link, to_state)
    if to_state != C.FIRST_REVIEW:
        notice_close(link=link, verbs=["catalog.owner_opinion_awaited"])
    if to_state == C.FIRST_REVIEW:
        notice_send(
            verb="catalog.first_review_awaited",
            subject=f"待初审的调整申请：{title}",
            link=link,
            departments=_city_approval(),
        )
        notice_send(
            verb="catalog.owner_opinion_awaited",
            subject=f"请对本部门事项的调整申请提出意见：{title}",
            link=link,
            departments=[cr.item.department],
        )
    elif to_state == C.LEGALITY_REVIEW:
        notice_send(
            verb="catalog.legality_review_awaited",
            subject=f"待合法性审核的调整申请：{title}",
            link=link,
            departments=_city_justice(),
        )
    elif to_state in (C.RETURNED, C.REJECTED):
        word = "已退回" if to_state == C.RETURNED else "不予调整"
        notice_send(
            verb=f"catalog.adjust_{to_state}",
            subject=f"调整申请{word}：{title}：{reason}",
            link=link,
            departments=[cr.department],
        )
    elif to_state == C.PUBLISHED:
        notice_send(
            verb="catalog.published",
            subject=f"调整后的新版本已发布：{title}",
            link=link,
            departments=[cr.department, cr.item.department],
        )


@transaction.atomic
def change_request_transition(
    *,
    change_request: ChangeRequest,
    transition: str,
    actor: User,
    reason: str = "",
    effective_on: dt.date | None = None,
) -> ChangeRequest:
    """Make one transition of the adjust workflow (see :data:`crossreg.catalog.workflow.ADJUST`)."""
    cr = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("item", "department")
        .get(pk=change_request.pk)
    )
    v = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=cr.version_id)
    if transition == "edit":
        raise Invalid(_("编辑请保存草稿"), field="transition", code="invalid")
    t = workflow.adjust_check(cr, transition, actor)
    reason = text_clean(reason, field="reason", multiline=True)  # no markup (crossreg.core.text)
    if t.needs_reason and not reason:
        raise Invalid(_("请填写理由或意见"), field="reason", code="required")
    now = timezone.now()
    from_state = cr.status
    if transition == "file":
        _complete(v)
        _withdrawn_power_items(v)
    if from_state == C.LEGALITY_REVIEW and t.target == C.PUBLISHED:
        legality_require(v)
    if from_state in (C.FIRST_REVIEW, C.LEGALITY_REVIEW):
        Opinion.objects.create(
            version=v,
            stage=Opinion.Stage.FIRST if from_state == C.FIRST_REVIEW else Opinion.Stage.LEGALITY,
            department_id=actor.department_id or "",
            actor=actor,
            # the item's own department is heard in the first review: it concurs or objects
            decision={"owner_concur": "concur", "owner_object": "object"}.get(transition, transition),
            reason=reason,
        )
    v_from = v.status
    if t.target == C.PUBLISHED:
        _publish(version=v, actor=actor, effective_on=effective_on, workflow_name="adjust")
    else:
        v.status = workflow.ADJUST_VERSION_STATE[t.target]
    if v.status != v_from:
        v.state_entered_at = now
    v.revision += 1
    v.save()
    if cr.status != t.target:
        cr.state_entered_at = now
    cr.status = t.target
    cr.save(update_fields=["status", "state_entered_at"])
    _event(
        version=v,
        change_request=cr,
        workflow_name="adjust",
        transition=transition,
        from_state=from_state,
        to_state=t.target,
        actor=actor,
        reason=reason,
    )
    _audit(
        actor=actor,
        action=f"catalog.adjust.{transition}",
        version=v,
        change_request=cr.pk,
        from_state=from_state,
        to_state=t.target,
        reason=reason,
        content_hash=v.content_hash,
    )
    _notify_adjust(cr, t.target, reason, transition)
    return cr


# --- cross-department items -------------------------------------------------------------------


@transaction.atomic
def cross_item_save(*, actor: Actor, data: CrossItemData) -> CrossDepartmentItem:
    """Create or update a cross-department item (by code)."""
    _require_catalog_admin(actor)
    problems = ProblemList()
    codes = {data.lead_department, *data.departments}
    depts = {d.pk: d for d in Department.objects.filter(pk__in=codes)}
    for c in sorted(codes - set(depts)):
        problems.add(_("未知部门代码“%(code)s”") % {"code": c}, field="departments", code="unknown")
    items = {i.code: i for i in SupervisionItem.objects.filter(code__in=data.items)}
    for c in sorted(set(data.items) - set(items)):
        problems.add(_("未知监管事项“%(code)s”") % {"code": c}, field="items", code="unknown")
    if len(codes) < 2:
        problems.add(_("跨部门事项至少涉及两个部门"), field="departments", code="too_few")
    problems.raise_if_any()
    obj, _created = CrossDepartmentItem.objects.update_or_create(
        code=data.code,
        defaults={
            "name": data.name,
            "scenario": data.scenario,
            "lead_department": depts[data.lead_department],
            "domain_id": data.domain,
            "campaign": data.campaign,
            "procedure": data.procedure,
        },
    )
    obj.departments.set([depts[c] for c in data.departments])
    obj.items.set(list(items.values()))
    audit_record(
        actor=actor,
        action="catalog.cross_item.save",
        subject_type="catalog.cross_item",
        subject_id=obj.code,
        payload=data.model_dump(mode="json"),
    )
    return obj


__all__ = [
    "change_request_create",
    "change_request_transition",
    "content_hash",
    "cross_item_save",
    "item_create",
    "power_item_save",
    "power_item_withdraw",
    "version_new_draft",
    "version_transition",
    "version_update",
]
