"""Credit settings, read from ``settings.CROSSREG`` with defaults (local practice, not law).

- ``CREDIT_COUNTING_MONTHS``: how long an event counts, by NDRC repair category (信用修复管理办法):
  minor ≤ 3 months, ordinary 3 months – 1 year, serious 1 – 3 years; ``none`` for positive records.
- ``CREDIT_COUNTING_BOUNDS``: the legal range per category; a source's own publicity end (a penalty
  decision's publicity period) is used when it falls inside it.
- ``CREDIT_COMBINE``: how the grade sampling uses combines the public and the industry grade:
  ``worst`` (default: the lower of the two), ``public`` (the public grade only).
- ``CREDIT_REPAIR_WORKDAYS``: the department reviews a repair application within this many working
  days (core.calendar).
- ``CREDIT_SAMPLING``: ratio and frequency per grade (the Lindian default); A is not proactively
  inspected without a trigger (无事不扰).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

GRADES = ("A", "B", "C", "D")

DEFAULT_COUNTING_MONTHS: dict[str, int] = {"minor": 3, "ordinary": 12, "serious": 36, "none": 12}
DEFAULT_COUNTING_BOUNDS: dict[str, tuple[int, int]] = {
    "minor": (0, 3),
    "ordinary": (3, 12),
    "serious": (12, 36),
    "none": (0, 36),
}

#: Per grade: sampling ratio (percent) and inspections per year (Lindian county example).
DEFAULT_SAMPLING: dict[str, dict[str, Any]] = {
    "A": {"ratio": "5", "per_year": 0, "proactive": False},
    "B": {"ratio": "5", "per_year": 1, "proactive": True},
    "C": {"ratio": "21", "per_year": 2, "proactive": True},
    "D": {"ratio": "61", "per_year": 4, "proactive": True},
}


def _c() -> dict[str, Any]:
    return dict(getattr(settings, "CROSSREG", {}) or {})


def counting_months() -> dict[str, int]:
    return {**DEFAULT_COUNTING_MONTHS, **(_c().get("CREDIT_COUNTING_MONTHS") or {})}


def counting_bounds() -> dict[str, tuple[int, int]]:
    out = dict(DEFAULT_COUNTING_BOUNDS)
    for k, v in (_c().get("CREDIT_COUNTING_BOUNDS") or {}).items():
        out[k] = (int(v[0]), int(v[1]))
    return out


def combine_rule() -> str:
    return str(_c().get("CREDIT_COMBINE", "worst"))


def repair_workdays() -> int:
    return int(_c().get("CREDIT_REPAIR_WORKDAYS", 5))


def sampling_by_grade() -> dict[str, dict[str, Any]]:
    out = {k: dict(v) for k, v in DEFAULT_SAMPLING.items()}
    for k, v in (_c().get("CREDIT_SAMPLING") or {}).items():
        out.setdefault(str(k), {}).update(v)
    return out


def ungraded() -> str:
    """The grade of an entity that no model has graded yet (sampling draws it as routine)."""
    return str(_c().get("PROVISIONAL_CREDIT_CLASS_DEFAULT", "B"))
