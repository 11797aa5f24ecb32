"""Plans, draws and pooling against the database: bad input, refusals recorded, the pooling limit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from crossreg.core.errors import Conflict, Forbidden, Invalid
from crossreg.entities.models import Entity
from crossreg.inspections.models import InspectionTask, OfficerRelation, TaskOfficer, TaskStatus
from crossreg.ledger.models import Entry
from crossreg.orgs.models import Officer
from crossreg.sampling import services
from crossreg.sampling.models import DrawAttempt, PoolingRun, SamplingPlan
from crossreg.sampling.tests.factories import PERIOD, TODAY, drawn_plan, make_plan, sampling_city
from verifiers import draw_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(settings: Any) -> dict[str, Any]:
    return sampling_city(settings)


def test_ratio_outside_0_100_names_the_field(city) -> None:
    with pytest.raises(Invalid) as e:
        make_plan(
            city,
            "smr",
            divisions=["320902"],
            rules={"B": {"ratio": "120", "minimum": 1}, "C": {"ratio": "-1"}},
        )
    fields = {p.field for p in e.value.problems}
    assert fields == {"rules.B.ratio", "rules.C.ratio"}
    assert not SamplingPlan.objects.exists()


def test_class_range_enforced_when_configured(city, settings) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "SAMPLING_ENFORCE_CLASS_RANGES": True}
    with pytest.raises(Invalid) as e:
        make_plan(city, "smr", divisions=["320902"], rules={"C": {"ratio": "10", "minimum": 1}})
    assert e.value.problems[0].field == "rules.C.ratio"
    assert e.value.problems[0].code == "out_of_class_range"


def test_defaults_follow_lindian_and_a_grade_is_exempt(city, settings) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "SAMPLING_ENFORCE_CLASS_RANGES": True}
    plan = make_plan(city, "smr", divisions=["320902"], rules=None)
    assert plan.rules == {
        "A": {"ratio": "0", "minimum": 0},  # not triggered: 无事不扰
        "B": {"ratio": "5", "minimum": 1},
        "C": {"ratio": "21", "minimum": 1},
        "D": {"ratio": "61", "minimum": 1},
    }
    triggered = make_plan(city, "smr", divisions=["320902"], rules=None, triggered=True)
    assert triggered.rules["A"] == {"ratio": "5", "minimum": 0}


def test_empty_pool_and_no_items_refused(city) -> None:
    with pytest.raises(Invalid) as e:
        make_plan(city, "smr", divisions=["320904"], entity_types=["coop"], industries=["26"])
    assert e.value.problems[0].field == "pool"
    with pytest.raises(Invalid) as e:
        make_plan(city, "smr", divisions=["320902"], item_versions=[])
    assert e.value.problems[0].field == "item_versions"
    assert not SamplingPlan.objects.exists()


def test_other_department_may_not_plan(city) -> None:
    with pytest.raises(Forbidden):
        services.plan_create(
            actor=city["staff"]["mem"],
            department=city["departments"]["smr"],
            name="x",
            item_versions=[city["versions"]["smr"]],
            period=PERIOD,
            period_start=TODAY,
            period_end=TODAY,
            seed_source="s",
            seed_due=TODAY,
        )


def test_draw_is_verifiable_and_second_draw_refused_and_recorded(city) -> None:
    plan = drawn_plan(city, "smr", divisions=["320902", "320903"], ratio="50")
    assert plan.status == SamplingPlan.Status.DRAWN and plan.selected_count > 0
    bundle = json.loads(services.bundle_bytes(services.plan_bundle(plan)))
    assert "VERIFIED" in draw_verify.verify(bundle, seed="03 07 12 19 25 31 + 09", root=plan.pool_root)[-1]
    with pytest.raises(Conflict, match="已摇号"):
        services.plan_draw(actor=city["staff"]["smr"], plan=plan, seed="another seed", seed_reference="x")
    attempts = list(DrawAttempt.objects.filter(plan=plan).values_list("outcome", "seed"))
    assert attempts == [("drawn", "03 07 12 19 25 31 + 09"), ("refused", "another seed")]
    assert Entry.objects.filter(action="sampling.draw.refuse", subject_id=plan.code).count() == 1
    plan.refresh_from_db()
    assert plan.seed == "03 07 12 19 25 31 + 09"  # the refused attempt changed nothing


def test_changed_pool_refuses_the_draw(city) -> None:
    plan = make_plan(city, "smr", divisions=["320902"])
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    Entity.objects.filter(pk=city["hengda"].pk).update(credit_class="D")  # regraded after publication
    with pytest.raises(Conflict, match="对象池在公示默克尔根之后已变化"):
        services.plan_draw(actor=city["staff"]["smr"], plan=plan, seed="s", seed_reference="第2025075期")
    plan.refresh_from_db()
    assert plan.status == SamplingPlan.Status.PUBLISHED and not plan.selections.exists()
    assert DrawAttempt.objects.get(plan=plan).outcome == "refused"


def test_draw_before_publication_or_before_seed_due_refused(city) -> None:
    plan = make_plan(city, "smr", divisions=["320902"], seed_due=dt.date(2999, 1, 1))
    with pytest.raises(Conflict, match="请先公示计划"):
        services.plan_draw(actor=city["staff"]["smr"], plan=plan, seed="s", seed_reference="x")
    services.plan_publish(actor=city["staff"]["smr"], plan=plan)
    with pytest.raises(Invalid, match="2999-01-01 00:00 才产生"):
        services.plan_draw(actor=city["staff"]["smr"], plan=plan, seed="s", seed_reference="x")
    assert DrawAttempt.objects.filter(plan=plan, outcome="refused").count() == 2


def test_pooling_reaches_the_limit_and_merges_checklists(city) -> None:
    a = drawn_plan(city, "smr", divisions=["320902"])  # every entity of 亭湖区
    b = drawn_plan(city, "mem", divisions=["320902", "320903"], ratio="50")
    run = services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    rep = run.report
    sel_a = set(a.selections.values_list("entity_id", flat=True))
    sel_b = set(b.selections.values_list("entity_id", flat=True))
    both = sel_a & sel_b
    assert both, "the test needs an entity drawn twice"
    assert rep["visits"] == rep["distinct_entities"] == len(sel_a | sel_b)
    assert rep["visits_saved"] == len(sel_a) + len(sel_b) - len(sel_a | sel_b) == len(both)
    assert rep["joint_tasks"] == len(both)
    assert rep["at_limit"] is True
    for eid in both:
        t = InspectionTask.objects.get(entity_id=eid)
        assert t.joint and t.lead_department_id == "mem"  # one item each: the tie goes to the first code
        roles = dict(t.departments.values_list("department_id", "role"))
        assert roles == {"mem": "lead", "smr": "participant"}
        offs = list(t.officers.values_list("department_id", flat=True))
        assert offs.count("mem") >= 2 and offs.count("smr") >= 1
        contents = list(t.points.values_list("content", flat=True))
        assert len(contents) == 4  # 3 + 2 with the fire-exit point merged
        fire = t.points.get(content__startswith="消防安全出口")
        assert fire.departments == ["mem", "smr"]
        assert t.window_start >= TODAY and t.window_end <= dt.date(2025, 9, 30)
    single = InspectionTask.objects.exclude(entity_id__in=both).first()
    assert single is not None and not single.joint
    # Officers respect status and certificate validity.
    assert not TaskOfficer.objects.exclude(officer__status=Officer.Status.ACTIVE).exists()
    assert not TaskOfficer.objects.filter(officer__valid_until__lt=dt.date(2025, 9, 30)).exists()
    # Pooling again with nothing new is refused and recorded.
    with pytest.raises(Invalid, match="没有需要汇总比对"):
        services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    assert PoolingRun.objects.filter(outcome="refused").count() == 1


def test_late_draw_merges_into_unstarted_task(city) -> None:
    drawn_plan(city, "smr", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    n = InspectionTask.objects.count()
    drawn_plan(city, "hc", divisions=["320902"])
    run = services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    assert InspectionTask.objects.count() == n  # same visits: hc joined the existing tasks
    assert run.report["merged_tasks"] == n and run.report["at_limit"]
    t = InspectionTask.objects.first()
    assert t is not None
    assert t.joint and set(t.departments.values_list("department_id", flat=True)) == {"smr", "hc"}


def test_too_few_officers_diagnosis_and_nothing_assigned(city) -> None:
    # Only one eligible mem officer is left: 2 per task are needed for mem-led tasks.
    keep = city["officers"]["mem"][0]
    Officer.objects.filter(department_id="mem").exclude(pk=keep.pk).update(status=Officer.Status.SUSPENDED)
    drawn_plan(city, "mem", divisions=["320902"])
    with pytest.raises(Invalid) as e:
        services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    p = e.value.problems[0]
    assert p.code == "officers_short" and p.field == "officers.mem.320902"
    assert "至少还需 1 名" in p.message
    assert not InspectionTask.objects.exists() and not TaskOfficer.objects.exists()
    run = PoolingRun.objects.get()
    assert run.outcome == "refused" and run.shortages[0]["field"] == "officers.mem.320902"


def test_recusal_and_last_inspector_respected(city) -> None:
    hengda = city["hengda"]
    smr = city["officers"]["smr"]
    OfficerRelation.objects.create(officer=smr[0], entity=hengda, kind="family")
    drawn_plan(city, "smr", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    t = InspectionTask.objects.get(entity=hengda)
    assert smr[0].pk not in set(t.officers.values_list("officer_id", flat=True))


def test_quiet_period_and_key_industry_lead(city, settings) -> None:
    settings.CROSSREG = {
        **settings.CROSSREG,
        "SAMPLING_KEY_INDUSTRIES": {"30": "mem"},
        "SAMPLING_QUIET_DAYS": 60,
    }
    from crossreg.entities.models import Industry

    ind = Industry.objects.get_or_create(code="30", defaults={"section": "C", "name": "非金属矿物制品业"})[0]
    Entity.objects.filter(pk=city["hengda"].pk).update(industry=ind)
    prev = drawn_plan(
        city,
        "smr",
        divisions=["320902"],
        period="2025Q2",
        period_start=dt.date(2025, 4, 1),
        period_end=dt.date(2025, 6, 30),
    )
    services.period_pool(actor=city["root"], period="2025Q2", today=dt.date(2025, 4, 1))
    InspectionTask.objects.filter(entity=city["hengda"]).update(inspected_on=dt.date(2025, 6, 20))
    assert prev.selections.filter(entity=city["hengda"]).exists()
    drawn_plan(city, "smr", divisions=["320902"])
    drawn_plan(city, "mem", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    t = InspectionTask.objects.get(entity=city["hengda"], period=PERIOD)
    assert t.lead_department_id == "mem"  # the key-industry authority leads despite fewer items
    assert t.window_start >= dt.date(2025, 8, 19)  # 60 quiet days after 2025-06-20
    # The officers who inspected it last time are not sent again.
    before = set(
        TaskOfficer.objects.filter(task__entity=city["hengda"], task__period="2025Q2").values_list(
            "officer_id", flat=True
        )
    )
    now = set(t.officers.values_list("officer_id", flat=True))
    assert not before & now


def test_key_industry_plan_defaults_to_joint_led_by_authority(city, settings) -> None:
    settings.CROSSREG = {**settings.CROSSREG, "SAMPLING_KEY_INDUSTRIES": {"30": "mem"}}
    from crossreg.entities.models import Industry

    ind = Industry.objects.get_or_create(code="30", defaults={"section": "C", "name": "非金属矿物制品业"})[0]
    Entity.objects.filter(pk=city["hengda"].pk).update(industry=ind)
    plan = make_plan(city, "smr", divisions=["320902"], industries=["30"])
    assert plan.kind == "joint" and plan.department_id == "mem"
    assert set(plan.participants.values_list("code", flat=True)) == {"smr"}


def test_a_task_state_of_started_is_not_revisited(city) -> None:
    drawn_plan(city, "smr", divisions=["320902"])
    services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    InspectionTask.objects.update(status=TaskStatus.IN_PROGRESS)
    n = InspectionTask.objects.count()
    drawn_plan(city, "hc", divisions=["320902"])
    run = services.period_pool(actor=city["root"], period=PERIOD, today=TODAY)
    assert InspectionTask.objects.count() == n and run.report["late"] == n


def test_markup_in_a_plan_name_is_refused(city) -> None:
    with pytest.raises(Invalid) as e:
        make_plan(city, "smr", divisions=["320902"], name="<script>alert(1)</script>2025年抽查")
    assert [(p.field, p.code) for p in e.value.problems] == [("name", "markup")]
    assert not SamplingPlan.objects.exists()
