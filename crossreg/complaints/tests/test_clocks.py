"""The legal clocks on the real holiday calendar: Spring Festival 2026 (15–23 Feb, with the 调休
Saturdays 14 and 28 Feb worked) and National Day 2026 (1–7 Oct, Saturday 10 Oct worked).
Expected dates are counted by hand on the State Council's 2026 notice, day by day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.complaints import clocks, services

D = dt.date


def test_a_complaint_received_before_spring_festival_is_accepted_by_the_tiaoxiu_saturday() -> None:
    # Thu 12 Feb: 13 (1), Sat 14 调休 (2), holidays 15–23, 24 (3), 25 (4), 26 (5), 27 (6), Sat 28 调休 (7)
    assert clocks.accept_deadline(D(2026, 2, 12)) == D(2026, 2, 28)


def test_a_report_across_national_day_and_its_extension() -> None:
    # Tue 29 Sep: 30 (1), holidays 1–7 Oct, 8 (2), 9 (3), Sat 10 调休 (4), 12–16 (5–9), 19–23 (10–14), 26 (15)
    due = clocks.verify_deadline(D(2026, 9, 29))
    assert due == D(2026, 10, 26)
    # +15: 27–30 (1–4), 2–6 Nov (5–9), 9–13 (10–14), 16 (15)
    assert clocks.extended_deadline(due) == D(2026, 11, 16)


def test_mediation_ends_after_45_working_days_across_spring_festival() -> None:
    # Mon 2 Feb: Feb 3–6 (4), Sat 14 and 9–13 (10), 24–28 (15), Mar 2–6 (20), 9–13 (25), 16–20 (30),
    # 23–27 (35), Mar 30–Apr 3 (40), Qingming 4–6 Apr off, 7–10 (44), Mon 13 Apr (45)
    assert clocks.mediation_deadline(D(2026, 2, 2)) == D(2026, 4, 13)


def test_an_enquiry_is_answered_within_five_working_days_after_national_day() -> None:
    assert clocks.step_deadline("enquiry", "received", D(2026, 9, 30)) == ("reply", D(2026, 10, 13))


@pytest.mark.django_db
def test_intake_computes_the_deadline_from_the_receipt_day(city: dict[str, Any]) -> None:
    sub = services.submission_intake(
        actor="public:web",
        kind="complaint",
        channel="web",
        text="买到的月饼发霉，要求退货",
        entity_name=city["restaurant"].name,
        contact_name="孙悦然",
        contact_phone="13912345678",
        received_at=dt.datetime(2026, 2, 12, 10, tzinfo=dt.UTC),
    ).submission
    assert (sub.deadline_step, sub.deadline) == ("accept", D(2026, 2, 28))


@pytest.mark.django_db
def test_a_local_override_moves_the_deadline(settings: Any) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "CALENDAR_OVERRIDES": {"2026-02-13": "holiday"}}
    assert clocks.accept_deadline(D(2026, 2, 12)) == D(2026, 3, 2)
