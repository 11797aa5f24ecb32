"""Legal clocks on the real 2026 calendar, and what happens beyond the published years."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.core import calendar
from crossreg.core.calendar import (
    CalendarUnknown,
    add_calendar_days,
    add_workdays,
    is_provisional,
    is_workday,
)

D = dt.date


def test_spring_festival_and_national_day_2026() -> None:
    assert is_workday(D(2026, 2, 14))  # 调休 Saturday before the Spring Festival
    assert not is_workday(D(2026, 2, 17))  # Spring Festival
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)  # over National Day
    assert add_calendar_days(D(2026, 9, 25), 6) == D(2026, 10, 8)  # a last day on a holiday rolls on
    assert not is_provisional(D(2026, 12, 31))


def test_unpublished_year_is_provisional_by_default() -> None:
    assert is_provisional(D(2027, 3, 1))
    assert not is_workday(D(2027, 1, 1))  # fixed-date statutory holiday
    assert not is_workday(D(2027, 10, 2))
    assert not is_workday(D(2027, 1, 2))  # a Saturday
    assert is_workday(D(2027, 1, 4))  # a Monday
    # a case filed today still gets its 90-day clock
    assert add_calendar_days(D(2026, 12, 4), 90) == D(2027, 3, 4)


def test_refuse_mode_names_the_date(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "CALENDAR_UNPUBLISHED": "refuse"}
    with pytest.raises(CalendarUnknown, match="2027-03-01"):
        is_workday(D(2027, 3, 1))


def test_overrides_win_and_end_provisional(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "CALENDAR_OVERRIDES": {"2027-02-08": "holiday"}}
    assert not is_workday(D(2027, 2, 8))
    assert not is_provisional(D(2027, 2, 8))
    assert {(1, 1), (10, 1)} <= calendar.FIXED_HOLIDAYS
