"""Legal clocks on the real 2026 calendar: Spring Festival (2-15..2-23, 调休 Saturdays 2-14 and
2-28), National Day (10-01..10-07, 调休 Sunday 9-20 and Saturday 10-10), and a suspension.

Expected dates are counted by hand from the State Council's 2026 holiday notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.cases import clocks, services
from crossreg.cases.models import CaseState
from crossreg.cases.tests.factories import cases_city, filed

D = dt.date


def test_filing_deadline_across_spring_festival() -> None:
    # discovered Tue 2-10: 11,12,13,14(调休 Sat) = 4; 24,25,26,27,28(调休 Sat) = 9; 3-2..3-6 = 14; 3-9 = 15
    assert clocks.filing_due(D(2026, 2, 10)) == D(2026, 3, 9)
    # extended by 15 more working days: 3-10 .. 3-30
    assert clocks.filing_due(D(2026, 2, 10), extended=True) == D(2026, 3, 30)


def test_publication_counts_the_adjusted_saturdays() -> None:
    # decided Thu 2-12: 13, 14(Sat, a working day), 24, 25, 26, 27, 28(Sat, a working day)
    assert clocks.publish_due(D(2026, 2, 12)) == D(2026, 2, 28)


def test_service_deadline_ending_in_national_day_rolls_to_the_next_working_day() -> None:
    # 7 days after 9-28 is 10-05, a holiday: the period ends on Thu 10-08
    assert clocks.service_due(D(2026, 9, 28)) == D(2026, 10, 8)


def test_payment_deadline_plain() -> None:
    assert clocks.payment_due(D(2026, 3, 2)) == D(2026, 3, 17)


def test_measure_30_days_across_national_day() -> None:
    # 9-10 + 30 = 10-10, the adjusted Saturday: a working day, so it stands
    assert clocks.measure_end(D(2026, 9, 10)) == D(2026, 10, 10)
    # 9-05 + 30 = 10-05 (holiday) → 10-08
    assert clocks.measure_end(D(2026, 9, 5)) == D(2026, 10, 8)


def test_withdrawal_three_days() -> None:
    # 9-29 + 3 = 10-02 (holiday) → 10-08
    assert clocks.withdraw_due(D(2026, 9, 29)) == D(2026, 10, 8)


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    return cases_city()


@pytest.mark.django_db
def test_defence_period_across_national_day_counts_the_adjusted_saturday(city: dict[str, Any]) -> None:
    case = filed(city, today=D(2026, 9, 1))
    case.notice_served_on = D(2026, 9, 29)
    # 9-30 = 1; 10-01..10-07 holiday; 10-08 = 2, 10-09 = 3, 10-10 (Sat, working) = 4, 10-12 = 5
    assert clocks.defence_ends(case) == D(2026, 10, 12)


@pytest.mark.django_db
def test_decision_clock_stops_during_a_suspension_and_resumes(city: dict[str, Any]) -> None:
    head = city["users"]["head"]
    case = filed(city, today=D(2026, 6, 1))
    # 6-01 + 90 = 8-30 (Sunday) → Monday 8-31
    assert clocks.decision_due(case, D(2026, 6, 1)) == D(2026, 8, 31)
    case = services.case_transition(
        case=case, transition="suspend", actor=head, note="委托检验鉴定", today=D(2026, 7, 1)
    )
    assert case.state == CaseState.SUSPENDED
    decision = next(c for c in clocks.case_clocks(case, D(2026, 7, 5)) if c.key == "decision")
    assert decision.status(D(2026, 7, 5)) == "stopped"
    assert (
        case.next_due != decision.due or case.next_due is None
    )  # a stopped clock is not the case's next deadline
    case = services.case_transition(
        case=case, transition="resume", actor=head, note="鉴定结论已出", today=D(2026, 7, 11)
    )
    assert case.state == CaseState.FILED and case.suspended_days == 10
    # 90 + 10 days from 6-01 = 9-09 (Wednesday)
    assert clocks.decision_due(case, D(2026, 7, 11)) == D(2026, 9, 9)
    assert case.next_due == D(2026, 9, 9)


@pytest.mark.django_db
def test_extension_adds_thirty_days_once(city: dict[str, Any]) -> None:
    head = city["users"]["head"]
    case = filed(city, today=D(2026, 6, 1))
    case = services.case_decision_extend(actor=head, case=case, reason="案情复杂", today=D(2026, 8, 20))
    # 6-01 + 120 = 9-29 (Tuesday)
    assert clocks.decision_due(case, D(2026, 8, 20)) == D(2026, 9, 29)
    from crossreg.core.errors import Conflict

    with pytest.raises(Conflict):
        services.case_decision_extend(actor=head, case=case, reason="再延", today=D(2026, 8, 21))


@pytest.mark.django_db
def test_overdue_and_near_due_statuses(city: dict[str, Any]) -> None:
    case = filed(city, today=D(2026, 3, 2))
    due = clocks.decision_due(case, D(2026, 3, 2))
    decision = next(c for c in clocks.case_clocks(case, D(2026, 3, 2)) if c.key == "decision")
    assert decision.status(due - dt.timedelta(days=10)) == "running"
    assert decision.status(due - dt.timedelta(days=2)) == "near"
    assert decision.status(due + dt.timedelta(days=1)) == "overdue"
