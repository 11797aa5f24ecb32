"""Issue 18 items 4 and 5 on sampling's pages: the plan list and a plan's draw results have filters,
a pager and XLSX/CSV export (audited); the plan form keeps what was typed and chosen after an
error, offers industries as a searchable choice, and refuses a 600-character name."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from crossreg.orgs.models import DataAccess
from crossreg.sampling.models import SamplingPlan
from crossreg.sampling.tests.factories import drawn_plan, make_plan, sampling_city


@pytest.fixture
def city(db: None, settings: Any) -> dict[str, Any]:
    return sampling_city(settings)


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_plan_list_filters_and_exports(city: dict[str, Any]) -> None:
    drawn = drawn_plan(city, "smr", divisions=["320902"])
    draft = make_plan(city, "smr", divisions=["320902"], name="第二个计划")
    c = _client(city["staff"]["smr"])
    page = c.get("/sampling/", {"status": "draft"})
    codes = [p.code for p in page.context["list"].rows]
    assert codes == [draft.code]
    r = c.get("/sampling/", {"status": "drawn", "export": "csv"})
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "计划编号" and [x[0] for x in rows[1:]] == [drawn.code]
    assert DataAccess.objects.filter(what="sampling-plans.csv", rows=1).exists()


def test_draw_results_are_paged_filtered_and_exported(
    city: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from openpyxl import load_workbook

    plan = drawn_plan(city, "smr", divisions=["320902"])
    assert plan.selected_count >= 2
    c = _client(city["staff"]["smr"])
    url = f"/sampling/plans/{plan.code}/"
    with django_assert_max_num_queries(40):
        page = c.get(url)
    assert page.context["list"].total == plan.selected_count
    name = city["hengda"].name
    found = c.get(url, {"q": name}).context["list"]
    assert [s.entity.name for s in found.rows] == [name]
    wb = load_workbook(io.BytesIO(c.get(url, {"q": name, "export": "xlsx"}).content), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("层", "名次", "主体") and [r[2] for r in rows[1:]] == [name]
    assert DataAccess.objects.filter(what="draw-results.xlsx", rows=1).exists()


def _post(city: dict[str, Any], **over: Any) -> Any:
    data: dict[str, Any] = {
        "name": "本季度抽查",
        "item_versions": [str(city["versions"]["smr"].pk)],
        "period": "2025Q3",
        "period_start": "2025-07-01",
        "period_end": "2025-09-30",
        "divisions": ["320902"],
        "industries": ["51", "52"],
        "ratio_A": "0",
        "minimum_A": "0",
        "ratio_B": "7",
        "minimum_B": "1",
        "ratio_C": "33",
        "minimum_C": "2",
        "ratio_D": "100",
        "minimum_D": "0",
        "seed_source": "中国福利彩票双色球 2025-07-01 开奖号码",
        "seed_due": "2025-07-01",
        "source": "registry",
        "source_reason": "本部门监管对象名录尚未导入",
    }
    data.update(over)
    return _client(city["staff"]["smr"]).post("/sampling/plans/new/", data)


def test_plan_form_keeps_items_areas_industries_and_ratios_after_an_error(city: dict[str, Any]) -> None:
    r = _post(city, seed_source="")  # refused: no seed source
    assert r.status_code == 200 and not SamplingPlan.objects.exists()
    body = r.content.decode()
    v = city["versions"]["smr"]
    assert f'<option value="{v.pk}" selected>' in body
    assert '<option value="320902" selected>' in body
    assert '<option value="51" selected>' in body and '<option value="52" selected>' in body
    assert 'name="ratio_B" value="7"' in body and 'name="minimum_C" value="2"' in body
    assert 'name="name" value="本季度抽查"' in body
    assert "请写明随机种子将取自哪个公开来源" in body and 'class="errorlist"' in body
    assert 'data-searchable="1"' in body  # industries: a searchable choice, not typed codes


def test_plan_name_of_600_characters_is_refused(city: dict[str, Any]) -> None:
    r = _post(city, name="抽" * 600)
    assert r.status_code == 200 and not SamplingPlan.objects.exists()
    assert "计划名称不能超过 100 个字" in r.content.decode()
    ok = _post(city, name="抽" * 100, industries=[])  # at the limit, and a pool that is not empty
    assert ok.status_code == 302 and SamplingPlan.objects.get().name == "抽" * 100
