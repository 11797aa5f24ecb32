"""Local numbers of enforcement cases, read from ``settings.CROSSREG`` with defaults.

Legal periods that the law fixes are defaults here too (a deployment may have a local rule that
is stricter); every value names its basis in docs/workflows/case.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from crossreg.core.calendar import Period

DEFAULTS: dict[str, Any] = {
    # SAMR 市场监督管理行政处罚程序规定 Art. 18: file or not within 15 working days of discovery, +15.
    "CASE_FILING_WORKDAYS": 15,
    "CASE_FILING_EXTENSION_WORKDAYS": 15,
    # 行政处罚法 Art. 60: decision within 90 days of filing; SAMR practice: +30 with approval.
    "CASE_DECISION_DAYS": 90,
    "CASE_DECISION_EXTENSION_DAYS": 30,
    "CASE_DECISION_MAX_EXTENSIONS": 1,
    # Art. 61: served within 7 days of the decision.
    "CASE_SERVICE_DAYS": 7,
    # Art. 67: paid within 15 days of service.
    "CASE_PAYMENT_DAYS": 15,
    # SAMR rule Art. 57: statement and defence within 5 working days of the notice's service.
    "CASE_DEFENCE_WORKDAYS": 5,
    # Art. 64: hearing requested within 5 days of the notice; party notified 7 days before.
    "CASE_HEARING_REQUEST_DAYS": 5,
    "CASE_HEARING_NOTICE_DAYS": 7,
    # Art. 63 thresholds (SAMR rule Art. 64 defaults): natural persons / organisations, yuan.
    "CASE_HEARING_FINE": {"natural": "10000", "organisation": "100000"},
    "CASE_HEARING_CONFISCATION": {"natural": "10000", "organisation": "100000"},
    # Art. 58 (4) "where law requires": fines at or above this need legal review (local rule).
    "CASE_LEGAL_REVIEW_FINE": {"natural": "10000", "organisation": "100000"},
    # Art. 51: simplified procedure up to these fines (yuan).
    "CASE_SIMPLIFIED_MAX_FINE": {"natural": "200", "organisation": "3000"},
    # 行政强制法 Art. 25: sealing/seizure 30 days, once +30; emergency measures reported in 24 h (Art. 19).
    "CASE_MEASURE_DAYS": 30,
    "CASE_MEASURE_EXTENSION_DAYS": 30,
    "CASE_EMERGENCY_REPORT_HOURS": 24,
    # 国办发〔2018〕118号: published within 7 working days; Art. 48: withdrawn within 3 days.
    "CASE_PUBLISH_WORKDAYS": 7,
    "CASE_WITHDRAW_DAYS": 3,
    # A clock is "near due" this many calendar days before its end.
    "CASE_NEAR_DUE_DAYS": 3,
    # Credit severity of a decision (NDRC 令第36号 publicity periods, months).
    "CASE_SERIOUS_FINE": "200000",
    "CASE_PUBLICITY_MONTHS": {"minor": 3, "ordinary": 12, "serious": 36},
    # Document prefixes per department code (盐市监 …); default: 盐 + the department's short name.
    "CASE_DOC_PREFIX": {
        "smr": "盐市监",
        "mem": "盐应急",
        "eeb": "盐环",
        "hc": "盐卫",
        "scjg": "盐市监",
        "yjgl": "盐应急",
        "sthj": "盐环",
        "wjw": "盐卫",
        "cgj": "盐城管",
    },
    # Base URL printed under a document's QR code (the public proof page).
    "CASE_PUBLIC_BASE_URL": "http://localhost:8000",
    "CASE_PAGE_SIZE": 50,
}


def get(name: str) -> Any:
    return (getattr(settings, "CROSSREG", {}) or {}).get(name, DEFAULTS[name])


def yuan(name: str, party_kind: str) -> Decimal:
    return Decimal(str(get(name)[party_kind]))


def period(name: str) -> Period:
    unit = "workdays" if name.endswith("WORKDAYS") else "days"
    return Period(int(get(name)), unit)  # type: ignore[arg-type]


def doc_prefix(department_code: str, short_name: str) -> str:
    return str(get("CASE_DOC_PREFIX").get(department_code) or f"盐{short_name[:2]}")
