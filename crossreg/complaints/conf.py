"""Complaint and report settings, read from ``settings.CROSSREG`` with defaults.

Legal numbers (FACTS.md) are defaults a deployment may override, never constants in code:

- ``COMPLAINT_ACCEPT_WORKDAYS`` (7) — SAMR 市场监督管理投诉举报处理暂行办法 Art. 15: a complaint is
  accepted or refused within 7 working days of receipt;
- ``COMPLAINT_MEDIATION_WORKDAYS`` (45) — Art. 26: mediation ends after 45 working days without
  agreement;
- ``REPORT_VERIFY_WORKDAYS`` (15) and ``REPORT_EXTENSION_WORKDAYS`` (15) — Art. 31 and
  市场监督管理行政处罚程序规定 Art. 18: a report is verified and the filing decided within 15 working
  days, extendable by 15 with the department head's approval;
- ``ENQUIRY_REPLY_WORKDAYS`` (5) — local practice of the 12345 hotline for enquiries and
  suggestions (国办发〔2020〕53号 leaves the number to the city);
- ``REWARD_RULE`` — 国市监稽规〔2021〕4号: grades 1/2/3 at 5 % / 3 % / 1 % of fines and confiscation,
  minimums 5,000 / 3,000 / 1,000 yuan, a cap of 1,000,000 yuan per case, natural persons only;
- ``REWARD_FINANCE_ABOVE`` (5,000 yuan, local) — rewards above it need the finance approval.

``COMPLAINTS_CONTACT_KEY``: the Fernet key (urlsafe base64, 32 bytes) that encrypts reporters'
contact details at rest. Without it, a key is derived from ``SECRET_KEY`` with HKDF (development
only; docs/workflows/complaint.md, "Key handling").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULT_REWARD_RULE: dict[str, Any] = {
    "grades": {
        "1": {"rate": "0.05", "minimum": "5000"},
        "2": {"rate": "0.03", "minimum": "3000"},
        "3": {"rate": "0.01", "minimum": "1000"},
    },
    "cap": "1000000",
    "natural_persons_only": True,
    "basis": "国市监稽规〔2021〕4号",
}

DEFAULTS: dict[str, Any] = {
    "COMPLAINT_ACCEPT_WORKDAYS": 7,
    "COMPLAINT_MEDIATION_WORKDAYS": 45,
    "REPORT_VERIFY_WORKDAYS": 15,
    "REPORT_EXTENSION_WORKDAYS": 15,
    "ENQUIRY_REPLY_WORKDAYS": 5,
    "REWARD_RULE": DEFAULT_REWARD_RULE,
    "REWARD_FINANCE_ABOVE": "5000",
    # Attachments: size and the types a person may upload.
    "COMPLAINT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "COMPLAINT_ATTACHMENT_MAX_COUNT": 5,
    "COMPLAINT_ATTACHMENT_TYPES": {
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "png": "image/png",
        "pdf": "application/pdf",
        "txt": "text/plain",
    },
    # Deduplication: open submissions of the last N days about the same entity or place whose
    # token-set similarity (0–100, rapidfuzz over jieba tokens) is at least the threshold.
    "COMPLAINT_DEDUP_DAYS": 90,
    "COMPLAINT_DEDUP_THRESHOLD": 60,
    "COMPLAINT_DEDUP_CANDIDATES": 200,
    # Public form flood protection: submissions per address per hour; challenge token lifetime.
    "COMPLAINT_RATE_LIMIT_PER_HOUR": 5,
    "COMPLAINT_CHALLENGE_MAX_AGE": 1800,
    # The 12345 feed: the hotline's work-order number format and the push scope.
    "HOTLINE_WORK_ORDER_PATTERN": r"^12345-\d{8}-\d{6}$",
    "HOTLINE_FEED_MAX_BYTES": 10 * 1024 * 1024,
    "HOTLINE_FEED_MAX_ROWS": 20000,
    "HOTLINE_DROP_DIR": "",
    # The department that gets what no routing rule matches (the market regulator by default).
    "COMPLAINT_FALLBACK_DEPARTMENT": "smr",
    # Departments whose complaint handlers are the intake desk (the 12345 centre): they see and
    # route every submission. Users who handle complaints without a department are one too.
    "COMPLAINT_INTAKE_DEPARTMENTS": ["hotline"],
    # Local: working days to reply once handling ended (and for enquiries, above).
    "REPLY_WORKDAYS": 5,
    "COMPLAINTS_CONTACT_KEY": "",
}


def get(key: str) -> Any:
    return (getattr(settings, "CROSSREG", {}) or {}).get(key, DEFAULTS[key])


def decimal(key: str) -> Decimal:
    return Decimal(str(get(key)))
