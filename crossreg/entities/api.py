"""``/api/v1/entities/``: the market-entity registry. These schemas are the published data standard.

Reads need a logged-in department user or a token with scope ``entities:read``; creating needs a
user with role staff, dept_admin or admin, or a token with ``entities:write``. Errors come back as
``{"detail": [{"field", "message", "code"}]}``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from crossreg.core.errors import Forbidden
from crossreg.entities import selectors, services
from crossreg.entities.models import Entity
from crossreg.orgs.services import data_access_record

router = Router(tags=["entities"])

EntityTypeCode = Literal["enterprise", "individual", "coop", "other"]
StatusCode = Literal["active", "operating", "moved_out", "revoked", "cancelled"]
CreditClassCode = Literal["A", "B", "C", "D"]
MAX_PAGE_SIZE = 200


class NameParts(Schema):
    """The parts of an entity name (企业名称的组成部分)."""

    region: str = Field(description="行政区划 — region named in the name, e.g. 盐城市, 亭湖区, 江苏.")
    trade_name: str = Field(description="字号 — the distinctive part, e.g. 鹤鸣.")
    industry_words: str = Field(description="行业或经营特点 — e.g. 餐饮管理, 小吃店.")
    org_form: str = Field(
        description="组织形式 — e.g. 有限公司, 股份有限公司, 合伙企业(有限合伙); empty for most 个体工商户."
    )
    branch: str = Field(description="分支机构 — e.g. 亭湖分公司, 营业部; empty for a head office.")


class EntityOut(Schema):
    """A market entity (市场主体) as listed."""

    id: int = Field(description="Platform identifier.")
    uscc: str | None = Field(
        description="统一社会信用代码 (GB 32100-2015), 18 characters, normalised; null if unknown."
    )
    uscc_missing: bool = Field(description="True when the entity has no USCC (flagged for follow-up).")
    uscc_orgcode_warning: bool = Field(
        description="True when the USCC is valid but its embedded GB 11714 organisation code fails its check."
    )
    registration_no: str = Field(description="注册号 — old 15-digit business registration number, if known.")
    name: str = Field(description="名称 — the registered name as written.")
    entity_type: EntityTypeCode = Field(
        description="主体类型: enterprise 企业, individual 个体工商户, coop 农民专业合作社, other 其他."
    )
    division: str = Field(description="所属区划 — GB/T 2260 code (or a local code for functional zones).")
    division_name: str = Field(description="Name of the division.")
    industry: str | None = Field(description="GB/T 4754-2017 division code (两位数大类, 01–97).")
    industry_name: str | None = Field(description="Name of the industry division.")
    status: StatusCode = Field(
        description="登记状态: active 存续, operating 在业, moved_out 迁出, revoked 吊销, cancelled 注销."
    )
    registered_on: dt.date | None = Field(description="成立日期 — date of establishment.")
    credit_class: CreditClassCode = Field(description="信用风险分类 A/B/C/D (provisional).")
    url: str = Field(description="The entity's page on the platform.")


class EntityDetail(EntityOut):
    """A market entity with everything the caller may see."""

    name_parts: NameParts
    address: str = Field(description="住所/经营场所.")
    legal_rep: str = Field(
        description="法定代表人/经营者. For individual businesses masked (张*丰, core.masking) unless the caller is a "
        "logged-in department user."
    )
    legal_rep_masked: bool = Field(description="True when legal_rep is masked.")
    lat: float | None = Field(description="Latitude (WGS 84).")
    lng: float | None = Field(description="Longitude (WGS 84).")
    key_domains: list[str] = Field(
        description="Codes of the key supervision domains (重点领域) it belongs to."
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class EntityPage(Schema):
    """One page of a list."""

    count: int = Field(description="Number of entities matching the filters.")
    page: int = Field(description="This page, from 1.")
    page_size: int
    pages: int = Field(description="Number of pages.")
    items: list[EntityOut]


class SearchResult(Schema):
    score: float = Field(
        description="1.0 for a code or exact-name match; for a name that contains the query, the "
        "query's share of the name; similarity 0–1 for fuzzy ones."
    )
    match: selectors.SearchMatch = Field(
        description="How it matched: uscc, registration_no, exact (the whole name), contains (the name "
        "contains the query; auto mode only) or fuzzy (a similar name)."
    )
    entity: EntityOut


class SearchOut(Schema):
    query: str
    mode: str = Field(description="The mode used (auto resolves to uscc for a code-like query).")
    results: list[SearchResult]


class EntityIn(Schema):
    """A market entity to register. Name parts, name_norm and the USCC flags are derived."""

    name: str = Field(description="名称, e.g. 盐城市鹤鸣餐饮管理有限公司.", max_length=128)
    division: str = Field(description="所属区划 code; must be a known division, e.g. 320902.")
    entity_type: EntityTypeCode | None = Field(
        None, description="主体类型; inferred from the USCC (91/92/93) when omitted."
    )
    uscc: str | None = Field(
        None,
        description="统一社会信用代码; full-width characters, spaces and hyphens are accepted and normalised.",
    )
    registration_no: str = Field("", description="注册号 (15 digits), if known.")
    industry: str | None = Field(None, description="GB/T 4754-2017 division code (01–97).")
    address: str = Field("", description="住所/经营场所.")
    legal_rep: str = Field("", description="法定代表人/经营者.")
    registered_on: dt.date | None = Field(None, description="成立日期.")
    status: StatusCode = Field("active", description="登记状态.")
    lat: float | None = None
    lng: float | None = None
    credit_class: CreditClassCode = Field("B", description="信用风险分类 A/B/C/D (provisional).")
    key_domains: list[str] = Field(default_factory=list, description="Key-domain codes.")


class ListFilters(Schema):
    division: str | None = Field(None, description="Division code prefix: 3209 = Yancheng, 320902 = 亭湖区.")
    entity_type: EntityTypeCode | None = None
    industry: str | None = Field(None, description="GB/T 4754 division code.")
    section: str | None = Field(None, description="GB/T 4754 section letter A–T.")
    status: StatusCode | None = None
    credit_class: CreditClassCode | None = None
    uscc_missing: bool | None = Field(
        None, description="Only entities without (true) or with (false) a USCC."
    )
    key_domain: str | None = None
    q: str = Field("", description="A USCC/registration number, or part of the name.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def _caller(request: HttpRequest) -> Any:
    auth = getattr(request, "auth", None)
    if not selectors.can_read(auth):
        if auth is not None and hasattr(auth, "scopes"):
            raise Forbidden("this token lacks the scope entities:read", code="scope")
        raise Forbidden("only department users may read the entity registry", code="forbidden")
    return auth


def _out(e: Entity) -> dict[str, Any]:
    return {
        "id": e.pk,
        "uscc": e.uscc or None,
        "uscc_missing": e.uscc_missing,
        "uscc_orgcode_warning": e.uscc_orgcode_warning,
        "registration_no": e.registration_no,
        "name": e.name,
        "entity_type": e.entity_type,
        "division": e.division_id,
        "division_name": e.division.name,
        "industry": e.industry_id,
        "industry_name": e.industry.name if e.industry is not None else None,
        "status": e.status,
        "registered_on": e.registered_on,
        "credit_class": e.credit_class,
        "url": services.entity_url(e.pk),
    }


def _detail(e: Entity, *, user: Any, entered: bool = False) -> dict[str, Any]:
    """``entered``: the caller has just entered these values (a create) and sees them as typed."""
    legal_rep = e.legal_rep if entered else selectors.legal_rep_for(e, user=user)
    return {
        **_out(e),
        "name_parts": {
            "region": e.name_region,
            "trade_name": e.trade_name,
            "industry_words": e.industry_words,
            "org_form": e.org_form,
            "branch": e.branch,
        },
        "address": e.address,
        "legal_rep": legal_rep,
        "legal_rep_masked": legal_rep != e.legal_rep,
        "lat": e.lat,
        "lng": e.lng,
        "key_domains": [d.code for d in e.key_domains.all()],
        "created_at": e.created_at,
        "updated_at": e.updated_at,
    }


@router.get("/", response=EntityPage, summary="List entities", operation_id="entities_list")
def list_entities(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """Entities matching the filters, by id, one page at a time."""
    user = _caller(request)
    qs = selectors.entity_list(
        user=user,
        q=filters.q,
        division=filters.division,
        entity_type=filters.entity_type,
        industry=filters.industry,
        section=filters.section,
        status=filters.status,
        credit_class=filters.credit_class,
        uscc_missing=filters.uscc_missing,
        key_domain=filters.key_domain,
    )
    count = qs.count()
    size = filters.page_size
    offset = (filters.page - 1) * size
    items = [_out(e) for e in qs[offset : offset + size]] if offset < count else []
    return {
        "count": count,
        "page": filters.page,
        "page_size": size,
        "pages": max(1, math.ceil(count / size)),
        "items": items,
    }


@router.get("/search", response=SearchOut, summary="Search entities", operation_id="entities_search")
def search_entities(
    request: HttpRequest,
    q: str = Query(..., min_length=1, description="A USCC, a registration number or a name."),
    mode: Literal["auto", "uscc", "exact", "fuzzy"] = Query(
        "auto", description="auto: code if it looks like one, else exact then fuzzy name."
    ),
    limit: int = Query(20, ge=1, le=100),
    division: str | None = Query(None, description="Division code prefix."),
) -> dict[str, Any]:
    """Scored results, best first."""
    user = _caller(request)
    hits = selectors.entity_search(user=user, q=q, mode=mode, limit=limit, division=division)
    return {
        "query": q,
        "mode": selectors.resolve_mode(q, mode),
        "results": [{"score": h.score, "match": h.match, "entity": _out(h.entity)} for h in hits],
    }


@router.get("/{int:entity_id}", response=EntityDetail, summary="One entity", operation_id="entities_get")
def get_entity(request: HttpRequest, entity_id: int) -> dict[str, Any]:
    user = _caller(request)
    detail = _detail(selectors.entity_get(user=user, pk=entity_id), user=user)
    if detail["legal_rep"] and not detail["legal_rep_masked"]:  # personal data shown: recorded
        data_access_record(
            who=request,
            subject_type="entity",
            subject_ids=entity_id,
            what="api.entities_get",
            fields=["legal_rep"],
        )
    return detail


@router.post("/", response={201: EntityDetail}, summary="Register an entity", operation_id="entities_create")
def create_entity(request: HttpRequest, payload: EntityIn) -> Status[dict[str, Any]]:
    """Register a market entity. 400 with field-named problems if invalid; 409 with a link to the
    existing entity if the USCC is already registered; nothing is written in either case."""
    actor = getattr(request, "auth", None)
    if actor is None:
        raise Forbidden("login required", code="forbidden")
    services.entity_check_writer(actor=actor)
    entity = services.entity_create(
        actor=actor,
        name=payload.name,
        division=payload.division,
        entity_type=payload.entity_type or "",
        uscc=payload.uscc,
        registration_no=payload.registration_no,
        industry=payload.industry,
        address=payload.address,
        legal_rep=payload.legal_rep,
        registered_on=payload.registered_on,
        status=payload.status,
        lat=payload.lat,
        lng=payload.lng,
        credit_class=payload.credit_class,
        key_domains=payload.key_domains,
    )
    reader = actor if selectors.can_read(actor) else None
    fresh = (
        Entity.objects.select_related("division", "industry")
        .prefetch_related("key_domains")
        .get(pk=entity.pk)
    )
    return Status(201, _detail(fresh, user=reader, entered=selectors.can_see_personal(reader)))
