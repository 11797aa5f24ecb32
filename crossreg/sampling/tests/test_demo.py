"""The demo hook: a quarter drawn, pooled to the limit, some results carried out and published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from crossreg.inspections.models import InspectionTask, TaskStatus
from crossreg.sampling import conf, demo
from crossreg.sampling.models import SamplingPlan
from crossreg.sampling.tests.factories import sampling_city

pytestmark = pytest.mark.django_db


def test_demo_quarter_reaches_the_limit(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    sampling_city(settings)
    monkeypatch.setattr(demo, "DEMO_DEPARTMENTS", ("smr", "mem", "hc"))
    rep = demo.sampling_demo_load(actor="system:seed", seed=7, complete=4)
    assert rep["draws"] == 3
    assert rep["visits"] == rep["distinct_entities"] and rep["at_limit"]
    assert rep["visits_saved"] == rep["selections"] - rep["visits"] >= 0  # overlap depends on the codes
    done = min(4, rep["visits"])
    assert InspectionTask.objects.filter(status=TaskStatus.PUBLISHED).count() == (done + 1) // 2
    assert (
        InspectionTask.objects.filter(status__in=[TaskStatus.SUBMITTED, TaskStatus.FOLLOW_UP]).count()
        == done // 2
    )
    again = demo.sampling_demo_load(actor="system:seed", seed=7)
    assert again["draws"] == 3  # idempotent


@pytest.mark.parametrize(
    ("today", "period", "start", "end"),
    [
        (dt.date(2026, 1, 1), "2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2024, 2, 29), "2024Q1", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        (dt.date(2026, 6, 30), "2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), "2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        (dt.date(2026, 11, 28), "2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 12, 31), "2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ],
)
def test_quarter(today: dt.date, period: str, start: dt.date, end: dt.date) -> None:
    assert conf.quarter(today) == (period, start, end)


def test_demo_runs_the_quarter_of_the_day_once_per_quarter(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    sampling_city(settings)
    monkeypatch.setattr(demo, "DEMO_DEPARTMENTS", ("smr", "mem"))
    mid_q1 = dt.date(2026, 2, 15)
    demo.sampling_demo_load(actor="system:seed", seed=7, complete=2, today=mid_q1)
    plans = SamplingPlan.objects.all()
    assert {(p.period, p.period_start, p.period_end) for p in plans} == {
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    }
    assert all("2026年第一季度" in p.name for p in plans)
    carried_out = InspectionTask.objects.exclude(status=TaskStatus.ASSIGNED)
    assert carried_out.exists()
    # the tasks carried out are those whose window had opened by the day of the demo, if any had
    if InspectionTask.objects.filter(window_start__lte=mid_q1).count() >= 2:
        assert all(t.window_start <= mid_q1 for t in carried_out)

    n = plans.count()
    demo.sampling_demo_load(actor="system:seed", seed=7, today=dt.date(2026, 3, 31))  # same quarter
    assert SamplingPlan.objects.count() == n
    demo.sampling_demo_load(actor="system:seed", seed=7, today=dt.date(2026, 4, 1))  # the next one
    assert set(SamplingPlan.objects.values_list("period", flat=True)) == {"2026Q1", "2026Q2"}


def test_demo_plans_draw_from_each_departments_directory_and_what_the_item_applies_to(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """The demo's plans used to pool the whole registry of 亭湖区 for every department."""
    from crossreg.entities.models import Entity, Industry
    from crossreg.sampling.tests.factories import department_list, item_applying_to
    from crossreg.web.tests.factories import entity_make

    settings.MEDIA_ROOT = tmp_path
    city = sampling_city(settings)
    depts = city["departments"]
    county = city["divisions"]["320902"]
    restaurant = entity_make(
        name="盐城市亭湖区味真餐饮有限公司", division=county, industry=Industry.objects.get(code="62")
    )
    tinghu = list(Entity.objects.filter(division__code__startswith="320902", status="active"))
    department_list(depts["smr"], [restaurant, *tinghu[:3]])
    mem_list = tinghu[2:6]
    department_list(depts["mem"], mem_list)
    item_applying_to(depts["smr"], "JG-SMR-0062", industries="62")  # 餐饮服务经营者监督检查
    monkeypatch.setattr(demo, "DEMO_DEPARTMENTS", ("smr", "mem", "hc"))
    demo.sampling_demo_load(actor="system:seed", seed=7, complete=0)
    plans = {p.department_id: p for p in SamplingPlan.objects.all()}
    smr, mem, hc = plans["smr"], plans["mem"], plans["hc"]
    assert smr.source == mem.source == SamplingPlan.Source.DEPARTMENT_LIST
    assert [v.item.code for v in smr.item_versions.all()] == ["JG-SMR-0062"]
    assert set(smr.pool.values_list("entity_id", flat=True)) == {restaurant.pk}  # not the whole county
    assert set(mem.pool.values_list("entity_id", flat=True)) == {e.pk for e in mem_list}
    assert hc.source == SamplingPlan.Source.REGISTRY and "名录尚未导入" in hc.source_reason  # on record
    assert len({p.pool_root for p in plans.values()}) == 3
