"""API of the supervision-object base: list push, source records by entity, base membership."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from crossreg.core.errors import DomainError, Forbidden, Invalid, NotFound, Problem
from crossreg.entities.selectors import entity_get
from crossreg.linking import selectors, services
from crossreg.orgs.models import ApiToken, Department, Domain

router = Router(tags=["linking"])

# A department system's token pushes its department's list with this scope, and only that.
PUSH_SCOPE = "lists:push"


class ListPushIn(Schema):
    department: str
    system: str
    domain: str | None = None
    mapping: dict[str, str] | None = None
    rows: list[dict[str, str]]


class ListOut(Schema):
    id: int
    department: str
    snapshot: int
    sha256: str
    row_count: int
    created: bool
    counts: dict[str, int]


class SourceRecordOut(Schema):
    id: int
    department: str
    local_id: str
    name: str
    uscc: str
    registration_no: str
    address: str
    state: str
    link_method: str
    link_score: float | None
    snapshot: int


class BaseMemberOut(Schema):
    entity_id: int
    name: str
    uscc: str | None
    departments: list[str] = Field(
        description="Codes of the departments whose current list has the entity, as far as the caller "
        "may be told: every one for leaders and the big-data bureau, else only the caller's own."
    )
    department_count: int = Field(description="How many departments' current lists have the entity.")
    base_since: dt.datetime | None
    source_only: bool


def _pushed_row(problem: Problem) -> Problem:
    """A problem of a pushed list names the row as the index into ``rows`` (from 0), not as the
    line of the CSV the service read it as (line 1 is the header, so ``rows[0]`` is line 2)."""
    if problem.row is None:
        return problem
    index = problem.row - 2
    return Problem(
        message=f"rows[{index}]: {problem.message}",
        field=f"rows[{index}]",
        code=problem.code,
        row=index,
        link=problem.link,
    )


@router.post("/lists", response={201: ListOut, 200: ListOut})
def push_list(request: HttpRequest, payload: ListPushIn) -> Status[ListOut]:
    """A department system pushes its whole current list (the rows as its own column names).

    A token needs the scope ``lists:push`` and may push only its own department's list; a person
    needs the right to edit that department's data. The whole list is refused, with every row at
    fault named as ``rows[i]`` (from 0), when a row has no name; nothing is written then.
    """
    department = Department.objects.filter(pk=payload.department).first()
    if department is None:
        raise NotFound(f"no department {payload.department!r}", field="department")
    auth = request.auth  # type: ignore[attr-defined]
    actor: object
    if isinstance(auth, ApiToken):
        if PUSH_SCOPE not in (auth.scopes or []):
            raise Forbidden(f"this token lacks the scope {PUSH_SCOPE}", code="scope")
        if auth.department_id != department.pk:
            raise Forbidden(
                f"this token is {auth.department_id}'s; it may not push lists for {department.code}",
                field="department",
                code="forbidden",
            )
        actor = f"token:{auth.prefix}"
    else:
        actor = auth
    domain = None
    if payload.domain:
        domain = Domain.objects.filter(pk=payload.domain, key=True).first()
        if domain is None:
            raise Invalid(f"no key domain {payload.domain!r}", field="domain", code="unknown")
    try:
        result = services.source_list_push(
            actor=actor,  # type: ignore[arg-type]
            department=department,
            rows=payload.rows,
            system=payload.system,
            domain=domain,
            mapping=payload.mapping,
        )
    except DomainError as exc:
        exc.problems = [_pushed_row(p) for p in exc.problems]
        raise
    sl = result.source_list
    out = ListOut(
        id=sl.pk,
        department=department.code,
        snapshot=sl.snapshot,
        sha256=sl.sha256,
        row_count=sl.row_count,
        created=result.created,
        counts={k: int(v) for k, v in result.counts.items()},
    )
    return Status(201 if result.created else 200, out)


def _user(request: HttpRequest) -> object:
    auth = request.auth  # type: ignore[attr-defined]
    if isinstance(auth, ApiToken):
        raise Forbidden("source records are read with a user session", code="forbidden")
    return auth


@router.get("/entities/{entity_id}/records", response=list[SourceRecordOut])
def entity_records(request: HttpRequest, entity_id: int) -> list[SourceRecordOut]:
    user = _user(request)
    entity = entity_get(user=user, pk=entity_id)  # the registry's read rule, not an unscoped lookup
    qs = selectors.source_record_list(user=user, entity=entity)  # type: ignore[arg-type]
    return [
        SourceRecordOut(
            id=r.pk,
            department=r.department_id,
            local_id=r.local_id,
            name=r.name,
            uscc=r.uscc or r.uscc_raw,
            registration_no=r.registration_no,
            address=r.address,
            state=r.state,
            link_method=r.link_method,
            link_score=r.link_score,
            snapshot=r.last_list.snapshot,
        )
        for r in qs
    ]


@router.get("/base", response=list[BaseMemberOut])
@paginate(PageNumberPagination)
def base_members(
    request: HttpRequest, domain: str | None = None, department: str | None = None, q: str = ""
) -> list[BaseMemberOut]:
    """Entities on two or more departments' lists. ``department`` lists what one department
    supervises: only for that department's users, leaders and the big-data bureau (else 403)."""
    user = _user(request)
    qs = selectors.base_member_list(user=user, domain=domain, department=department, q=q)  # type: ignore[arg-type]
    return [
        BaseMemberOut(
            entity_id=s.entity_id,
            name=s.entity.name,
            uscc=s.entity.uscc,
            departments=selectors.departments_shown(user=user, codes=list(s.departments)),
            department_count=s.department_count,
            base_since=s.base_since,
            source_only=s.source_only,
        )
        for s in qs
    ]
