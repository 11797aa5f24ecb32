"""Cases tests sign ledger checkpoints with a fixed key, and — for pages that act "today"
(December 2026), whose 90-day clocks run into 2027, a year chinese-calendar 1.11 does not cover —
assume a plain 2027 (weekdays work, weekends rest) through CALENDAR_OVERRIDES. Tests of real
holidays use 2026 dates only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

TEST_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # RFC 8032 test 1 seed


def plain_year(year: int) -> dict[str, str]:
    day, out = dt.date(year, 1, 1), {}
    while day.year == year:
        out[day.isoformat()] = "workday" if day.weekday() < 5 else "holiday"
        day += dt.timedelta(days=1)
    return out


@pytest.fixture(autouse=True)
def cases_settings(settings: Any) -> Any:
    settings.CROSSREG = {
        **settings.CROSSREG,
        "LEDGER_SIGNING_KEY": TEST_KEY_HEX,
        "LEDGER_TSA_URL": "",
        "CALENDAR_OVERRIDES": {**(settings.CROSSREG.get("CALENDAR_OVERRIDES") or {}), **plain_year(2027)},
    }
    return settings
