"""The procedure through the services: filing, the gates of each step, documents, publicity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from crossreg.cases import services
from crossreg.cases.models import Case, CaseSource, CaseState, Document
from crossreg.cases.tests.factories import MONDAY, cases_city, filed, noticed, source
from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.ledger.models import Entry

pytestmark = pytest.mark.django_db

AFTER_DEFENCE = MONDAY + dt.timedelta(days=14)


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    return cases_city()


def codes(exc: pytest.ExceptionInfo[Any]) -> set[str]:
    return {p.code for p in exc.value.problems}


def test_source_register_is_idempotent_by_department_kind_ref(city: dict[str, Any]) -> None:
    a = source(city, "T-9")
    b = source(city, "T-9")
    assert a.pk == b.pk
    assert CaseSource.objects.count() == 1
    # 15 working days from Monday 2026-03-09: Monday 2026-03-30
    assert a.filing_due == dt.date(2026, 3, 30)


def test_filing_numbers_the_case_and_publishes_the_event(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.core import events

    got: list[Any] = []
    events.domain_event_subscribe("case.case.filed", got.append)
    with django_capture_on_commit_callbacks(execute=True):
        case = filed(city)
    assert case.number == "盐市监立〔2026〕1号"
    assert case.state == CaseState.FILED
    assert got and got[0].data["case_number"] == case.number and got[0].entity_id == city["hengda"].pk
    assert Document.objects.filter(case=case, kind="filing").count() == 1
    assert case.evidence.count() == 1
    assert Entry.objects.filter(
        subject_type="case", subject_id=case.number, action="case.case.filed"
    ).exists()


def test_filing_needs_two_certified_officers(city: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as exc:
        services.case_file(
            actor=city["users"]["head"],
            source=source(city),
            officers=city["officers"][:1],
            title="x",
            today=MONDAY,
        )
    assert "art42" in codes(exc)
    assert "第42条" in str(exc.value)
    assert not Case.objects.exists()


def test_filing_refuses_a_recused_officer(city: dict[str, Any]) -> None:
    from crossreg.inspections.models import OfficerRelation

    OfficerRelation.objects.create(officer=city["officers"][1], entity=city["hengda"], kind="family")
    with pytest.raises(Invalid) as exc:
        services.case_file(
            actor=city["users"]["head"],
            source=source(city),
            officers=city["officers"][:3],
            title="x",
            today=MONDAY,
        )
    assert "art43" in codes(exc)


def test_filing_is_for_the_department_head(city: dict[str, Any]) -> None:
    with pytest.raises(Forbidden):
        services.case_file(
            actor=city["users"]["officer"],
            source=source(city),
            officers=city["officers"][:2],
            title="x",
            today=MONDAY,
        )


def test_late_filing_needs_a_reason(city: dict[str, Any]) -> None:
    s = source(city)
    late = s.filing_due + dt.timedelta(days=1)
    with pytest.raises(Invalid) as exc:
        services.case_file(
            actor=city["users"]["head"], source=s, officers=city["officers"][:2], title="x", today=late
        )
    assert "filing_late" in codes(exc)
    case = services.case_file(
        actor=city["users"]["head"],
        source=s,
        officers=city["officers"][:2],
        title="x",
        today=late,
        late_reason="当事人外出，无法联系",
    )
    assert case.filed_late


def _decide(city: dict[str, Any], case: Case, today: dt.date = AFTER_DEFENCE, **data: Any) -> Case:
    return services.case_transition(
        case=case, transition="decide", actor=city["users"]["head"], today=today, data=data
    )


def test_decision_before_the_notice_is_served_is_refused(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city)
    case = services.case_transition(
        case=case, transition="start_investigation", actor=u["officer"], today=MONDAY
    )
    case = services.case_penalty_propose(
        actor=u["officer"],
        case=case,
        kinds=["fine"],
        fine=1000,
        entry=city["entries"]["SMR-47-1"],
        today=MONDAY,
    )
    case = services.case_transition(case=case, transition="submit_review", actor=u["officer"], today=MONDAY)
    case = services.case_transition(case=case, transition="issue_notice", actor=u["head"], today=MONDAY)
    with pytest.raises(Invalid) as exc:
        _decide(city, case)
    assert "art62" in codes(exc) and "第62条" in str(exc.value)
    case.refresh_from_db()
    assert case.state == CaseState.NOTICE and case.decided_on is None


def test_decision_within_the_defence_period_is_refused_then_allowed(city: dict[str, Any]) -> None:
    case = noticed(city)
    # served Monday 2026-03-09; 5 working days end Monday 2026-03-16
    with pytest.raises(Invalid) as exc:
        _decide(city, case, today=dt.date(2026, 3, 16))
    assert "art62" in codes(exc)
    case = _decide(city, case, today=dt.date(2026, 3, 17))
    assert case.state == CaseState.DECIDED


def test_waived_defence_allows_an_early_decision(city: dict[str, Any]) -> None:
    case = noticed(city)
    case = services.case_defence_waive(
        actor=city["users"]["officer"], case=case, note="当事人书面放弃", today=MONDAY
    )
    assert _decide(city, case, today=MONDAY).state == CaseState.DECIDED


def test_decision_heavier_than_the_notice_is_refused(city: dict[str, Any]) -> None:
    case = noticed(city, fine="1000")
    with pytest.raises(Invalid) as exc:
        _decide(city, case, kinds=["fine"], fine="1200")
    assert "art45" in codes(exc)
    with pytest.raises(Invalid) as exc:
        _decide(city, case, kinds=["fine", "licence_revoke"], fine="1000")
    assert "art45" in codes(exc)
    assert _decide(city, case, kinds=["warning"], fine="0").decided_kinds == ["warning"]


def test_amount_out_of_the_discretion_range_is_refused(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city)
    case = services.case_transition(
        case=case, transition="start_investigation", actor=u["officer"], today=MONDAY
    )
    with pytest.raises(Invalid) as exc:
        services.case_penalty_propose(
            actor=u["officer"],
            case=case,
            kinds=["fine"],
            fine=5000,
            entry=city["entries"]["SMR-47-1"],
            today=MONDAY,
        )
    assert "discretion_range" in codes(exc) and "0.00–3000.00" in str(exc.value)
    with pytest.raises(Invalid) as exc:
        services.case_penalty_propose(
            actor=u["officer"],
            case=case,
            kinds=["fine"],
            fine=2500,
            entry=city["entries"]["SMR-47-1"],
            today=MONDAY,
        )
    assert "discretion_reason" in codes(exc)
    case = services.case_penalty_propose(
        actor=u["officer"],
        case=case,
        kinds=["fine"],
        fine=2500,
        entry=city["entries"]["SMR-47-1"],
        deviation_reason="再次违法",
        today=MONDAY,
    )
    assert case.proposed_fine == Decimal("2500")


def test_legal_review_is_mandatory_when_art58_applies(city: dict[str, Any]) -> None:
    u = city["users"]
    case = noticed(
        city, fine="150000", entry="SMR-47-2", kinds=("fine",)
    )  # ≥ 100,000: hearing right and review
    case = services.case_defence_waive(actor=u["officer"], case=case, note="放弃陈述申辩和听证", today=MONDAY)
    with pytest.raises(Invalid) as exc:
        _decide(city, case, today=MONDAY)
    assert "art58" in codes(exc) and "第58条" in str(exc.value)
    case = services.case_transition(
        case=case, transition="submit_legal_review", actor=u["officer"], today=MONDAY
    )
    with pytest.raises(Forbidden):  # the department head is not the legal reviewer
        services.case_transition(
            case=case, transition="pass_legal_review", actor=u["head"], note="ok", today=MONDAY
        )
    with pytest.raises(Forbidden):  # a legal reviewer of another department is not either
        services.case_transition(
            case=case, transition="pass_legal_review", actor=u["other_legal"], note="ok", today=MONDAY
        )
    case = services.case_transition(
        case=case, transition="pass_legal_review", actor=u["legal"], note="事实清楚，证据确凿", today=MONDAY
    )
    case = _decide(city, case, today=MONDAY)
    assert case.state == CaseState.DECIDED
    assert case.documents.filter(kind="legal_review").exists()


def test_collective_discussion_for_major_cases(city: dict[str, Any]) -> None:
    u = city["users"]
    case = noticed(city, major_case=True)
    case = services.case_defence_waive(actor=u["officer"], case=case, note="放弃", today=MONDAY)
    with pytest.raises(Invalid) as exc:
        _decide(city, case, today=MONDAY)
    assert "art57" in codes(exc)
    case = services.case_transition(case=case, transition="convene_discussion", actor=u["head"], today=MONDAY)
    services.case_discussion_record(
        actor=u["head"], case=case, participants="局长、副局长、法规科长", conclusion="同意处罚", today=MONDAY
    )
    case.refresh_from_db()
    assert _decide(city, case, today=MONDAY).state == CaseState.DECIDED


def test_hearing_request_window_and_notice_days(city: dict[str, Any]) -> None:
    u = city["users"]
    case = noticed(city, fine="150000", entry="SMR-47-2")
    with pytest.raises(
        Invalid
    ) as exc:  # 5 days after the notice: 2026-03-14 (Saturday) -> rolls to Monday 03-16
        services.case_transition(
            case=case, transition="request_hearing", actor=u["officer"], today=dt.date(2026, 3, 17)
        )
    assert "art64" in codes(exc)
    case = services.case_transition(
        case=case, transition="request_hearing", actor=u["officer"], today=dt.date(2026, 3, 12)
    )
    with pytest.raises(Invalid) as exc:
        services.case_hearing_schedule(
            actor=u["officer"],
            case=case,
            hearing_on=dt.date(2026, 3, 18),
            notified_on=dt.date(2026, 3, 12),
            today=dt.date(2026, 3, 12),
        )
    assert "art64" in codes(exc) and "7日前" in str(exc.value)
    case = services.case_hearing_schedule(
        actor=u["officer"],
        case=case,
        hearing_on=dt.date(2026, 3, 19),
        notified_on=dt.date(2026, 3, 12),
        today=dt.date(2026, 3, 12),
    )
    with pytest.raises(Invalid):  # the hearing was requested and not held
        services.case_transition(
            case=case, transition="submit_legal_review", actor=u["officer"], today=dt.date(2026, 3, 18)
        )
    case = services.case_hearing_record(
        actor=u["officer"], case=case, note="听证已举行", today=dt.date(2026, 3, 19)
    )
    case = services.case_transition(
        case=case, transition="submit_legal_review", actor=u["officer"], today=dt.date(2026, 3, 19)
    )
    assert case.state == CaseState.LEGAL_REVIEW


def test_two_users_deciding_at_once_the_second_is_told_it_changed(city: dict[str, Any]) -> None:
    case = noticed(city)
    seen = case.version
    _decide(city, Case.objects.get(pk=case.pk), today=AFTER_DEFENCE)
    with pytest.raises(Conflict) as exc:
        services.case_transition(
            case=case,
            transition="decide",
            actor=city["users"]["head"],
            today=AFTER_DEFENCE,
            expected_version=seen,
        )
    assert exc.value.problems[0].code == "changed"


def test_skipping_a_step_names_the_rule_and_changes_nothing(city: dict[str, Any]) -> None:
    case = filed(city)
    before = (case.state, case.version, Entry.objects.count())
    with pytest.raises(Conflict) as exc:
        services.case_transition(case=case, transition="decide", actor=city["users"]["head"], today=MONDAY)
    assert "不能「作出处罚决定」" in str(exc.value)
    case.refresh_from_db()
    assert (case.state, case.version, Entry.objects.count()) == before


def test_decision_event_data(city: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    from crossreg.core import events

    got: list[Any] = []
    events.domain_event_subscribe("case.decision.made", got.append)
    case = noticed(city)
    with django_capture_on_commit_callbacks(execute=True):
        case = _decide(city, case)
    d = got[-1].data
    assert (
        d["case_number"] == case.number
        and d["department_id"] == "smr"
        and d["entity_id"] == city["hengda"].pk
    )
    assert (
        d["penalty_kinds"] == ["fine"] and d["fine_yuan"] == "1000.00" and d["credit_severity"] == "ordinary"
    )
    assert (
        d["source_kind"] == "inspection" and d["source_ref"] == "T-1" and d["publicity_end"] == "2027-03-23"
    )
    doc = case.documents.get(kind="decision")
    assert doc.number == "盐市监处罚〔2026〕1号"


def test_numbers_have_no_gap_and_no_reuse_after_a_rollback(city: dict[str, Any]) -> None:
    from django.db import transaction

    case = filed(city)
    first = services.document_issue(
        actor=city["users"]["officer"], case=case, kind="onsite", extra={"record": "现场记录"}
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.document_issue(
            actor=city["users"]["officer"], case=case, kind="onsite", extra={"record": "回滚"}
        )
        raise RuntimeError("the issuing transaction fails")
    second = services.document_issue(
        actor=city["users"]["officer"], case=case, kind="onsite", extra={"record": "再次"}
    )
    assert (first.seq, second.seq) == (1, 2)
    assert Document.objects.filter(kind="onsite").count() == 2


def test_template_missing_a_field_refuses_and_names_it(city: dict[str, Any]) -> None:
    case = filed(city)
    n = Document.objects.count()
    with pytest.raises(Invalid) as exc:
        services.document_issue(actor=city["users"]["officer"], case=case, kind="onsite")
    assert exc.value.problems[0].field == "record" and "record" in str(exc.value)
    assert Document.objects.count() == n
    # the next one still takes number 1 of its word
    assert (
        services.document_issue(
            actor=city["users"]["officer"], case=case, kind="onsite", extra={"record": "r"}
        ).seq
        == 1
    )


def test_publication_and_its_withdrawal(city: dict[str, Any]) -> None:
    u = city["users"]
    case = _decide(city, noticed(city))
    assert case.publish_due == dt.date(2026, 4, 1)  # 7 working days after Monday 03-23
    case = services.case_publish(actor=u["officer"], case=case, today=dt.date(2026, 3, 24))
    case = services.case_transition(
        case=case,
        transition="revoke_decision",
        actor=u["head"],
        note="行政复议决定撤销",
        today=dt.date(2026, 4, 1),
    )
    assert case.withdraw_due == dt.date(
        2026, 4, 7
    )  # 3 days → Saturday 04-04, Qingming 04-04..06 → Tuesday 04-07
    case = services.case_publication_withdraw(
        actor=u["officer"], case=case, reason="行政复议决定撤销", today=dt.date(2026, 4, 2)
    )
    assert case.publication_withdrawn_at is not None


def test_simplified_procedure_limits(city: dict[str, Any]) -> None:
    u = city["users"]
    with pytest.raises(Invalid) as exc:
        services.case_simplified_decide(
            actor=u["officer"],
            entity=city["hengda"],
            co_officer=city["officers"][1].pk,
            title="未亮照",
            facts="现场",
            kinds=["fine"],
            fine=3500,
            today=MONDAY,
        )
    assert "art51" in codes(exc)
    case = services.case_simplified_decide(
        actor=u["officer"],
        entity=city["hengda"],
        co_officer=city["officers"][1].pk,
        title="未亮照",
        facts="现场",
        kinds=["fine"],
        fine=200,
        today=MONDAY,
    )
    assert (
        case.state == CaseState.ENFORCEMENT
        and case.procedure == "simplified"
        and case.number.startswith("盐市监简")
    )
    with pytest.raises(Invalid) as exc:  # alone: Art. 42
        services.case_simplified_decide(
            actor=u["officer"],
            entity=city["hengda"],
            co_officer=city["officers"][0].pk,
            title="未亮照",
            facts="现场",
            kinds=["warning"],
            today=MONDAY,
        )
    assert "art42" in codes(exc)


def test_measures_30_plus_30_and_release(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city)
    m = services.measure_propose(
        actor=u["officer"],
        case=case,
        kind="seizure",
        items=[{"name": "过期食品", "quantity": 20, "unit": "箱"}],
        reason="涉嫌违法的物品",
    )
    m = services.measure_approve(actor=u["head"], measure=m, starts_on=dt.date(2026, 9, 20))
    assert m.ends_on == dt.date(2026, 10, 20)  # 30 days → 10-20 (after National Day)
    m = services.measure_extend(actor=u["head"], measure=m, reason="案情复杂", today=dt.date(2026, 10, 15))
    assert m.ends_on == dt.date(2026, 11, 19)
    with pytest.raises(Conflict):
        services.measure_extend(actor=u["head"], measure=m, reason="再次", today=dt.date(2026, 10, 16))
    m = services.measure_release(
        actor=u["head"], measure=m, reason="已作出处理决定", today=dt.date(2026, 11, 1)
    )
    assert m.state == "released"
    with pytest.raises(Invalid):
        services.measure_propose(actor=u["officer"], case=case, kind="sealing", items=[], reason="x")


def test_emergency_measure_reported_within_24_hours(city: dict[str, Any]) -> None:
    u = city["users"]
    case = filed(city)
    from django.utils import timezone

    at = timezone.make_aware(dt.datetime(2026, 3, 9, 15, 0))
    m = services.measure_emergency(
        actor=u["officer"], case=case, kind="sealing", items=[{"name": "仓库"}], reason="紧急", now=at
    )
    assert m.state == "in_force" and m.report_due_at is not None
    assert m.report_due_at is not None and m.emergency_started_at is not None
    assert (m.report_due_at - m.emergency_started_at).total_seconds() == 24 * 3600
    m = services.measure_report(actor=u["head"], measure=m, approve=True, note="同意")
    assert m.reported_at is not None
