"""The catalog's data standard: pydantic schemas shared by the API, import/export and open data.

``docs/catalog.schema.json`` is generated from :class:`CatalogExport` (``crossreg catalog schema``)
and served at ``/catalog/schema.json``; a test fails when the committed file drifts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

MethodCode = Literal["random", "key", "special", "remote", "credit"]
EntityTypeCode = Literal["enterprise", "individual", "coop", "other"]
PowerKindCode = Literal["inspection", "penalty", "compulsory", "licensing", "levy", "confirmation", "other"]

SCHEMA_VERSION = "1.0"


class CheckPointData(Schema):
    """检查要点: one line of the checklist of an item's work guideline."""

    seq: int = Field(ge=1, description="序号, 1-based order within the item")
    content: str = Field(min_length=1, description="检查内容: what is checked")
    legal_basis: str = Field(min_length=1, description="检查依据: the article(s) the point rests on")
    finding: str = Field(min_length=1, description="问题认定标准: what counts as a finding")
    method: str = Field("", description="检查方法: how it is checked (查阅资料, 现场查看 …)")


class ItemContent(Schema):
    """监管事项: the content of one version of a supervision item (everything that is reviewed)."""

    code: str = Field(min_length=1, max_length=40, description="监管事项编码, unique city-wide")
    name: str = Field(min_length=1, max_length=200, description="事项名称")
    department: str = Field(description="实施部门代码 (orgs.Department.code)")
    legal_basis: str = Field("", description="设定依据: laws and articles")
    power_items: list[str] = Field(default_factory=list, description="关联行政权力事项编码")
    methods: list[MethodCode] = Field(
        default_factory=list,
        description="检查方式: random=双随机, key=重点检查, special=专项检查, remote=非现场监管, credit=信用监管",
    )
    entity_types: list[EntityTypeCode] = Field(
        default_factory=list,
        description="适用主体类型: enterprise 企业, individual 个体工商户, coop 农民专业合作社",
    )
    industries: list[str] = Field(
        default_factory=list, description="适用行业, GB/T 4754-2017 two-digit divisions"
    )
    domains: list[str] = Field(default_factory=list, description="重点领域代码 (orgs.Domain.code)")
    default_ratio: Decimal | None = Field(
        None, ge=0, le=100, max_digits=5, decimal_places=2, description="默认抽查比例, percent"
    )
    default_frequency: str = Field("", description="默认检查频次, e.g. 每年1次")
    procedure: str = Field("", description="工作指引·检查程序")
    method: str = Field("", description="工作指引·检查方法")
    involved_departments: list[str] = Field(
        default_factory=list, description="会审部门代码: departments that must concur in the joint review"
    )
    check_points: list[CheckPointData] = Field(
        default_factory=list, description="工作指引·检查内容 (checklist)"
    )


class VersionSummary(Schema):
    number: int
    status: str
    effective_on: dt.date | None
    published_at: dt.datetime | None
    ended_at: dt.datetime | None


class PublishedItem(ItemContent):
    """A published supervision item as the public sees it (open data)."""

    version: int = Field(description="版本号 of the version in force")
    effective_on: dt.date | None = Field(description="生效日期")
    published_at: dt.datetime | None
    department_name: str
    history: list[VersionSummary] = Field(
        default_factory=list, description="published, superseded, withdrawn versions"
    )


class PowerItemData(Schema):
    """行政权力事项: an item of the administrative power list."""

    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: PowerKindCode
    department: str = Field(description="实施部门代码")
    legal_basis: str = Field(min_length=1, description="设定依据")
    status: Literal["active", "withdrawn"] = "active"


class CrossItemData(Schema):
    """跨部门综合监管事项: items of several departments bundled for one scenario under a lead department."""

    code: str
    name: str
    scenario: str
    lead_department: str
    departments: list[str]
    items: list[str] = Field(description="监管事项编码")
    domain: str | None = None
    campaign: bool = False
    procedure: str = ""


class CatalogExport(Schema):
    """The open-data document of the published catalog (监管事项清单开放数据)."""

    schema_version: str = SCHEMA_VERSION
    generated_at: dt.datetime
    publisher: str = Field(description="发布机构")
    power_items: list[PowerItemData]
    items: list[PublishedItem]
    cross_items: list[CrossItemData] = Field(default_factory=list)


# --- API inputs -------------------------------------------------------------------------------


class DraftUpdateIn(Schema):
    """Save a draft. ``revision`` is the one you opened; a stale revision is refused (409)."""

    revision: int
    content: ItemContent


class TransitionIn(Schema):
    transition: str = Field(description="e.g. submit, convene, concur, object, pass, return, withdraw, file")
    reason: str = ""
    effective_on: dt.date | None = None
    involved_departments: list[str] | None = Field(None, description="convene only: override 会审部门")


class ChangeRequestIn(Schema):
    reason_kind: Literal[
        "law_made", "law_amended", "law_repealed", "law_interpreted", "power_list", "work_need"
    ]
    reason: str = Field(min_length=1)


class OpinionOut(Schema):
    stage: str
    review_round: int
    department: str
    decision: str
    reason: str
    created_at: dt.datetime


class EventOut(Schema):
    workflow: str
    transition: str
    from_state: str
    to_state: str
    actor: str
    department: str | None
    reason: str
    created_at: dt.datetime


class VersionOut(Schema):
    id: int
    item_code: str
    number: int
    status: str
    revision: int
    content: ItemContent
    effective_on: dt.date | None
    allowed_transitions: list[str]
    opinions: list[OpinionOut]
    events: list[EventOut]
    change_request_id: int | None = None


class ChangeRequestOut(Schema):
    id: int
    item_code: str
    version_id: int
    department: str
    reason_kind: str
    reason: str
    status: str
    allowed_transitions: list[str]
