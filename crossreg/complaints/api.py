"""``/api/v1/complaints``: the published data standard of complaints and reports.

Departments' people use their session; the 12345 hotline's system pushes work orders with a
bearer token holding the ``complaints:push`` scope. Contact details never leave through the API
except to the handling department's complaint handlers (``contact``), and then in full.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from crossreg.complaints import feed, selectors, services, workflow
from crossreg.complaints.crypto import contact_decrypt
from crossreg.complaints.models import Submission
from crossreg.core.errors import Forbidden, Invalid, NotFound
from crossreg.orgs.models import ApiToken
from crossreg.orgs.permissions import Capability, Principal

router = Router(tags=["complaints"])
PUSH_SCOPE = "complaints:push"


class SubmissionOut(Schema):
    receipt_code: str
    kind: str
    channel: str
    state: str
    work_order_no: str | None
    department: str | None
    matter: str | None
    entity_id: int | None
    entity_name: str
    resolution: str
    place: str
    received_at: dt.datetime
    deadline: dt.date | None
    deadline_step: str
    overdue: bool
    duplicate_of: str | None
    parent: str | None
    reply_text: str
    contact: dict[str, str] | None = None

    @staticmethod
    def of(sub: Submission, principal: Principal) -> dict[str, Any]:
        return {
            "receipt_code": sub.receipt_code,
            "kind": sub.kind,
            "channel": sub.channel,
            "state": sub.state,
            "work_order_no": sub.work_order_no,
            "department": sub.department_id,
            "matter": sub.matter_id,
            "entity_id": sub.entity_id,
            "entity_name": sub.entity_name,
            "resolution": sub.resolution,
            "place": sub.place,
            "received_at": sub.received_at,
            "deadline": sub.deadline,
            "deadline_step": sub.deadline_step,
            "overdue": sub.overdue,
            "duplicate_of": sub.duplicate_of.receipt_code
            if sub.duplicate_of_id and sub.duplicate_of
            else None,
            "parent": sub.parent.receipt_code if sub.parent_id and sub.parent else None,
            "reply_text": sub.reply_text,
            "contact": contact_decrypt(sub.contact_cipher)
            if workflow.contact_visible(principal, sub.department_id)
            else None,
        }


class SubmissionIn(Schema):
    kind: str
    channel: str = "desk"
    text: str
    title: str = ""
    reporter_type: str = "person"
    contact_name: str = ""
    contact_phone: str = ""
    entity_name: str = ""
    entity_uscc: str = ""
    place: str = ""
    division_code: str = ""
    matter: str = ""


class IntakeOut(Schema):
    submission: SubmissionOut
    suggestions: list[dict[str, Any]]


class ComplaintTransitionIn(Schema):
    transition: str
    reason: str = ""
    department: str | None = None
    original: str | None = None
    reward_grade: int | None = None
    satisfaction: str = ""


class FeedOut(Schema):
    rows: int
    created: list[str]
    unchanged: list[str]


def _principal(request: HttpRequest) -> Principal:
    return Principal.of(request)


@router.get("/", response=list[SubmissionOut])
@paginate(LimitOffsetPagination)
def submission_list(
    request: HttpRequest, state: str = "", department: str = "", overdue: bool = False
) -> Any:
    principal = _principal(request)
    qs = selectors.submission_visible_list(principal=principal).select_related("duplicate_of", "parent")
    if state:
        qs = qs.filter(state=state)
    if department:
        qs = qs.filter(department_id=department)
    if overdue:
        qs = qs.filter(overdue=True)
    return [SubmissionOut.of(s, principal) for s in qs.order_by("-received_at", "-id")[:5000]]


@router.post("/", response={201: IntakeOut})
def submission_create(request: HttpRequest, payload: SubmissionIn) -> Any:
    principal = _principal(request)
    if principal.user is None or not principal.has(Capability.HANDLE_COMPLAINTS):
        raise Forbidden("only complaint handlers register submissions here", field="auth")
    if payload.channel == "web":
        raise Invalid("the public web channel is the public page", field="channel")
    result = services.submission_intake(
        actor=principal.user,
        kind=payload.kind,
        channel=payload.channel,
        text=payload.text,
        title=payload.title,
        reporter_type=payload.reporter_type,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        entity_name=payload.entity_name,
        entity_uscc=payload.entity_uscc,
        place=payload.place,
        division_code=payload.division_code,
        matter_code=payload.matter,
    )
    return 201, {
        "submission": SubmissionOut.of(result.submission, principal),
        "suggestions": [
            {"receipt_code": g.submission.receipt_code, "score": g.score, "why": g.why}
            for g in result.suggestions
        ],
    }


@router.post("/feed", response=FeedOut)
def feed_push(request: HttpRequest) -> Any:
    """The 12345 hotline pushes work orders (JSON: an array, or ``{"work_orders": [...]}``)."""
    auth = request.auth  # type: ignore[attr-defined]
    if not isinstance(auth, ApiToken) or PUSH_SCOPE not in (auth.scopes or []):
        raise Forbidden(f"pushing work orders needs a token with the {PUSH_SCOPE} scope", field="auth")
    result = feed.feed_import(
        actor=f"token:{auth.prefix}", content=request.body, file_name="push.json", source="push"
    )
    return {"rows": result.rows, "created": result.created, "unchanged": result.unchanged}


@router.get("/{receipt_code}", response=SubmissionOut)
def submission_detail(request: HttpRequest, receipt_code: str) -> Any:
    principal = _principal(request)
    sub = selectors.submission_get(principal=principal, receipt_code=receipt_code)
    if sub is None:
        raise NotFound("no such submission", field="receipt_code")
    return SubmissionOut.of(sub, principal)


@router.post("/{receipt_code}/transition", response=SubmissionOut)
def submission_transition(request: HttpRequest, receipt_code: str, payload: ComplaintTransitionIn) -> Any:
    from crossreg.orgs.models import Department

    principal = _principal(request)
    if principal.user is None:
        raise Forbidden("transitions are made by people", field="auth")
    sub = selectors.submission_get(principal=principal, receipt_code=receipt_code)
    if sub is None:
        raise NotFound("no such submission", field="receipt_code")
    department = Department.objects.filter(code=payload.department).first() if payload.department else None
    original = Submission.objects.filter(receipt_code=payload.original).first() if payload.original else None
    if payload.original and original is None:
        raise Invalid("no such original", field="original")
    out = services.submission_transition(
        actor=principal.user,
        submission=sub,
        transition=payload.transition,
        reason=payload.reason,
        department=department,
        original=original,
        reward_grade=payload.reward_grade,
        satisfaction=payload.satisfaction,
    )
    return SubmissionOut.of(out, principal)


__all__ = ["json", "router"]
