"""Inspection settings, read from ``settings.CROSSREG`` with defaults (local numbers, not law).

Keys (docs/workflows/inspection.md):

- ``INSPECTION_MIN_CONFIRMATIONS`` (2): officers who must confirm a result before the lead submits
  it (市场监督管理行政处罚程序规定 Art. 42: at least two law-enforcement officers).
- ``INSPECTION_RESULT_DEADLINE_WORKING_DAYS`` (20; the older key
  ``SAMPLING_RESULT_DEADLINE_WORKING_DAYS`` is still read): 企业信息公示暂行条例 Art. 6 — enforcement
  information is published within 20 working days. Counted on the holiday calendar
  (:mod:`crossreg.core.calendar`). Where the deadline runs past the years the calendar covers (a
  result submitted in December, before the State Council's notice for the next year), the days
  beyond are counted Monday to Friday less ``HOLIDAYS`` plus ``WORKING_WEEKENDS`` (the earlier
  rule), and a warning is logged: a publication deadline must not stop an officer submitting.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings

from crossreg.core.calendar import CalendarUnknown, is_workday

log = logging.getLogger(__name__)


def _c() -> dict[str, Any]:
    return dict(getattr(settings, "CROSSREG", {}) or {})


def min_confirmations() -> int:
    """Officers who must confirm a result before the lead submits it (Art. 42: two)."""
    return int(_c().get("INSPECTION_MIN_CONFIRMATIONS", 2))


def result_deadline_working_days() -> int:
    """企业信息公示暂行条例 Art. 6: enforcement information published within 20 working days."""
    c = _c()
    value = c.get(
        "INSPECTION_RESULT_DEADLINE_WORKING_DAYS", c.get("SAMPLING_RESULT_DEADLINE_WORKING_DAYS", 20)
    )
    return int(value)


def result_due(submitted_on: dt.date) -> dt.date:
    """The last day on which a result submitted on ``submitted_on`` must be published."""
    holidays = {dt.date.fromisoformat(str(d)) for d in (_c().get("HOLIDAYS") or [])}
    weekends = {dt.date.fromisoformat(str(d)) for d in (_c().get("WORKING_WEEKENDS") or [])}
    day, left, warned = submitted_on, result_deadline_working_days(), False
    while left > 0:
        day += dt.timedelta(days=1)
        try:
            working = is_workday(day)
        except CalendarUnknown:
            if not warned:
                log.warning("holiday calendar does not cover %s: counting weekdays", day.isoformat())
                warned = True
            working = day in weekends or (day.weekday() < 5 and day not in holidays)
        if working:
            left -= 1
    return day


def due_soon_days() -> int:
    """``INSPECTION_DUE_SOON_DAYS`` (5): a task whose window ends within this many days is flagged
    as nearly due on the lists (a local working rule, not law)."""
    return int(_c().get("INSPECTION_DUE_SOON_DAYS", 5))
