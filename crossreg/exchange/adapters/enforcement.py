"""The provincial administrative-enforcement supervision platform (省行政执法监督平台).

Penalty decisions (case.decision.made), their withdrawal (case.decision.withdrawn) and compulsory
measures (case.measure.imposed), each with the SHA-256 of its signed documents, so the province can
check that the document it later receives is the one decided.

Source of the field set: **our reading** of what provincial enforcement-supervision platforms collect
under the three enforcement systems (国办发〔2018〕118号: publicity of enforcement, recording of the
whole process, legal review) — case number, document number, party, legal basis kind, amounts,
dates, acting agency, documents' hashes. No published interface specification is in the
repository; keys are ours, listed in ``tests/fixtures/enforcement.fields.json``.
"""

from __future__ import annotations

from typing import Any

from crossreg.exchange.adapters.base import Field, yuan
from crossreg.exchange.mappings import Mappings

EVENT_TYPES = ("case.decision.made", "case.decision.withdrawn", "case.measure.imposed")

FIELD_SOURCE = "our reading of provincial enforcement-supervision platforms (国办发〔2018〕118号)"
FIELDS: tuple[Field, ...] = (
    Field("YWLX", "业务类型"),  # 处罚决定 / 撤销公示 / 行政强制措施
    Field("AJBH", "案件编号"),
    Field("WSWH", "文书文号", required=False),
    Field("DSRMC", "当事人名称", required=False),
    Field("TYSHXYDM", "统一社会信用代码", required=False),
    Field("CFZL", "处罚种类/强制措施种类", required=False),
    Field("FKJE", "罚款金额(元)"),
    Field("MSJE", "没收违法所得(元)"),
    Field("JDRQ", "决定日期"),
    Field("GSJZRQ", "公示截止日期", required=False),
    Field("ZXJGBM", "执法机关编码"),
    Field("ZXJGMC", "执法机关名称"),
    Field("WSHASH", "文书SHA-256", required=False),
    Field("SXJGBM", "监管事项编码", required=False),
    Field("YSJBS", "源事件标识"),
    Field("YSBBH", "编码映射版本"),
)

KINDS = {
    "warning": "警告",
    "fine": "罚款",
    "confiscation": "没收违法所得",
    "suspension": "责令停产停业",
    "revocation": "吊销许可证件",
    "detention": "行政拘留",
    "seal": "查封",
    "seize": "扣押",
    "freeze": "冻结",
}


def rows(envelope: dict[str, Any], mappings: Mappings) -> list[dict[str, Any]]:
    event_type = envelope.get("type")
    if event_type not in EVENT_TYPES:
        return []
    data = envelope["data"]
    dept = str(data["department_id"])
    national_dept = mappings.department(dept)
    items = [mappings.item(c)[0] for c in data.get("item_codes") or []]
    docs = data.get("documents") or []
    measure = data.get("measure_kind") or (data.get("kind") if event_type == "case.measure.imposed" else None)
    kinds = data.get("penalty_kinds") or ([measure] if measure else [])
    business = {
        "case.decision.made": "处罚决定",
        "case.decision.withdrawn": "撤销公示",
        "case.measure.imposed": "行政强制措施",
    }[str(event_type)]
    return [
        {
            "YWLX": business,
            "AJBH": data["case_number"],
            "WSWH": ";".join(d.get("number", "") for d in docs if d.get("number")),
            "DSRMC": data.get("party_name", ""),
            "TYSHXYDM": data.get("uscc", ""),
            "CFZL": ";".join(KINDS.get(k, k) for k in kinds),
            "FKJE": yuan(data.get("fine_yuan")),
            "MSJE": yuan(data.get("confiscation_yuan")),
            "JDRQ": (
                data.get("revoked_on") or data.get("withdrawn_on")
                if event_type == "case.decision.withdrawn"
                else None
            )
            or data.get("decided_on")
            or data.get("imposed_on")
            or data.get("starts_on")
            or "",
            "GSJZRQ": data.get("publicity_end") or "",
            "ZXJGBM": national_dept,
            "ZXJGMC": mappings.names.get(dept) or dept,
            "WSHASH": ";".join(d["sha256"] for d in docs if d.get("sha256")),
            "SXJGBM": ";".join(items),
            "YSJBS": envelope["id"],
            "YSBBH": mappings.label,
        }
    ]
