"""Sampling settings, read from ``settings.CROSSREG`` with defaults.

The defaults are *local practice*, not law (FACTS.md): the credit-class ratios follow the Lindian
county example (A ≤5%, B 5–20%, C 21–60%, D 61–100%); a deployment overrides them with
``CROSSREG["SAMPLING_CREDIT_RULES"]`` and friends (docs/workflows/sampling.md lists every key).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings

CREDIT_CLASSES = ("A", "B", "C", "D")

#: Per credit class: default ratio (percent), default minimum count, allowed ratio range.
DEFAULT_CREDIT_RULES: dict[str, dict[str, Any]] = {
    "A": {"ratio": "5", "minimum": 0, "range": ["0", "5"]},
    "B": {"ratio": "5", "minimum": 1, "range": ["5", "20"]},
    "C": {"ratio": "21", "minimum": 1, "range": ["21", "60"]},
    "D": {"ratio": "61", "minimum": 1, "range": ["61", "100"]},
}

#: GB/T 4754 division -> the industry authority's department code. Entities of these industries
#: are supervised by many departments; plans over them default to joint plans led by the authority.
DEFAULT_KEY_INDUSTRIES: dict[str, str] = {
    "26": "yjgl",  # 化学原料和化学制品制造业 -> 应急管理局
    "25": "yjgl",  # 石油、煤炭及其他燃料加工业
    "62": "scjg",  # 餐饮业 -> 市场监管局
    "14": "scjg",  # 食品制造业
    "27": "scjg",  # 医药制造业
    "83": "jyj",  # 教育 -> 教育局
    "84": "wjw",  # 卫生 -> 卫健委
    "54": "jtys",  # 道路运输业 -> 交通运输局
}


def _c() -> dict[str, Any]:
    return dict(getattr(settings, "CROSSREG", {}) or {})


def credit_rules() -> dict[str, dict[str, Any]]:
    out = {k: dict(v) for k, v in DEFAULT_CREDIT_RULES.items()}
    for k, v in (_c().get("SAMPLING_CREDIT_RULES") or {}).items():
        out.setdefault(str(k), {}).update(v)
    return out


def enforce_class_ranges() -> bool:
    return bool(_c().get("SAMPLING_ENFORCE_CLASS_RANGES", True))


def ungraded_class() -> str:
    """The class an entity without a grade is drawn in (B: routine)."""
    return str(_c().get("PROVISIONAL_CREDIT_CLASS_DEFAULT", "B"))


def a_grade_exempt() -> bool:
    """A-grade entities are not proactively inspected unless the plan is triggered (无事不扰)."""
    return bool(_c().get("SAMPLING_A_GRADE_EXEMPT", True))


def key_industries() -> dict[str, str]:
    value = _c().get("SAMPLING_KEY_INDUSTRIES")
    return dict(DEFAULT_KEY_INDUSTRIES if value is None else value)


def quiet_days() -> int:
    """No entity is visited twice within this many days."""
    return int(_c().get("SAMPLING_QUIET_DAYS", 90))


def window_days() -> int:
    """Length of a task's date window."""
    return int(_c().get("SAMPLING_WINDOW_DAYS", 14))


def workload_cap() -> int:
    """Tasks one officer may take in a period."""
    return int(_c().get("SAMPLING_OFFICER_WORKLOAD_CAP", 40))


def lead_officers() -> int:
    return int(_c().get("SAMPLING_LEAD_OFFICERS", 2))


def participant_officers() -> int:
    return int(_c().get("SAMPLING_PARTICIPANT_OFFICERS", 1))


def min_confirmations() -> int:
    """Officers who must confirm a result before the lead submits it (Art. 42: two)."""
    return int(_c().get("INSPECTION_MIN_CONFIRMATIONS", 2))


def result_deadline_working_days() -> int:
    """企业信息公示暂行条例 Art. 6: enforcement information published within 20 working days."""
    return int(_c().get("SAMPLING_RESULT_DEADLINE_WORKING_DAYS", 20))


def holidays() -> set[dt.date]:
    return {dt.date.fromisoformat(str(d)) for d in (_c().get("HOLIDAYS") or [])}


def extra_working_days() -> set[dt.date]:
    """Weekend days that are working days (调休上班)."""
    return {dt.date.fromisoformat(str(d)) for d in (_c().get("WORKING_WEEKENDS") or [])}


def is_working_day(day: dt.date) -> bool:
    if day in extra_working_days():
        return True
    return day.weekday() < 5 and day not in holidays()


def working_days_add(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start``."""
    day = start
    left = n
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def ratio_range(stratum: str) -> tuple[Decimal, Decimal]:
    lo, hi = credit_rules().get(stratum, {}).get("range", ["0", "100"])
    return Decimal(str(lo)), Decimal(str(hi))


def quarter(today: dt.date) -> tuple[str, dt.date, dt.date]:
    """The calendar quarter holding ``today``: its period code (``2026Q4``), first and last day."""
    q = (today.month - 1) // 3
    start = dt.date(today.year, 3 * q + 1, 1)
    end = dt.date(today.year + (q == 3), (3 * q + 3) % 12 + 1, 1) - dt.timedelta(days=1)
    return f"{today.year}Q{q + 1}", start, end
