"""The data of the events the exchange sends on, as their publishers build them (read from their code).

Registered *provisionally* (``crossreg.outbox.schemas``): when the app that publishes an event
registers its own model, that one is published instead. The adapters read only the fields named
here, and read them defensively (an absent optional field is an empty cell, never a crash).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")


class CaseDecisionMade(_Data):
    """case.decision.made — a penalty decision (行政处罚决定) was made."""

    model_config = ConfigDict(title="case.decision.made", extra="allow")

    case_number: str = Field(description="case number (案号), e.g. 盐市监处罚〔2026〕12号")
    department_id: str = Field(description="deciding department's local code")
    entity_id: int | None = Field(None, description="market entity (platform id)")
    penalty_kinds: list[str] = Field(default_factory=list, description="warning, fine, confiscation, …")
    fine_yuan: str = Field("0", description="fine in yuan (decimal string)")
    confiscation_yuan: str = Field("0", description="confiscated illegal gains in yuan (decimal string)")
    credit_severity: str = Field("", description="minor | ordinary | serious")
    decided_on: str | None = Field(description="date of the decision (YYYY-MM-DD)")
    publicity_end: str | None = Field(None, description="end of the publicity period (YYYY-MM-DD)")
    procedure: str = Field("", description="ordinary | simplified")
    source_kind: str = Field("", description="inspection | clue | complaint | transfer | manual")
    source_ref: str = ""


class ExchangeTargetTested(_Data):
    """exchange.target.tested — a connectivity test sent to one target (the exchange's own event)."""

    model_config = ConfigDict(title="exchange.target.tested", extra="allow")

    target: str = Field(description="target code")
    note: str = ""


class CaseDecisionWithdrawn(_Data):
    """case.decision.withdrawn — a published decision was changed, revoked or found illegal."""

    model_config = ConfigDict(title="case.decision.withdrawn", extra="allow")

    case_number: str
    department_id: str
    entity_id: int | None = None
    revoked_on: str = Field("", description="YYYY-MM-DD")
    decided_on: str | None = None


class CaseMeasureImposed(_Data):
    """case.measure.imposed — an administrative compulsory measure (行政强制措施: 查封、扣押…)."""

    model_config = ConfigDict(title="case.measure.imposed", extra="allow")

    case_number: str
    department_id: str
    entity_id: int | None = None
    measure_id: int | None = None
    kind: str = Field(description="seal | seize | …")
    emergency: bool = False
    starts_on: str = Field(description="YYYY-MM-DD")
    ends_on: str = ""


class CheckPointResult(BaseModel):
    seq: int
    content: str = ""
    result: str = Field(description="pass | finding | na")
    finding: str = Field("", description="what was found (for a finding)")
    departments: list[str] = Field(default_factory=list)
    item_versions: list[int] = Field(
        default_factory=list, description="catalog item versions the point comes from"
    )


class InspectionTaskPublished(_Data):
    """inspection.task.published — an inspection's result was published (监管行为: 检查结果).

    As ``crossreg.inspections.services.task_result_data`` builds it."""

    model_config = ConfigDict(title="inspection.task.published", extra="allow")

    code: str = Field(description="task code")
    entity_id: int
    trigger: str = Field(
        "random", description="random | clue | complaint | provincial | transfer | exchange | manual"
    )
    source_ref: str = ""
    period: str = ""
    lead_department: str
    departments: list[str] = Field(default_factory=list)
    inspected_on: str | None = Field(None, description="YYYY-MM-DD")
    follow_up: bool = False
    summary: str = ""
    results: list[CheckPointResult] = Field(default_factory=list)
    findings: int = 0


class CreditGradeChanged(_Data):
    """credit.grade.changed — an entity's credit grade changed (real-time push to departments)."""

    model_config = ConfigDict(title="credit.grade.changed", extra="allow")

    entity_id: int
    uscc: str | None = None
    old: str | None = Field(description="A | B | C | D, or null for the first grade")
    new: str
    model_version: str = ""
    as_of: str = Field(description="YYYY-MM-DD")


PROVISIONAL: dict[str, type[BaseModel]] = {
    "case.decision.made": CaseDecisionMade,
    "case.decision.withdrawn": CaseDecisionWithdrawn,
    "case.measure.imposed": CaseMeasureImposed,
    "inspection.task.published": InspectionTaskPublished,
    "credit.grade.changed": CreditGradeChanged,
}


def register() -> None:
    from crossreg.outbox.schemas import event_schema_register

    event_schema_register("exchange.target.tested", ExchangeTargetTested)
    for event_type, model in PROVISIONAL.items():
        event_schema_register(event_type, model, provisional=True)
