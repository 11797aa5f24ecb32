"""Catalog API (``/api/v1/catalog/``). Reading the published catalog needs no login; drafting and
review actions need a logged-in user and follow the workflow tables. Schemas: crossreg.catalog.schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from crossreg.catalog import selectors, services, workflow
from crossreg.catalog.content import content_of
from crossreg.catalog.exchange import json_schema
from crossreg.catalog.models import ChangeRequest, ItemVersion, SupervisionItem
from crossreg.catalog.schemas import (
    ChangeRequestIn,
    ChangeRequestOut,
    DraftUpdateIn,
    EventOut,
    ItemContent,
    OpinionOut,
    TransitionIn,
    VersionOut,
    VersionSummary,
)
from crossreg.core.errors import Forbidden, NotFound
from crossreg.orgs.models import User

router = Router(tags=["catalog"])


class ItemListOut(Schema):
    """A published item in search results."""

    code: str
    name: str
    department: str
    department_name: str
    version: int
    methods: list[str]
    domains: list[str]
    effective_on: dt.date | None = None
    check_point_count: int

    @staticmethod
    def resolve_code(obj: ItemVersion) -> str:
        return obj.item.code

    @staticmethod
    def resolve_department(obj: ItemVersion) -> str:
        return obj.item.department_id

    @staticmethod
    def resolve_department_name(obj: ItemVersion) -> str:
        return obj.item.department.name

    @staticmethod
    def resolve_version(obj: ItemVersion) -> int:
        return obj.number

    @staticmethod
    def resolve_methods(obj: ItemVersion) -> list[str]:
        return obj.method_list

    @staticmethod
    def resolve_domains(obj: ItemVersion) -> list[str]:
        return [d.code for d in obj.domains.all()]

    @staticmethod
    def resolve_check_point_count(obj: ItemVersion) -> int:
        return obj.point_count


class PublicItemOut(Schema):
    code: str
    department_name: str
    current: ItemContent | None
    version: int | None
    effective_on: dt.date | None = None
    history: list[VersionSummary]


def _person(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise Forbidden(_("此操作需要以个人身份登录"), field="actor", code="forbidden")
    return user


@router.get("/items", response=list[ItemListOut], auth=None, summary="Search the published catalog")
@paginate(PageNumberPagination)
def search_items(
    request: HttpRequest, q: str = "", department: str = "", domain: str = "", method: str = ""
) -> list[ItemListOut]:
    return selectors.catalog_public_list(q=q, department=department, domain=domain, method=method)  # type: ignore[return-value]


@router.get(
    "/items/{code}", response=PublicItemOut, auth=None, summary="A published item with its version history"
)
def item_detail(request: HttpRequest, code: str) -> PublicItemOut:
    item, current, history = selectors.catalog_public_item(code=code)
    return PublicItemOut(
        code=item.code,
        department_name=item.department.name,
        current=content_of(current) if current else None,
        version=current.number if current else None,
        effective_on=current.effective_on if current else None,
        history=[
            VersionSummary(
                number=v.number,
                status=v.status,
                effective_on=v.effective_on,
                published_at=v.published_at,
                ended_at=v.ended_at,
            )
            for v in history
        ],
    )


@router.get(
    "/items/{code}/versions/{number}", response=ItemContent, auth=None, summary="A public version's content"
)
def item_version(request: HttpRequest, code: str, number: int) -> ItemContent:
    return content_of(selectors.catalog_public_version(code=code, number=number))


@router.get("/schema", auth=None, summary="JSON Schema of the open-data export")
def schema(request: HttpRequest) -> dict[str, Any]:
    return json_schema()


def _version_out(v: ItemVersion, user: User) -> VersionOut:
    opinions, events = selectors.version_history(version=v)
    cr = v.change_request if v.on_adjust_track else None
    allowed = workflow.adjust_allowed(cr, user) if cr else workflow.compile_allowed(v, user)
    return VersionOut(
        id=v.pk,
        item_code=v.item.code,
        number=v.number,
        status=v.status,
        revision=v.revision,
        content=content_of(v),
        effective_on=v.effective_on,
        allowed_transitions=[t.name for t in allowed],
        opinions=[
            OpinionOut(
                stage=o.stage,
                review_round=o.review_round,
                department=o.department_id,
                decision=o.decision,
                reason=o.reason,
                created_at=o.created_at,
            )
            for o in opinions
        ],
        events=[
            EventOut(
                workflow=e.workflow,
                transition=e.transition,
                from_state=e.from_state,
                to_state=e.to_state,
                actor=e.actor_label,
                department=e.department_id,
                reason=e.reason,
                created_at=e.created_at,
            )
            for e in events
        ],
        change_request_id=cr.pk if cr else None,
    )


@router.get("/tasks", response=dict[str, list[int]], summary="Ids of versions / change requests awaiting me")
def tasks(request: HttpRequest) -> dict[str, list[int]]:
    user = _person(request)
    return {k: [x.pk for x in v] for k, v in selectors.tasks_for(user=user).items()}


@router.post("/items", response={201: VersionOut}, summary="Create an item (its first version is a draft)")
def create_item(request: HttpRequest, payload: ItemContent) -> Status[VersionOut]:
    user = _person(request)
    v = services.item_create(actor=user, content=payload)
    return Status(201, _version_out(selectors.version_get(user=user, pk=v.pk), user))


@router.post("/items/{code}/versions", response={201: VersionOut}, summary="Start the next version (draft)")
def new_version(request: HttpRequest, code: str) -> Status[VersionOut]:
    user = _person(request)
    item = SupervisionItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound(_("没有该监管事项"), field="code")
    v = services.version_new_draft(item=item, actor=user)
    return Status(201, _version_out(selectors.version_get(user=user, pk=v.pk), user))


@router.get("/versions/{pk}", response=VersionOut, summary="A version with opinions and history (scoped)")
def get_version(request: HttpRequest, pk: int) -> VersionOut:
    user = _person(request)
    return _version_out(selectors.version_get(user=user, pk=pk), user)


@router.put(
    "/versions/{pk}", response=VersionOut, summary="Save a draft (409 if it changed since you opened it)"
)
def update_version(request: HttpRequest, pk: int, payload: DraftUpdateIn) -> VersionOut:
    user = _person(request)
    v = selectors.version_get(user=user, pk=pk)
    services.version_update(version=v, actor=user, revision=payload.revision, content=payload.content)
    return _version_out(selectors.version_get(user=user, pk=pk), user)


@router.post("/versions/{pk}/transitions", response=VersionOut, summary="A compile-workflow action")
def transition_version(request: HttpRequest, pk: int, payload: TransitionIn) -> VersionOut:
    user = _person(request)
    v = selectors.version_get(user=user, pk=pk)
    services.version_transition(
        version=v,
        transition=payload.transition,
        actor=user,
        reason=payload.reason,
        effective_on=payload.effective_on,
        involved_departments=payload.involved_departments,
    )
    return _version_out(selectors.version_get(user=user, pk=pk), user)


def _cr_out(cr: ChangeRequest, user: User) -> ChangeRequestOut:
    return ChangeRequestOut(
        id=cr.pk,
        item_code=cr.item.code,
        version_id=cr.version_id,
        department=cr.department_id,
        reason_kind=cr.reason_kind,
        reason=cr.reason,
        status=cr.status,
        allowed_transitions=[t.name for t in workflow.adjust_allowed(cr, user)],
    )


@router.post(
    "/items/{code}/change-requests", response={201: ChangeRequestOut}, summary="File a change request (draft)"
)
def create_change_request(
    request: HttpRequest, code: str, payload: ChangeRequestIn
) -> Status[ChangeRequestOut]:
    user = _person(request)
    item = SupervisionItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound(_("没有该监管事项"), field="code")
    cr = services.change_request_create(
        item=item, actor=user, reason_kind=payload.reason_kind, reason=payload.reason
    )
    return Status(201, _cr_out(cr, user))


@router.post(
    "/change-requests/{pk}/transitions", response=ChangeRequestOut, summary="An adjust-workflow action"
)
def transition_change_request(request: HttpRequest, pk: int, payload: TransitionIn) -> ChangeRequestOut:
    user = _person(request)
    cr = selectors.change_request_get(user=user, pk=pk)
    cr = services.change_request_transition(
        change_request=cr,
        transition=payload.transition,
        actor=user,
        reason=payload.reason,
        effective_on=payload.effective_on,
    )
    return _cr_out(cr, user)
