"""The data of the events the exchange sends on — our reading of the shapes promised in TEAM.md.

Registered *provisionally* (``crossreg.outbox.schemas``): when the app that publishes an event
registers its own model, that one is published instead. The adapters read only the fields named
here, and read them defensively (an absent optional field is an empty cell, never a crash).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Data(BaseModel):
    model_config = ConfigDict(extra="allow")


class DocumentRef(BaseModel):
    kind: str = Field(description="document kind, e.g. decision (处罚决定书), measure (强制措施决定书)")
    number: str = Field("", description="document number (文号)")
    sha256: str = Field(description="SHA-256 of the signed document file, hex")


class CaseDecisionMade(_Data):
    """case.decision.made — a penalty decision (行政处罚决定) was made."""

    model_config = ConfigDict(title="case.decision.made", extra="allow")

    case_number: str = Field(description="case number (案号), e.g. 盐市监处罚〔2026〕12号")
    department_id: str = Field(description="deciding department's local code")
    entity_id: int | None = Field(None, description="market entity (platform id)")
    uscc: str = Field("", description="unified social credit code of the party, if an organisation")
    party_name: str = Field("", description="party name (masked for individuals when published)")
    penalty_kinds: list[str] = Field(default_factory=list, description="warning, fine, confiscation, …")
    fine_yuan: str = Field("0", description="fine in yuan (decimal string)")
    confiscation_yuan: str = Field("0", description="confiscated illegal gains in yuan (decimal string)")
    credit_severity: str = Field("", description="minor | ordinary | serious")
    decided_on: str = Field(description="date of the decision (YYYY-MM-DD)")
    publicity_end: str = Field("", description="end of the publicity period (YYYY-MM-DD)")
    source_kind: str = Field("", description="inspection | clue | complaint | transfer | manual")
    source_ref: str = ""
    item_codes: list[str] = Field(default_factory=list, description="local supervision item codes involved")
    documents: list[DocumentRef] = Field(
        default_factory=list, description="signed documents and their hashes"
    )


class CaseDecisionWithdrawn(_Data):
    """case.decision.withdrawn — a published decision was changed, revoked or found illegal."""

    model_config = ConfigDict(title="case.decision.withdrawn", extra="allow")

    case_number: str
    department_id: str
    entity_id: int | None = None
    reason: str = ""
    withdrawn_on: str = Field("", description="YYYY-MM-DD")


class CaseMeasureImposed(_Data):
    """case.measure.imposed — an administrative compulsory measure (行政强制措施: 查封、扣押…)."""

    model_config = ConfigDict(title="case.measure.imposed", extra="allow")

    case_number: str
    department_id: str
    entity_id: int | None = None
    measure_kind: str = Field(description="seal | seize | freeze | …")
    imposed_on: str = Field(description="YYYY-MM-DD")
    ends_on: str = ""
    documents: list[DocumentRef] = Field(default_factory=list)


class CheckPointResult(BaseModel):
    seq: int
    content: str = ""
    result: str = Field(description="ok | finding | na")
    item_code: str = Field("", description="local supervision item code the point comes from")
    department: str = ""


class InspectionTaskPublished(_Data):
    """inspection.task.published — an inspection's result was published (监管行为: 检查结果)."""

    model_config = ConfigDict(title="inspection.task.published", extra="allow")

    task_code: str
    entity_id: int
    entity_name: str = ""
    uscc: str = ""
    trigger: str = Field("random", description="random | clue | complaint | provincial | …")
    lead_department: str
    departments: list[str] = Field(default_factory=list)
    inspected_on: str = Field("", description="YYYY-MM-DD")
    published_at: str = ""
    item_codes: list[str] = Field(default_factory=list, description="local supervision item codes checked")
    findings: int = 0
    points: list[CheckPointResult] = Field(default_factory=list)
    summary: str = ""


class CreditGradeChanged(_Data):
    """credit.grade.changed — an entity's credit grade changed (real-time push to departments)."""

    model_config = ConfigDict(title="credit.grade.changed", extra="allow")

    entity_id: int
    old: str = Field(description="A | B | C | D, or empty for the first grade")
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

    for event_type, model in PROVISIONAL.items():
        event_schema_register(event_type, model, provisional=True)
