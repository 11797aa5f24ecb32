"""Legal clocks: working days and calendar days, on the real Chinese public-holiday calendar.

Working days follow the State Council's yearly holiday notice, including 调休 (a Saturday or Sunday
made a working day in exchange for a holiday bridge), as published in the ``chinese-calendar``
package. A deployment adds or overrides days with ``settings.CROSSREG["CALENDAR_OVERRIDES"]``:
``{"2026-12-24": "holiday", "2026-12-26": "workday"}`` (a local emergency closure, a year the
package does not cover yet).

Outside the package's years (the State Council publishes next year's notice late in the year, and
the package follows some weeks later), a deployment chooses with
``CROSSREG["CALENDAR_UNPUBLISHED"]``:

- ``"provisional"`` (the default): Monday to Friday are working days, except the fixed-date
  statutory holidays of 《全国年节及纪念日放假办法》(2024): 1 January, 1–2 May, 1–3 October. The
  lunar holidays (Spring Festival, Qingming, Dragon Boat, Mid-Autumn) and the 调休 days are not
  known, so such a deadline is **provisional**: :func:`is_provisional` says so, pages show it, and
  once the notice is entered (overrides or a package update) every clock is recomputed from it;
- ``"refuse"``: :class:`CalendarUnknown` names the date, and no deadline is computed at all.

Without this choice every case filed in December would stop with an error for its 90-day clock.

Counting follows the rules of 行政处罚法 and 民法典 Art. 201–203 as the SAMR procedure rules apply
them: a period "within N days" starts on the day after the triggering day; when the last day of
a calendar-day period falls on a holiday, the period ends on the next working day (Art. 85 of
行政处罚法 counts 期限 in working days only where the law says 工作日).

Every domain app computes its deadlines with these functions; none counts days by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from django.conf import settings

from crossreg.core.errors import DomainError

DayKind = Literal["workday", "holiday"]


class CalendarUnknown(DomainError):
    """The holiday calendar does not cover this date, and no override says what it is."""

    status = 500


def _overrides() -> dict[dt.date, DayKind]:
    raw = (getattr(settings, "CROSSREG", {}) or {}).get("CALENDAR_OVERRIDES") or {}
    return _parse_overrides(tuple(sorted((str(k), str(v)) for k, v in raw.items())))


@lru_cache(maxsize=8)
def _parse_overrides(items: tuple[tuple[str, str], ...]) -> dict[dt.date, DayKind]:
    out: dict[dt.date, DayKind] = {}
    for day, kind in items:
        if kind not in ("workday", "holiday"):
            raise ValueError(f"CALENDAR_OVERRIDES[{day!r}] must be 'workday' or 'holiday', not {kind!r}")
        out[dt.date.fromisoformat(day)] = kind  # type: ignore[assignment]
    return out


#: Fixed-date statutory holidays (《全国年节及纪念日放假办法》, 2024 revision), as (month, day).
FIXED_HOLIDAYS: frozenset[tuple[int, int]] = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


def _unpublished_mode() -> str:
    mode = str((getattr(settings, "CROSSREG", {}) or {}).get("CALENDAR_UNPUBLISHED") or "provisional")
    if mode not in ("provisional", "refuse"):
        raise ValueError(f"CALENDAR_UNPUBLISHED must be 'provisional' or 'refuse', not {mode!r}")
    return mode


def is_provisional(day: dt.date) -> bool:
    """Is ``day`` outside the published holiday calendar (and not overridden), so that a deadline
    on or after it is computed provisionally (Monday–Friday, fixed-date holidays only)?"""
    if day in _overrides():
        return False
    import chinese_calendar

    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return True
    return False


def is_workday(day: dt.date) -> bool:
    """Is ``day`` a working day (调休 Saturdays included, public holidays excluded)?"""
    kind = _overrides().get(day)
    if kind is not None:
        return kind == "workday"
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if _unpublished_mode() == "provisional":
            return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
        raise CalendarUnknown(
            f"the holiday calendar does not cover {day.isoformat()}: add it to CALENDAR_OVERRIDES "
            "or update the chinese-calendar package",
            field="date",
            code="calendar_unknown",
        ) from None


def add_workdays(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    ``add_workdays(d, 0)`` is ``d`` if it is a working day, else the next working day.
    """
    if days < 0:
        raise ValueError("days must be 0 or more")
    day = start
    if days == 0:
        while not is_workday(day):
            day += dt.timedelta(days=1)
        return day
    left = days
    while left:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def add_calendar_days(start: dt.date, days: int, *, roll_to_workday: bool = True) -> dt.date:
    """The date ``days`` calendar days after ``start``; if it falls on a holiday or weekend and
    ``roll_to_workday``, the next working day (the law's rule for the last day of a period)."""
    day = start + dt.timedelta(days=days)
    if roll_to_workday:
        while not is_workday(day):
            day += dt.timedelta(days=1)
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    n, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n += 1
    return n


@dataclass(frozen=True)
class Period:
    """A period of the law: N working days, or N calendar days."""

    days: int
    unit: Literal["workdays", "days"] = "workdays"

    def end(self, start: dt.date) -> dt.date:
        if self.unit == "workdays":
            return add_workdays(start, self.days)
        return add_calendar_days(start, self.days)

    def __str__(self) -> str:
        return f"{self.days} 个工作日" if self.unit == "workdays" else f"{self.days} 日"
