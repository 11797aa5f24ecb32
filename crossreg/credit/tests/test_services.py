"""Credit services end to end on the database: events → grades, history, ledger, pushes, repair."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.core.events import domain_event_publish, domain_event_subscribe
from crossreg.credit import selectors, services
from crossreg.credit.models import CreditEvent, Grade
from crossreg.credit.tests.factories import credit_city, publish_demo_model
from crossreg.ledger.models import Entry
from crossreg.notices.models import Notification

pytestmark = pytest.mark.django_db(transaction=False)
TODAY = timezone.localdate()


@pytest.fixture
def city(django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    c = credit_city()
    c["version"] = publish_demo_model(c["departments"]["fgw"])
    services.credit_evaluate_all(actor="system:test", as_of=TODAY)
    return c


def test_every_entity_graded_b_by_base_points(city: dict[str, Any]) -> None:
    g = selectors.grades_for([city["hengda"].pk])
    assert g == {city["hengda"].pk: "B"}
    assert Grade.objects.filter(current=True).count() > 20


def test_penalty_moves_b_to_c_with_ledger_event_and_push(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.linking.models import SourceRecord  # noqa: F401 - the department list check

    seen: list[Any] = []
    domain_event_subscribe("credit.grade.changed", seen.append)
    smr = city["departments"]["smr"]
    services.subscription_set(actor="system:test", department=smr, grade_changes=True, serious_events=True)
    e = city["hengda"]
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_event_record(
            actor="system:test",
            entity=e,
            kind="penalty",
            occurred_on=TODAY,
            source_type="case",
            source_id="盐市监罚〔2026〕1号",
            severity="ordinary",
            reason="未亮照经营",
            department_id="smr",
        )
    # evaluated today (real date) with the model in force: 1000 − 150 = 850 → C
    g = Grade.objects.get(entity=e, current=True)
    assert (g.previous, g.grade) == ("B", "C")
    assert g.score_cents == 85000
    assert Entry.objects.filter(action="credit.grade.change", subject_id=str(e.pk)).exists()
    assert seen and seen[-1].data["old"] == "B" and seen[-1].data["new"] == "C"
    assert seen[-1].data["uscc"] == e.uscc and seen[-1].data["model_version"] == "public/v1"


def test_event_record_is_idempotent_by_source(city: dict[str, Any]) -> None:
    kw = dict(
        actor="system:test",
        entity=city["hengda"],
        kind="complaint_justified",
        occurred_on=TODAY,
        source_type="complaint",
        source_id="TS-1",
        severity="minor",
        reason="查实",
    )
    a = services.credit_event_record(**kw)
    b = services.credit_event_record(**kw)
    assert a.pk == b.pk and CreditEvent.objects.filter(source_id="TS-1").count() == 1
    assert a.published is False  # minor: normally not published (NDRC)
    assert a.counts_until == services.add_months(TODAY, 3)  # minor: at most 3 months


def test_counting_period_follows_ndrc_category() -> None:
    d = dt.date(2026, 1, 31)
    assert services.counts_until_for("minor", d) == dt.date(2026, 4, 30)
    assert services.counts_until_for("ordinary", d) == dt.date(2027, 1, 31)
    assert services.counts_until_for("serious", d) == dt.date(2029, 1, 31)
    # a source's own publicity end inside the category's range is used; outside, bounded
    assert services.counts_until_for("ordinary", d, dt.date(2026, 7, 1)) == dt.date(2026, 7, 1)
    assert services.counts_until_for("ordinary", d, dt.date(2026, 2, 1)) == dt.date(2026, 4, 30)
    assert services.counts_until_for("serious", d, dt.date(2035, 1, 1)) == dt.date(2029, 1, 31)


def test_model_change_never_alters_past_grades(city: dict[str, Any]) -> None:
    from crossreg.credit.tests.factories import spec

    before = list(Grade.objects.order_by("pk").values_list("pk", "grade", "score_cents", "model_version_id"))
    v2 = services.model_version_draft(
        actor="system:test", model=city["version"].model, spec=spec(base_points=1100), note="提高基础分"
    )
    assert any(d["path"] == "base_points" and d["new"] == 1100 for d in v2.diff)
    v2 = services.model_version_transition(actor="system:test", version=v2, action="submit")
    services.model_version_transition(
        actor="system:r", version=v2, action="publish", effective_from=TODAY + dt.timedelta(days=1)
    )
    services.credit_evaluate_all(actor="system:test", as_of=TODAY + dt.timedelta(days=1))
    after = list(
        Grade.objects.filter(pk__in=[b[0] for b in before])
        .order_by("pk")
        .values_list("pk", "grade", "score_cents", "model_version_id")
    )
    assert after == before
    assert selectors.grades_for([city["hengda"].pk], as_of=TODAY) == {city["hengda"].pk: "B"}
    assert selectors.grades_for([city["hengda"].pk]) == {city["hengda"].pk: "A"}  # 1100 ≥ 1030


def test_model_workflow_needs_the_credit_role_and_four_eyes(city: dict[str, Any]) -> None:
    from crossreg.credit.tests.factories import spec

    model = city["version"].model
    v = services.model_version_draft(actor=city["fgw_staff"], model=model, spec=spec())
    with pytest.raises(Forbidden):
        services.model_version_transition(actor=city["staff"], version=v, action="submit")
    v = services.model_version_transition(actor=city["credit_user"], version=v, action="submit")
    with pytest.raises(Forbidden):  # the submitter may not approve
        services.model_version_transition(actor=city["credit_user"], version=v, action="publish")
    with pytest.raises(Forbidden):
        services.model_version_transition(actor=city["fgw_staff"], version=v, action="publish")
    with pytest.raises(Conflict):
        services.model_version_transition(actor=city["credit_user"], version=v, action="submit")


def test_repair_stops_the_record_counting(city: dict[str, Any]) -> None:
    e = city["hengda"]
    ev = services.credit_event_record(
        actor="system:test",
        entity=e,
        kind="penalty",
        occurred_on=dt.date.today(),
        source_type="case",
        source_id="R-1",
        severity="ordinary",
        reason="处罚",
        department_id="smr",
    )
    assert selectors.grades_for([e.pk])[e.pk] == "C"
    with pytest.raises(Invalid) as exc:
        services.repair_apply(actor="enterprise:x", event=ev, correction="", commitment_text="承诺")
    assert exc.value.problems[0].field == "correction"
    app = services.repair_apply(
        actor="enterprise:x", event=ev, correction="已整改", commitment_text="承诺守法"
    )
    with pytest.raises(Forbidden):
        services.repair_decide(actor=city["staff"], application=app, action="approve")
    with pytest.raises(Invalid):
        services.repair_decide(actor=city["head"], application=app, action="refuse", reason="")
    services.repair_decide(actor=city["head"], application=app, action="approve")
    ev.refresh_from_db()
    assert ev.repaired_on == dt.date.today() and ev.published is False
    assert selectors.grades_for([e.pk])[e.pk] == "B"
    assert Entry.objects.filter(action="credit.repair.approve").exists()


def test_subscriber_turns_a_case_decision_into_a_grade(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    e = city["hengda"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        domain_event_publish(
            type="case.decision.made",
            subject="case/盐市监罚〔2026〕9号",
            data={
                "case_number": "盐市监罚〔2026〕9号",
                "department_id": "smr",
                "entity_id": e.pk,
                "penalty_kinds": ["fine"],
                "fine_yuan": 20000,
                "credit_severity": "serious",
                "decided_on": dt.date.today().isoformat(),
            },
            department_id="smr",
            entity_id=e.pk,
        )
    ev = CreditEvent.objects.get(source_type="case", source_id="盐市监罚〔2026〕9号")
    assert ev.kind == "penalty" and ev.severity == "serious"
    assert selectors.grades_for([e.pk])[e.pk] == "D"  # 1000 − 300 = 700
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        domain_event_publish(
            type="case.decision.withdrawn",
            subject="case/盐市监罚〔2026〕9号",
            data={"case_number": "盐市监罚〔2026〕9号", "withdrawn_on": dt.date.today().isoformat()},
            entity_id=e.pk,
        )
    assert selectors.grades_for([e.pk])[e.pk] == "B"


def test_serious_event_pushed_to_subscribed_departments_with_the_entity_on_their_list(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.web.tests.factories import source_record_make

    e, depts = city["hengda"], city["departments"]
    source_record_make(e, depts["smr"], "smr-1")  # on smr's list, subscribed
    source_record_make(e, depts["eeb"], "eeb-1")  # on eeb's list, not subscribed
    services.subscription_set(
        actor="system:test", department=depts["smr"], grade_changes=True, serious_events=True
    )
    services.subscription_set(
        actor="system:test", department=depts["hc"], grade_changes=True, serious_events=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.credit_event_record(
            actor="system:test",
            entity=e,
            kind="penalty",
            occurred_on=TODAY,
            source_type="case",
            source_id="S-1",
            severity="serious",
            reason="严重违法",
            department_id="smr",
        )
    got = sorted(Notification.objects.values_list("department_id", "verb"))
    assert got == [("smr", "credit.event.serious"), ("smr", "credit.grade.changed")]
    n = Notification.objects.get(verb="credit.grade.changed")
    assert "B 级变为 D 级" in n.subject and n.link == f"/credit/entities/{e.pk}/"


def test_rolled_back_event_pushes_nothing(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.web.tests.factories import source_record_make

    e = city["hengda"]
    source_record_make(e, city["departments"]["smr"], "smr-1")
    services.subscription_set(
        actor="system:test", department=city["departments"]["smr"], grade_changes=True, serious_events=True
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.credit_event_record(
            actor="system:test",
            entity=e,
            kind="penalty",
            occurred_on=TODAY,
            source_type="case",
            source_id="S-2",
            severity="serious",
            reason="严重违法",
            department_id="smr",
        )
        raise RuntimeError("the case's transaction fails")
    assert not Notification.objects.exists() and not CreditEvent.objects.filter(source_id="S-2").exists()
    assert selectors.grades_for([e.pk])[e.pk] == "B"


def test_bad_event_input_names_the_field(city: dict[str, Any]) -> None:
    with pytest.raises(Invalid) as exc:
        services.credit_event_record(
            actor="system:test",
            entity=city["hengda"],
            kind="bankruptcy",
            occurred_on=TODAY,
            source_type="x",
            source_id="1",
            severity="minor",
            reason="r",
        )
    assert exc.value.problems[0].field == "kind"
    with pytest.raises(Invalid) as exc:
        services.credit_event_record(
            actor="system:test",
            entity=city["hengda"],
            kind="manual",
            occurred_on=TODAY,
            source_type="manual",
            source_id="1",
            severity="minor",
            reason="<script>x</script>",
        )
    assert exc.value.problems[0].field == "reason"
    with pytest.raises(Forbidden):
        services.credit_event_record(
            actor=city["staff"],
            entity=city["hengda"],
            kind="manual",
            occurred_on=TODAY,
            source_type="manual",
            source_id="2",
            severity="minor",
            reason="手工",
            department_id="eeb",
        )


def test_commitment_broken_at_inspection_becomes_a_credit_event(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.credit.models import Commitment

    item = services.commitment_item_publish(
        actor="system:test",
        code="smr-food-licence",
        title="食品经营许可告知承诺",
        text="本企业承诺符合食品经营许可条件",
        department=city["departments"]["smr"],
        catalog_item="JG-SMR-0001",
    )
    c = services.commitment_sign(
        actor="system:test", entity=city["hengda"], item=item, signed_on=TODAY, signed_by="张伟明"
    )
    from crossreg.sampling.tests.factories import item_version

    smr_v = item_version(city["departments"]["smr"], "JG-SMR-0001", [("亮照经营", "条例第36条", "未亮照")])
    eeb_v = item_version(city["departments"]["eeb"], "JG-EEB-0001", [("排污许可", "条例第17条", "无证排污")])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        domain_event_publish(  # the shape inspections publishes (task_result_data)
            type="inspection.task.published",
            subject="inspection.task/T-1",
            data={
                "code": "T-1",
                "entity_id": city["hengda"].pk,
                "trigger": "random",
                "lead_department": "smr",
                "departments": ["eeb", "smr"],
                "inspected_on": TODAY.isoformat(),
                "results": [
                    {"seq": 1, "result": "finding", "departments": ["smr"], "item_versions": [smr_v.pk]},
                    {"seq": 2, "result": "pass", "departments": ["smr", "eeb"], "item_versions": [eeb_v.pk]},
                ],
                "findings": 1,
            },
            entity_id=city["hengda"].pk,
        )
    c.refresh_from_db()
    assert c.status == Commitment.Status.BROKEN
    kinds = sorted(
        CreditEvent.objects.filter(entity=city["hengda"])
        .exclude(kind="provisional_class")
        .values_list("kind", "department_id")
    )
    assert kinds == [("commitment_broken", "smr"), ("inspection_clean", "eeb"), ("inspection_finding", "smr")]


def test_exchange_shape_of_a_published_inspection(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """The exchange's conformance fixture spells the rows ``points`` with ``item_code``/``department``."""
    e = city["hengda"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        domain_event_publish(
            type="inspection.task.published",
            subject="task/JC-2026Q1-000123",
            data={
                "task_code": "JC-2026Q1-000123",
                "entity_id": e.pk,
                "trigger": "random",
                "departments": ["smr", "mem"],
                "inspected_on": TODAY.isoformat(),
                "findings": 1,
                "points": [
                    {"seq": 1, "result": "pass", "item_code": "JG-SCJG-001", "department": "smr"},
                    {"seq": 2, "result": "finding", "item_code": "JG-YJGL-002", "department": "mem"},
                ],
            },
            entity_id=e.pk,
        )
    got = sorted(CreditEvent.objects.filter(entity=e).values_list("department_id", "kind"))
    assert got == [("mem", "inspection_finding"), ("smr", "inspection_clean")]


def test_full_evaluation_runs_as_a_background_job(
    city: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    from crossreg.jobs.models import JobRun
    from crossreg.testing.jobs import run_queued

    with pytest.raises(Forbidden):
        services.credit_evaluate_submit(actor=city["staff"])
    Grade.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.credit_evaluate_submit(actor=city["credit_user"])
    run_queued()
    job = JobRun.objects.get(pk=job.pk)
    assert job.state == "succeeded", job.message
    assert Grade.objects.filter(current=True).count() == job.counts["entities"] > 0
